"""Wire and run the WhatsApp channel: the webhook server, the messages through the engine, the statuses.

Each message is numbered in the store (its wamid is not a number) and claimed in the inbox before it is
handled: a redelivery is handled once, and one a crash cut short is handled again at the next start. The
person's replies are sent right away (they just wrote: the 24-hour window is open); everything the bot sends
by itself goes through the core's loops and its window guard (bot/service_window.py).
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web
from pywa import errors as wa_errors
from pywa_async import WhatsApp

from bot.bootstrap import App
from bot.clock import Clock
from bot.config import Settings
from bot.inbox import Inbox
from bot.message_ids import MessageIds
from bot.messenger import SendError
from bot.models import Incoming
from handlers.whatsapp import render
from handlers.whatsapp.messenger import CHANNEL, WhatsAppMessenger, make_client
from handlers.whatsapp.webhook import MAX_BODY, Inbound, Status, incoming, routes

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 25.0


def client_for(settings: Settings) -> WhatsApp:
    assert settings.whatsapp_phone_id and settings.whatsapp_token and settings.whatsapp_app_secret
    return make_client(
        settings.whatsapp_phone_id,
        settings.whatsapp_token,
        settings.whatsapp_api_base,
        settings.whatsapp_app_secret,
        settings.whatsapp_verify_token or "",
    )


@dataclass
class WhatsAppChannel:
    settings: Settings
    app: App
    client: WhatsApp
    clock: Clock
    boot_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    messenger: WhatsAppMessenger = field(init=False)
    ids: MessageIds = field(init=False)
    inbox: Inbox = field(init=False)
    _runner: web.AppRunner | None = field(default=None, init=False)
    url: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.ids = self.app.message_ids(CHANNEL)
        self.messenger = WhatsAppMessenger(self.client, self.ids, self.app.translators)
        self.inbox = self.app.inbox(f"{CHANNEL}:{self.settings.whatsapp_phone_id}", self.boot_id)

    # -- receiving --------------------------------------------------------------------------------------------

    async def handle(self, inbound: Sequence[Inbound], statuses: Sequence[Status]) -> None:
        for item in inbound:
            await self._claimed(item)
        for status in statuses:
            await self._status(status)

    async def _claimed(self, item: Inbound) -> None:
        if not item.user_id:
            return
        number = await self.ids.number(item.wamid, "in", item.user_id)
        if not await self.inbox.claim(number, item.as_json()):
            return  # a redelivery of a message handled (or being handled) already
        await self._handle_claimed(item, number)

    async def _handle_claimed(self, item: Inbound, number: int) -> None:
        ok = False
        try:
            await self._one(item, number)
            ok = True
        except Exception as exc:
            # The kind of failure only: never the person's text or number.
            log.error("whatsapp message %s failed: %s", number, type(exc).__name__)
            try:
                apology = await self.app.engine.apology(CHANNEL, item.user_id)
                await self.messenger.send(item.user_id, [apology])
            except Exception as again:
                log.error("apology failed: %s", type(again).__name__)
        finally:
            await self.inbox.finish(number, ok)

    async def _one(self, item: Inbound, number: int) -> None:
        quoted = (item.message.get("context") or {}).get("id")
        reply_to = await self.ids.known(str(quoted)) if quoted else None
        event: Incoming | None = incoming(item, CHANNEL, number, reply_to)
        assert event is not None
        if event.kind == "action" and event.action.startswith(render.MORE_PREFIX):
            event = await self._more(event)
            if event is None:
                return
        replies = await self.app.engine.handle(event)
        await self.ids.number(item.wamid, "in", item.user_id)  # a new person exists now: theirs, erased with them
        if replies:
            try:
                await self.messenger.send(item.user_id, replies)
            except SendError as exc:
                log.warning("whatsapp answer %s not sent: %s", number, exc)

    async def _more(self, event: Incoming) -> Incoming | None:
        """The "more" row of a long list: the next page; an old one (forgotten after a restart): the menu."""
        person = await self.app.engine.people.find(CHANNEL, event.user_id)
        lang = person.language if person else self.app.options.default_language
        token = event.action.removeprefix(render.MORE_PREFIX)
        if await self.messenger.more(event.user_id, token, lang):
            return None
        return Incoming(channel=CHANNEL, user_id=event.user_id, kind="command", action="menu", meta=event.meta)

    async def _status(self, status: Status) -> None:
        code = status.error.code if status.error is not None else None
        if status.status == "failed":
            log.warning("whatsapp message failed: %s", code)
        # 131026: not on WhatsApp (any more): the person is marked inactive.
        undeliverable = isinstance(status.error, wa_errors.MessageUndeliverable)
        await self.ids.reported(status.wamid, status.status, code, undeliverable)

    async def resume_unfinished(self) -> int:
        pending = await self.inbox.unfinished()
        for number, payload in pending:
            await self._handle_claimed(Inbound.from_json(payload), number)
        return len(pending)

    # -- running ----------------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Resume what the last run left, then listen; the webhook's URL (for tests: with the port)."""
        resumed = await self.resume_unfinished()
        if resumed:
            log.info("handled %d WhatsApp messages left unfinished by the previous run", resumed)
        await self.inbox.prune()
        web_app = web.Application(client_max_size=MAX_BODY)
        routes(web_app, self.settings.whatsapp_path, self.client, self.handle)
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        await self._runner.setup()
        host = self.settings.whatsapp_host or self.settings.host
        site = web.TCPSite(self._runner, host, self.settings.whatsapp_port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        port = sockets[0].getsockname()[1] if sockets else self.settings.whatsapp_port
        self.url = f"http://{host}:{port}{self.settings.whatsapp_path}"
        log.info("WhatsApp webhook listening on %s:%d%s", host, port, self.settings.whatsapp_path)
        return self.url

    async def stop(self) -> None:
        """No new deliveries; the ones being handled finish (aiohttp waits up to the grace time)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.client.api._session.aclose()
