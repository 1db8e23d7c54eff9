"""Wire and run the Telegram channel: long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set.

SIGTERM and SIGINT stop it gracefully: no new updates are taken, updates in progress finish, then the
store is closed.
"""

import asyncio
import hmac
import json
import logging
import signal
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import ClientDecodeError, TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.types import BotCommand, ErrorEvent
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bot.actions import command_menu
from bot.bootstrap import App, Background, build_app
from bot.clock import Clock
from bot.config import Settings
from bot.inbox import Inbox
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES
from bot.ports import StoreUnavailable
from bot.receiving import Receiving
from handlers.telegram import groups, private, staff
from handlers.telegram.delivery import deliver
from handlers.telegram.messenger import CHANNEL, TelegramMessenger
from handlers.telegram.middlewares import InFlight, OncePerUpdate, RetryRequests, StaffOnly
from handlers.telegram.receiving import fetcher, parse

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 25.0  # systemd and docker give 30 s between SIGTERM and SIGKILL
# Telegram's updates are a few kilobytes (4096 characters of text, a replied-to message, entities): a body
# larger than this is not an update, and is refused before it is read.
MAX_WEBHOOK_BODY = 256 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class StartupError(Exception):
    """The staff group is not usable for tickets; worded for the person starting the bot."""


def make_bot(settings: Settings, request_timeout: float = 60.0, retry: RetryRequests | None = None) -> Bot:
    assert settings.telegram_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base), timeout=request_timeout)
    session.middleware(retry or RetryRequests())
    return Bot(settings.telegram_token, session=session)


async def check_staff_group(bot: Bot, chat_id: int) -> None:
    """The staff group exists for the bot, has topics, and the bot may manage them: else StartupError."""
    where = f"STAFF_CHAT_ID {chat_id}"
    try:
        chat = await bot.get_chat(chat_id)
    except (TelegramBadRequest, TelegramForbiddenError):  # "chat not found", "bot was kicked from the group"
        raise StartupError(f"{where}: the bot is not in this group; add it to the group as admin") from None
    if not chat.is_forum:
        raise StartupError(f"{where}: topics are off in this group; turn on Topics in its settings")
    try:
        member = await bot.get_chat_member(chat_id, bot.id)
    except (TelegramBadRequest, TelegramForbiddenError) as exc:
        raise StartupError(
            f"{where}: Telegram did not tell the bot its rights in this group ({exc.message}); check that this is"
            " the staff group's id and that the bot is an admin there"
        ) from None
    status = getattr(member, "status", "")
    if status in ("left", "kicked"):
        raise StartupError(f"{where}: the bot is not in this group; add it to the group as admin")
    if status not in ("administrator", "creator") or (
        status == "administrator" and not getattr(member, "can_manage_topics", False)
    ):
        raise StartupError(f"{where}: make the bot an admin with the right to manage topics")


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
        dp.update.outer_middleware(self.in_flight)
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

    async def resume_unfinished(self) -> int:
        """Handle again the updates a previous run claimed (or stored from a batch) but did not finish."""
        assert self.inbox is not None
        pending = await self.inbox.unfinished()
        for update_id, payload in pending:
            await self.feed(update_id, payload, claimed=False)
        return len(pending)

    async def start(self) -> None:
        try:
            await self.bot.me()  # fills bot.id (and fails early on a wrong token)
        except (TelegramNotFound, TelegramBadRequest, ClientDecodeError) as exc:  # 401: the caller tells
            raise StartupError(
                f"TELEGRAM_API_BASE {self.settings.telegram_api_base}: no Bot API answers there"
                f" ({getattr(exc, 'message', None) or type(exc).__name__});"
                " unset it for https://api.telegram.org, or give the address of your Bot API server"
            ) from None
        self.receiving = self.app.receiving(self.channel, self.background)
        self.inbox = self.receiving.inbox
        self.dispatcher.update.outer_middleware(OncePerUpdate(self.receiving))
        for chat in sorted(self.app.staff_chats.all):
            await check_staff_group(self.bot, chat)
        await self.register_commands()
        resumed = await self.resume_unfinished()
        if resumed:
            log.info("handled %d updates left unfinished by the previous run", resumed)
        await self.inbox.prune()
        await self.background.replies.prune()

    async def run_polling(self, stop: asyncio.Event, polling_timeout: int = 30) -> None:
        assert self.receiving is not None
        await self.bot.delete_webhook(drop_pending_updates=False)
        fetch = fetcher(self.bot, polling_timeout, self.dispatcher.resolve_used_update_types())
        # Not aiogram's polling loop: it confirms a batch before its updates are stored (bot/receiving.py).
        await asyncio.gather(
            self.receiving.poll(fetch, self.feed, stop),
            self.receiving.run_retries(self.feed, stop, self.tick_seconds),
        )
        await self.receiving.settle()
        if not await self.in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("stopping with %d updates unfinished; they are resumed at the next start", self.in_flight.count)

    async def run_webhook(self, stop: asyncio.Event) -> None:
        await self.serve_webhook(await self.open_webhook(), stop)

    async def open_webhook(self) -> web.AppRunner:
        """Listen on WILLKOMMEN_HOST:PORT and register the webhook with Telegram; StartupError if either fails."""
        settings = self.settings
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        assert self.receiving is not None
        path = urlsplit(settings.webhook_url).path or "/"
        web_app = web.Application(client_max_size=MAX_WEBHOOK_BODY)
        web_app.router.add_post(path, self._webhook)
        setup_application(web_app, self.dispatcher, bot=self.bot)
        runner = web.AppRunner(web_app, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, settings.host, settings.port).start()
            except OSError as exc:
                raise StartupError(
                    f"WILLKOMMEN_HOST/WILLKOMMEN_PORT {settings.host}:{settings.port}: cannot listen there"
                    f" ({exc.strerror or exc}); choose a free port or stop the program that uses it"
                ) from None
            try:
                await self.bot.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                    drop_pending_updates=False,
                )
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                # e.g. "bad webhook: Failed to resolve host", "bad webhook: IP address ... is reserved"
                raise StartupError(
                    f"TELEGRAM_WEBHOOK_URL {settings.webhook_url}: Telegram refused it ({exc.message}); use a"
                    " public https:// address that reaches this server, or unset it for long polling"
                ) from None
        except BaseException:
            await runner.cleanup()
            raise
        log.info("webhook listening on %s:%d%s", settings.host, settings.port, path)
        return runner

    async def serve_webhook(self, runner: web.AppRunner, stop: asyncio.Event) -> None:
        assert self.receiving is not None
        retries = asyncio.create_task(self.receiving.run_retries(self.feed, stop, self.tick_seconds))
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            await retries
            await self.in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS)

    async def _webhook(self, request: web.Request) -> web.Response:
        """One update from Telegram: 200 only once it was handled (or skipped), so a crash before that has it
        delivered again (and handled once, see OncePerUpdate)."""
        secret = self.settings.webhook_secret or ""
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return web.Response(status=401)
        if request.content_length is None or request.content_length > MAX_WEBHOOK_BODY:
            log.warning("webhook: a body of %s bytes refused", request.content_length)
            return web.Response(status=413)
        body = await request.read()
        try:
            raw = json.loads(body)
            update_id = raw["update_id"]
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise TypeError
        except (ValueError, TypeError, KeyError):
            log.warning("webhook: a malformed body refused (%d bytes, not an update)", len(body))
            return web.Response(status=400)
        try:
            await self.feed(update_id, json.dumps(raw, ensure_ascii=False, separators=(",", ":")), claimed=False)
        except StoreUnavailable as exc:
            log.error("update %d not stored: the database is %s; Telegram sends it again", update_id, exc.cause)
            return web.Response(status=503)
        return web.json_response({})


async def run(settings: Settings, clock: Clock | None = None, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or until `stop` is set)."""
    from bot.clock import SystemClock

    clock = clock or SystemClock()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not supported here
            pass
    app = await build_app(settings, clock)
    bot = make_bot(settings)
    background: asyncio.Task | None = None
    try:
        channel = TelegramChannel(settings, app, bot, clock)
        await channel.start()
        if settings.webhook_url:
            runner = await channel.open_webhook()  # the loops start once nothing of the start can fail
            background = asyncio.create_task(channel.run_background(stop))
            await channel.serve_webhook(runner, stop)
        else:
            background = asyncio.create_task(channel.run_background(stop))
            await channel.run_polling(stop)
    finally:
        stop.set()  # also when the start failed: the loops end before the store closes
        if background is not None:
            await background
        await bot.session.close()
        await app.close()
