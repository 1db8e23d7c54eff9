"""Wire the Telegram channel on aiogram: long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set.
handlers/run.py runs it; a stop takes no new updates and lets the updates in progress finish.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, ErrorEvent

from bot.actions import command_menu
from bot.bootstrap import App, Background
from bot.clock import Clock
from bot.config import Settings
from bot.inbox import Inbox
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.ports import StoreUnavailable
from bot.receiving import Receiving
from handlers.telegram import groups, private, staff
from handlers.telegram.delivery import deliver
from handlers.telegram.messenger import CHANNEL, TelegramMessenger
from handlers.telegram.middlewares import Counted, OncePerUpdate, RetryRequests, StaffOnly
from handlers.telegram.receiving import fetcher, parse
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

log = logging.getLogger(__name__)
__all__ = ["StartupError", "TelegramChannel", "make_bot"]


def make_bot(settings: Settings, request_timeout: float = 60.0, retry: RetryRequests | None = None) -> Bot:
    assert settings.telegram_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base), timeout=request_timeout)
    session.middleware(retry or RetryRequests())
    return Bot(settings.telegram_token, session=session)


async def _is_forum(bot: Bot, chat_id: int) -> bool:
    try:
        return bool((await bot.get_chat(chat_id)).is_forum)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:  # "chat not found", "bot was kicked"
        raise NotThere(exc.message) from None


async def _rights(bot: Bot, chat_id: int) -> Rights:
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        raise NotThere(exc.message) from None
    return Rights(getattr(member, "status", ""), bool(getattr(member, "can_manage_topics", False)))


@contextlib.contextmanager
def _startup_words(settings: Settings) -> Iterator[None]:
    """aiogram's errors at the start, said as handlers/telegram/startup.py says them."""
    base = settings.telegram_api_base
    try:
        yield
    except TelegramUnauthorizedError:
        raise wrong_token() from None
    except (TelegramNotFound, ClientDecodeError) as exc:
        raise no_bot_api(base, getattr(exc, "message", None) or type(exc).__name__) from None
    except TelegramNetworkError as exc:
        raise unreachable(base, exc.message) from None


@dataclass
class TelegramChannel:
    settings: Settings
    app: App
    bot: Bot
    clock: Clock
    boot_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    in_flight: InFlight = field(default_factory=InFlight)
    tick_seconds: float = 5.0
    messenger: TelegramMessenger = field(init=False)
    background: Background = field(init=False)
    dispatcher: Dispatcher = field(init=False)
    inbox: Inbox | None = None  # made at start, when the bot's id is known
    receiving: Receiving | None = None

    def __post_init__(self) -> None:
        self.messenger = TelegramMessenger(self.bot)
        self.background = self.app.background(self.messenger, {CHANNEL: self.messenger}, self.boot_id)
        staff_chats = self.app.staff_chats.all
        dp = Dispatcher(engine=self.app.engine, app=self.app, staff_chats=staff_chats)
        dp.update.outer_middleware(Counted(self.in_flight))
        staff_tr = self.app.staff.tr
        staff_only = StaffOnly(
            self.app.access, "⛔ " + staff_tr.gettext("Only the team can use this. Your message was not passed on.")
        )
        # The staff router comes before the groups router, which leaves every other group.
        dp.include_routers(private.make_router(), staff.make_router(staff_chats, staff_only), groups.make_router())
        dp.errors.register(self._on_error)
        self.dispatcher = dp

    @property
    def channel(self) -> str:
        return f"telegram:{self.bot.id}"

    async def run_background(self, stop: asyncio.Event) -> None:
        """The outbox, the relay and the announcements, until `stop`."""
        try:
            await self.background.run(stop, self.tick_seconds)
        finally:
            await self.background.settle()

    async def _on_error(self, event: ErrorEvent) -> None:
        if isinstance(event.exception, StoreUnavailable):
            raise event.exception  # not stored: a webhook answers 500, Telegram delivers it again
        # Log the kind of failure only: never the person's text or name.
        log.error("update %s failed: %s", event.update.update_id, type(event.exception).__name__)
        user, chat = None, None
        if event.update.message and event.update.message.chat.type == "private":
            user, chat = event.update.message.from_user, event.update.message.chat.id
        elif event.update.callback_query and event.update.callback_query.message:
            user, chat = event.update.callback_query.from_user, event.update.callback_query.message.chat.id
        if user is not None and chat is not None:
            try:
                await deliver(self.bot, chat, [await self.app.engine.apology(CHANNEL, str(user.id))])
            except Exception as exc:
                log.error("apology failed: %s", type(exc).__name__)

    async def register_commands(self) -> None:
        translators = self.app.translators
        for lang in LANGUAGES:
            commands = [BotCommand(command=c, description=d) for c, d in command_menu(translators[lang])]
            await self.bot.set_my_commands(commands, language_code=lang)
        default = [BotCommand(command=c, description=d) for c, d in command_menu(translators[DEFAULT_LANGUAGE])]
        await self.bot.set_my_commands(default)

    async def feed(self, update_id: int, payload: str, claimed: bool = True) -> None:
        """One update (claimed already, unless `claimed` is False) through the dispatcher."""
        assert self.receiving is not None
        update = parse(self.bot, payload)
        if update is None:
            if claimed or await self.receiving.inbox.claim(update_id, ""):
                await self.receiving.skip(update_id)
            return
        await self.dispatcher.feed_update(self.bot, update, claimed=claimed, payload=payload)

    async def start(self) -> None:
        with _startup_words(self.settings):
            await self._start()

    async def _start(self) -> None:
        try:
            await self.bot.me()  # fills bot.id (and fails early on a wrong token)
        except TelegramBadRequest as exc:
            raise no_bot_api(self.settings.telegram_api_base, exc.message) from None
        self.receiving = self.app.receiving(self.channel, self.background)
        self.inbox = self.receiving.inbox
        self.dispatcher.update.outer_middleware(OncePerUpdate(self.receiving))
        for chat in sorted(self.app.staff_chats.all):
            await check_staff_group(chat, lambda c: _is_forum(self.bot, c), lambda c: _rights(self.bot, c))
        await self.register_commands()
        await resume_unfinished(self.receiving, self.feed)
        await self.inbox.prune()
        await self.background.replies.prune()

    async def run_polling(self, stop: asyncio.Event, polling_timeout: int = 30) -> None:
        assert self.receiving is not None
        await self.bot.delete_webhook(drop_pending_updates=False)
        fetch = fetcher(self.bot, polling_timeout, self.dispatcher.resolve_used_update_types())
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
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )

        with _startup_words(settings):
            return await open_webhook(settings, self.feed, set_webhook, (TelegramBadRequest, TelegramForbiddenError))

    async def serve_webhook(self, runner: Any, stop: asyncio.Event) -> None:
        assert self.receiving is not None
        await serve(runner, self.receiving, self.feed, stop, self.tick_seconds, self.in_flight)

    async def close(self) -> None:
        await self.bot.session.close()
