"""Wire the Telegram channel on python-telegram-bot: long polling by default, a webhook when
TELEGRAM_WEBHOOK_URL is set. handlers/run.py runs it, exactly as it runs the aiogram channel.

PTB serves here as a Bot API client and for its types. Receiving is the core's (bot/receiving.py): PTB's
Updater, like aiogram's polling, confirms a batch to Telegram before its updates are stored, and parses a
batch as a whole. The webhook server is the one both adapters share (handlers/telegram/webhook.py).
Every update goes through `feed`: parsed alone, claimed in the inbox, routed (routing order as in the aiogram
channel: private chats, the staff groups, other groups), its replies stored with its completion.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import ExtBot

from bot.actions import command_menu
from bot.bootstrap import App, Background
from bot.clock import Clock
from bot.config import Settings
from bot.inbox import Inbox
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.ports import StoreUnavailable
from bot.receiving import Receiving
from bot.replies import Answers
from handlers.telegram.running import InFlight, poll, resume_unfinished, serve
from handlers.telegram.startup import (
    NotThere,
    Rights,
    StartupError,
    check_staff_group,
    no_bot_api,
    unreachable,
    wrong_token,
)
from handlers.telegram.webhook import open_webhook
from handlers.telegram.words import CHANNEL
from handlers.telegram_ptb import groups, private, staff
from handlers.telegram_ptb.delivery import deliver
from handlers.telegram_ptb.messenger import PtbMessenger
from handlers.telegram_ptb.readable import readable
from handlers.telegram_ptb.retry import RetryRequests
from handlers.telegram_ptb.routing import Desks
from handlers.telegram_ptb.transport import AiohttpRequest

log = logging.getLogger(__name__)
__all__ = ["PtbChannel", "StartupError", "make_bot"]
# The update types the bot handles (what aiogram's resolve_used_update_types() gives for its routers).
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query", "my_chat_member"]


def quiet_library_logs() -> None:
    """PTB logs call parameters (people's texts and names) at DEBUG, and httpx every request URL, which holds
    the bot's token, at INFO: neither reaches any log, whatever the root level."""
    logging.getLogger("telegram").setLevel(logging.INFO)
    # It logs a server answer that is not JSON in full, with a traceback, and raises it anyway (we say it once).
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.INFO)


def make_bot(settings: Settings, request_timeout: float = 60.0, retry: RetryRequests | None = None) -> ExtBot:
    assert settings.telegram_token is not None
    quiet_library_logs()
    base = settings.telegram_api_base
    # As large a pool as aiogram's default (100); getUpdates has its own connection, as in PTB's default.
    request = AiohttpRequest(
        pool_size=100,
        read_timeout=request_timeout,
        write_timeout=request_timeout,
        connect_timeout=request_timeout,
        pool_timeout=request_timeout,
    )
    updates = AiohttpRequest(pool_size=1, connect_timeout=request_timeout, pool_timeout=request_timeout)
    return ExtBot(
        settings.telegram_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request,
        get_updates_request=updates,
        rate_limiter=retry or RetryRequests(),
    )


async def _is_forum(bot: ExtBot, chat_id: int) -> bool:
    try:
        return bool((await bot.get_chat(chat_id)).is_forum)
    except (BadRequest, Forbidden) as exc:  # "chat not found", "bot was kicked"
        raise NotThere(exc.message) from None


async def _rights(bot: ExtBot, chat_id: int) -> Rights:
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except (BadRequest, Forbidden) as exc:
        raise NotThere(exc.message) from None
    return Rights(str(member.status), bool(getattr(member, "can_manage_topics", False)))


@contextlib.contextmanager
def _startup_words(settings: Settings) -> Iterator[None]:
    """PTB's errors at the start, said as handlers/telegram/startup.py says them."""
    base = settings.telegram_api_base
    try:
        yield
    except InvalidToken as exc:
        # PTB says InvalidToken for 401 and for 404, and at getMe its message holds the token: Telegram's words
        # are in the cause. A 404 to getMe means no Bot API answers at the address.
        said = exc.__cause__.message if isinstance(exc.__cause__, TelegramError) else ""
        if "(404)" in said or "not found" in said.lower():
            raise no_bot_api(base, said.split(".")[0]) from None
        raise wrong_token() from None
    except BadRequest as exc:
        raise no_bot_api(base, exc.message) from None
    except NetworkError as exc:  # also time-outs and 5xx, after RetryRequests' attempts
        raise unreachable(base, exc.message) from None


def parse(bot: ExtBot, payload: str) -> Update | None:
    """One update as PTB reads it; None when it cannot (Telegram never sends such a thing: a forged body)."""
    try:
        update = Update.de_json(json.loads(payload), bot)
        return update if update is not None and readable(update) else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # the error names the fields and values: the person's data, never logged


@dataclass
class PtbChannel:
    settings: Settings
    app: App
    bot: ExtBot
    clock: Clock
    boot_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    in_flight: InFlight = field(default_factory=InFlight)
    tick_seconds: float = 5.0
    messenger: PtbMessenger = field(init=False)
    background: Background = field(init=False)
    desks: Desks = field(init=False)
    inbox: Inbox | None = None  # made at start, when the bot's id is known
    receiving: Receiving | None = None

    def __post_init__(self) -> None:
        self.messenger = PtbMessenger(self.bot)
        self.background = self.app.background(self.messenger, {CHANNEL: self.messenger}, self.boot_id)
        refusal = "⛔ " + self.app.staff.tr.gettext("Only the team can use this. Your message was not passed on.")
        self.desks = Desks(self.app, self.bot, self.messenger, self.app.staff_chats.all, self.app.access, refusal)

    @property
    def channel(self) -> str:
        return f"telegram:{self.bot.id}"

    async def run_background(self, stop: asyncio.Event) -> None:
        """The outbox, the relay and the announcements, until `stop`."""
        try:
            await self.background.run(stop, self.tick_seconds)
        finally:
            await self.background.settle()

    # -- one update ---------------------------------------------------------------------------------------------

    async def feed(self, update_id: int, payload: str, claimed: bool = True) -> None:
        """One update (claimed already, unless `claimed` is False): handled once, its replies stored."""
        assert self.receiving is not None
        update = parse(self.bot, payload)
        if update is None:
            if claimed or await self.receiving.inbox.claim(update_id, ""):
                await self.receiving.skip(update_id)
            return

        async def work(answers: Answers) -> None:
            await self._route(update, answers)

        async with self.in_flight.one():
            try:
                if not await self.receiving.handle(update_id, payload, work, claimed):
                    log.info("update %d delivered again: skipped", update_id)
            except StoreUnavailable:
                raise  # not stored: a webhook answers 503, Telegram delivers it again
            except Exception as exc:
                await self._on_error(update, exc)

    async def _route(self, update: Update, answers: Answers) -> None:
        desks = self.desks
        staff_chats = desks.staff_chats
        if update.message is not None:
            message = update.message
            if message.chat.type == ChatType.PRIVATE:
                if message.from_user is not None:
                    await private.message(desks, answers, message)
                return  # a private message without a sender has nobody to answer
            if message.chat.id in staff_chats and await staff.message(desks, answers, message):
                return
            if message.chat.type in groups.GROUP_TYPES:
                await groups.group_message(desks, message)
        elif update.edited_message is not None:
            message = update.edited_message
            if message.chat.type == ChatType.PRIVATE:
                if message.from_user is not None:
                    await private.message(desks, answers, message, edited=True)
            elif message.chat.id in staff_chats:
                await staff.edited(desks, message)
        elif update.callback_query is not None:
            callback = update.callback_query
            if callback.message is None:
                return  # a press under an inline message: not the bot's menus
            if callback.message.chat.type == ChatType.PRIVATE:
                await private.button(desks, answers, callback)
            elif callback.message.chat.id in staff_chats:
                await staff.button(desks, answers, callback)
        elif update.channel_post is not None:
            await groups.group_message(desks, update.channel_post)
        elif update.my_chat_member is not None:
            await groups.added_to_chat(desks, update.my_chat_member)

    async def _on_error(self, update: Update, exc: Exception) -> None:
        # Log the kind of failure only: never the person's text or name.
        log.error("update %s failed: %s", update.update_id, type(exc).__name__)
        user, chat = None, None
        if update.message and update.message.chat.type == ChatType.PRIVATE:
            user, chat = update.message.from_user, update.message.chat.id
        elif update.callback_query and update.callback_query.message:
            user, chat = update.callback_query.from_user, update.callback_query.message.chat.id
        if user is not None and chat is not None:
            try:
                await deliver(self.bot, chat, [await self.app.engine.apology(CHANNEL, str(user.id))])
            except Exception as failed:
                log.error("apology failed: %s", type(failed).__name__)

    # -- start and stop -----------------------------------------------------------------------------------------

    async def register_commands(self) -> None:
        translators = self.app.translators
        for lang in LANGUAGES:
            commands = [BotCommand(c, d) for c, d in command_menu(translators[lang])]
            await self.bot.set_my_commands(commands, language_code=lang)
        await self.bot.set_my_commands([BotCommand(c, d) for c, d in command_menu(translators[DEFAULT_LANGUAGE])])

    async def start(self) -> None:
        with _startup_words(self.settings):
            await self._start()

    async def _start(self) -> None:
        await self.bot.initialize()  # getMe: fills bot.id (and fails early on a wrong token)
        self.desks.username = self.bot.username
        self.receiving = self.app.receiving(self.channel, self.background)
        self.inbox = self.receiving.inbox
        for chat in sorted(self.app.staff_chats.all):
            await check_staff_group(chat, lambda c: _is_forum(self.bot, c), lambda c: _rights(self.bot, c))
        await self.register_commands()
        await resume_unfinished(self.receiving, self.feed)
        await self.inbox.prune()
        await self.background.replies.prune()

    async def _fetch(self, offset: int | None, polling_timeout: int) -> list[Any]:
        data = {"offset": offset, "timeout": polling_timeout, "allowed_updates": ALLOWED_UPDATES}
        # Bot.get_updates parses the whole batch (one unreadable update fails the call) and do_api_request
        # warns for a known method: PTB's own request path, which gives the JSON objects as Telegram sent them.
        timeout = float(self.bot.request.read_timeout or 0) + polling_timeout
        return list(await self.bot._post("getUpdates", data, read_timeout=timeout))

    async def run_polling(self, stop: asyncio.Event, polling_timeout: int = 30) -> None:
        assert self.receiving is not None
        await self.bot.delete_webhook(drop_pending_updates=False)

        async def fetch(offset: int | None) -> list[Any]:
            return await self._fetch(offset, polling_timeout)

        await poll(self.receiving, fetch, self.feed, stop, self.tick_seconds, self.in_flight)

    async def run_webhook(self, stop: asyncio.Event) -> None:
        await self.serve_webhook(await self.open_webhook(), stop)

    async def open_webhook(self) -> Any:
        """Listen, and register the webhook with Telegram; StartupError if either fails."""
        settings = self.settings

        def set_webhook() -> Awaitable[Any]:
            return self.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )

        with _startup_words(settings):
            return await open_webhook(settings, self.feed, set_webhook, (BadRequest, Forbidden))

    async def serve_webhook(self, runner: Any, stop: asyncio.Event) -> None:
        assert self.receiving is not None
        await serve(runner, self.receiving, self.feed, stop, self.tick_seconds, self.in_flight)

    async def close(self) -> None:
        with contextlib.suppress(TelegramError):
            await self.bot.shutdown()
        # Bot.shutdown skips a bot that was never initialised (a channel made, not started: the loops' tests),
        # whose calls opened the transport all the same.
        await self.bot.request.shutdown()
