"""The fake WhatsApp Cloud API. Speaks the Graph API's HTTP protocol on 127.0.0.1 only.

Drive it like WhatsApp users would (`await user.says("...")`, `.presses(button_id)`, `.chooses(row_id)`,
`.sends_voice(b"...")`): each action POSTs a signed webhook to the bot's webhook URL. Inspect what the bot sent
(`sent`, `messages_to(user)`, `calls`), and break it on purpose (`fail(...)`, `undeliverable(...)`, wrong
signatures, duplicates). Outgoing messages are checked against the documented limits and the 24-hour window.
"""

import asyncio
import base64
import hashlib
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from fakewa import limits
from fakewa.errors import ApiError, param_error, webhook_error
from fakewa.webhook import USER_AGENT, encode, envelope, merge, sign

TOKEN = "EAAFakeCloudApiTokenForTheLokalWillkommenTests"
APP_SECRET = "fake-app-secret-0f3c9a"
VERIFY_TOKEN = "fake-verify-token-7d1e"
PHONE_ID = "106540352242922"
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "4923198765400"
SERVICE_WINDOW = timedelta(hours=24)
MEDIA_URL_LIFETIME = timedelta(minutes=5)


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Call:
    """One request to the fake API, recorded when answered."""

    method: str
    endpoint: str  # messages, mark_read, media_upload, media_url, media_download, media_delete
    path: str
    body: Any
    status: int
    response: Any
    at: datetime


@dataclass
class Media:
    id: str
    data: bytes
    mime_type: str
    filename: str | None
    uploaded_by: str  # "bot" or the wa_id/bsuid of the user who sent it

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass(eq=False)
class Sent:
    """A message the fake accepted from the bot."""

    wamid: str
    user: "FakeWaUser | None"
    to: str  # the recipient as the bot named it (wa_id, phone number or BSUID)
    type: str
    payload: dict[str, Any]
    at: datetime
    shows: str  # what the person reads: the text, the interactive body, the filled-in template, a caption
    buttons: list[dict[str, str]] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    media: Media | None = None
    filename: str | None = None
    statuses: list[str] = field(default_factory=list)  # status webhooks posted for it

    @property
    def template(self) -> dict[str, Any] | None:
        return self.payload.get("template")


@dataclass
class Delivery:
    """One webhook POST to the bot and the bot's answer."""

    payload: dict[str, Any]
    body: bytes
    signature: str | None
    status: int
    text: str
    wamid: str | None = None  # the id of the user's message, for inbound messages


@dataclass
class _Failure:
    endpoint: str | None  # None: every endpoint except the media download
    what: int | str  # 500, 502, 503, "throughput", "pair_rate", "hang", "garbage"
    times: int
    hang_seconds: float
    status: int | None  # HTTP status for the coded failures (Meta answers 130429/131056 with 400)


@dataclass(eq=False)
class FakeWaUser:
    server: "FakeWhatsApp"
    wa_id: str | None  # None: a person who hides their number behind a username (only the BSUID is known)
    name: str
    bsuid: str

    @property
    def key(self) -> str:
        return self.bsuid

    def contact(self, profile: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if profile:
            data["profile"] = {"name": self.name}
        if self.wa_id:
            data["wa_id"] = self.wa_id
        if self.server.include_bsuid:
            data["user_id"] = self.bsuid
        return data

    # -- what the person does (each posts a signed webhook and returns the bot's answer) --------------------

    async def says(self, text: str, *, reply_to: str | None = None, signature: str = "valid") -> Delivery:
        context = {"from": self.server.display_number, "id": reply_to} if reply_to else None
        return await self.server.inbound(self, "text", {"text": {"body": text}}, context, signature=signature)

    async def presses(self, button_id: str, *, message: Sent | None = None, signature: str = "valid") -> Delivery:
        """Taps a reply button the bot sent them (the newest message carrying that button id)."""
        sent = message or self._newest(lambda s: any(b["id"] == button_id for b in s.buttons), f"button {button_id!r}")
        button = next(b for b in sent.buttons if b["id"] == button_id)
        content = {
            "interactive": {"type": "button_reply", "button_reply": {"id": button["id"], "title": button["title"]}}
        }
        context = {"from": self.server.display_number, "id": sent.wamid}
        return await self.server.inbound(self, "interactive", content, context, signature=signature)

    async def chooses(self, row_id: str, *, message: Sent | None = None, signature: str = "valid") -> Delivery:
        """Picks a row of a list message the bot sent them (the newest message carrying that row id)."""
        sent = message or self._newest(lambda s: any(r["id"] == row_id for r in s.rows), f"list row {row_id!r}")
        row = next(r for r in sent.rows if r["id"] == row_id)
        reply = {"id": row["id"], "title": row["title"]}
        if row.get("description"):
            reply["description"] = row["description"]
        content = {"interactive": {"type": "list_reply", "list_reply": reply}}
        context = {"from": self.server.display_number, "id": sent.wamid}
        return await self.server.inbound(self, "interactive", content, context, signature=signature)

    async def sends_voice(self, data: bytes, mime_type: str = "audio/ogg; codecs=opus", **kw: Any) -> Delivery:
        media = self.server.add_media(data, mime_type, None, uploaded_by=self.key)
        audio = {"mime_type": mime_type, "sha256": media.sha256_b64, "id": media.id, "voice": True}
        return await self.server.inbound(self, "audio", {"audio": audio}, **kw)

    async def sends_audio(self, data: bytes, mime_type: str = "audio/mpeg", **kw: Any) -> Delivery:
        media = self.server.add_media(data, mime_type, None, uploaded_by=self.key)
        audio = {"mime_type": mime_type, "sha256": media.sha256_b64, "id": media.id, "voice": False}
        return await self.server.inbound(self, "audio", {"audio": audio}, **kw)

    async def sends_image(
        self, data: bytes, mime_type: str = "image/jpeg", caption: str | None = None, **kw: Any
    ) -> Delivery:
        media = self.server.add_media(data, mime_type, None, uploaded_by=self.key)
        image = {"mime_type": mime_type, "sha256": media.sha256_b64, "id": media.id}
        if caption:
            image["caption"] = caption
        return await self.server.inbound(self, "image", {"image": image}, **kw)

    async def sends_document(
        self, data: bytes, filename: str, mime_type: str = "application/pdf", caption: str | None = None, **kw: Any
    ) -> Delivery:
        media = self.server.add_media(data, mime_type, filename, uploaded_by=self.key)
        document = {"filename": filename, "mime_type": mime_type, "sha256": media.sha256_b64, "id": media.id}
        if caption:
            document["caption"] = caption
        return await self.server.inbound(self, "document", {"document": document}, **kw)

    async def sends_location(
        self, latitude: float, longitude: float, name: str | None = None, address: str | None = None, **kw: Any
    ) -> Delivery:
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            location["name"] = name
        if address:
            location["address"] = address
        return await self.server.inbound(self, "location", {"location": location}, **kw)

    async def sends_contact(self, formatted_name: str, phone: str, wa_id: str | None = None, **kw: Any) -> Delivery:
        first, _, last = formatted_name.partition(" ")
        name = {"formatted_name": formatted_name, "first_name": first, **({"last_name": last} if last else {})}
        entry: dict[str, Any] = {"phone": phone, "type": "CELL"}
        if wa_id:
            entry["wa_id"] = wa_id
        return await self.server.inbound(self, "contacts", {"contacts": [{"name": name, "phones": [entry]}]}, **kw)

    async def sends(self, type_: str, content: dict[str, Any], **kw: Any) -> Delivery:
        """Any message content, e.g. sends("sticker", {"sticker": {...}}) or sends("unsupported", {...})."""
        return await self.server.inbound(self, type_, content, **kw)

    def wrote_at(self, moment: datetime | None = None) -> None:
        """As if their last message arrived at `moment` (default: now), without posting a webhook."""
        self.server.last_inbound[self.key] = moment or self.server.clock.now()

    # -- what the person got ----------------------------------------------------------------------------------

    def messages(self) -> list[Sent]:
        return self.server.messages_to(self)

    def last(self) -> Sent:
        got = self.messages()
        if not got:
            raise AssertionError(f"the bot sent {self.name} nothing")
        return got[-1]

    def _newest(self, match: Callable[[Sent], bool], what: str) -> Sent:
        for sent in reversed(self.messages()):
            if match(sent):
                return sent
        raise AssertionError(f"{self.name} was never sent a {what}, so they cannot tap it")


@dataclass
class FakeWhatsApp:
    token: str = TOKEN
    app_secret: str = APP_SECRET
    verify_token: str = VERIFY_TOKEN
    phone_id: str = PHONE_ID
    waba_id: str = WABA_ID
    display_number: str = DISPLAY_NUMBER
    clock: Any = field(default_factory=_UtcClock)  # anything with now() -> aware datetime (bot.clock.ManualClock)
    webhook_url: str | None = None  # where user actions and status callbacks are POSTed (the bot's webhook)
    # What a free-form message outside the 24-hour window gets: "refuse" answers 400 with 131047 at once;
    # "status" accepts it and posts a failed status with 131047 afterwards, as the live API mostly does.
    window: str = "refuse"
    include_bsuid: bool = True  # contacts carry "user_id" (business-scoped user ids, sent by Meta since 2026)
    auto_statuses: tuple[str, ...] = ()  # e.g. ("sent", "delivered"): posted after each accepted message
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    window_violations: list[Sent] = field(default_factory=list)  # free-form messages outside the window
    base_url: str = ""

    def __post_init__(self) -> None:
        self.templates: dict[tuple[str, str], limits.Template] = {}
        self.media: dict[str, Media] = {}
        self.last_inbound: dict[str, datetime] = {}  # user key -> time of their last message
        self.inbound_ids: set[str] = set()
        self.read_marks: list[str] = []  # inbound message ids the bot marked as read
        self._users: dict[str, FakeWaUser] = {}  # wa_id and bsuid -> user
        self._undeliverable: set[str] = set()
        self._failures: list[_Failure] = []
        self._random_failure: tuple[float, random.Random, set[str] | None] | None = None
        self._pair_limit: tuple[int, float] | None = None
        self._pair_times: dict[str, deque[float]] = {}
        self._urls: dict[str, tuple[str, datetime]] = {}  # download token -> (media id, issued at)
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    # -- running ----------------------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        version = r"{version:v\d+\.\d+}"
        app.router.add_post(f"/{version}/{{phone_id}}/messages", self._messages)
        app.router.add_post(f"/{version}/{{phone_id}}/media", self._upload)
        app.router.add_get(f"/{version}/{{media_id}}", self._media_url)
        app.router.add_delete(f"/{version}/{{media_id}}", self._media_delete)
        app.router.add_get("/whatsapp_business/attachments/", self._download)

    async def start(self) -> str:
        app = web.Application(client_max_size=120 * 2**20)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = ClientSession(timeout=ClientTimeout(total=15))
        return self.base_url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def settle(self, timeout: float = 10.0) -> None:
        """Waits until the status callbacks the fake posts on its own (auto, window, undeliverable) are done."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tasks:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the fake Cloud API's own webhooks did not finish")
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- the world: users, templates, media -------------------------------------------------------------------

    def user(self, wa_id: str | None, name: str = "Test", bsuid: str | None = None) -> FakeWaUser:
        if bsuid is None:
            seed = wa_id or name
            bsuid = "DE." + str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:18]
        user = FakeWaUser(self, wa_id, name, bsuid)
        if wa_id:
            self._users[wa_id] = user
        self._users[bsuid] = user
        return user

    def template(
        self, name: str, language: str, body: str, category: str = "UTILITY", status: str = "APPROVED"
    ) -> limits.Template:
        """Registers an approved template ("{{1}}" or "{{name}}" placeholders) the bot may send."""
        template = limits.Template(name, language, body, category, status)
        self.templates[(name, language)] = template
        return template

    def undeliverable(self, wa_id: str) -> None:
        """Messages to this number are accepted and then fail with 131026 (e.g. the person left WhatsApp)."""
        self._undeliverable.add(wa_id)

    def add_media(self, data: bytes, mime_type: str, filename: str | None, uploaded_by: str) -> Media:
        media = Media(str(1_000_000_000_000_000 + next(self._ids)), data, mime_type, filename, uploaded_by)
        self.media[media.id] = media
        return media

    def in_window(self, user: FakeWaUser) -> bool:
        last = self.last_inbound.get(user.key)
        return last is not None and self.clock.now() - last <= SERVICE_WINDOW

    # -- inspection -------------------------------------------------------------------------------------------

    def calls_to(self, endpoint: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.endpoint == endpoint and (c.status == 200 or not ok_only)]

    def messages_to(self, user: FakeWaUser) -> list[Sent]:
        return [s for s in self.sent if s.user is user]

    def find(self, wamid: str) -> Sent:
        for sent in self.sent:
            if sent.wamid == wamid:
                return sent
        raise AssertionError(f"the bot never sent a message with id {wamid}")

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = condition()
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the fake Cloud API did not see what the test waited for")
            await asyncio.sleep(0.02)

    async def wait_for_messages(self, user: FakeWaUser, count: int, timeout: float = 10.0) -> list[Sent]:
        return await self.wait_for(lambda: len(self.messages_to(user)) >= count and self.messages_to(user), timeout)

    # -- failures ---------------------------------------------------------------------------------------------

    def fail(
        self,
        endpoint: str | None,
        what: int | str,
        times: int = 1,
        hang_seconds: float = 30.0,
        status: int | None = None,
    ) -> None:
        """The next `times` requests to `endpoint` (None: any but downloads) fail.

        `what`: 500 (code 1, transient), 503 (code 2), 502/504 (a proxy's HTML page, no JSON), "throughput"
        (130429), "pair_rate" (131056), "hang" (no answer for hang_seconds, then 504), "garbage" (200, an HTML body). `status` overrides the
        HTTP status of the coded failures (Meta documents 400 for 130429 and 131056; some proxies say 429).
        """
        self._failures.append(_Failure(endpoint, what, times, hang_seconds, status))

    def fail_randomly(self, share: float, seed: int = 1, endpoints: set[str] | None = None) -> None:
        """About `share` of the requests (to `endpoints`, default messages) fail with a 500."""
        self._random_failure = (share, random.Random(seed), endpoints or {"messages"})

    def pair_rate_limit(self, messages: int, seconds: float) -> None:
        """Refuse (131056) more than `messages` messages to one person within `seconds` (real time)."""
        self._pair_limit = (messages, seconds)

    def stop_failing(self) -> None:
        self._failures.clear()
        self._random_failure = None
        self._pair_limit = None

    async def _maybe_fail(self, endpoint: str) -> None:
        for failure in self._failures:
            if failure.times <= 0:
                continue
            if failure.endpoint != endpoint and not (failure.endpoint is None and endpoint != "media_download"):
                continue
            failure.times -= 1
            what = failure.what
            if what == "hang":
                await asyncio.sleep(failure.hang_seconds)
                raise ApiError(504, status=504, raw_body="<html><body>504 Gateway Time-out</body></html>")
            if what == "throughput":
                raise ApiError(130429, status=failure.status or 400)
            if what == "pair_rate":
                raise ApiError(131056, status=failure.status or 400)
            if what == "garbage":  # a 200 whose body is no Graph API answer (a broken proxy, a captive portal)
                raise ApiError(0, status=200, raw_body="<html><body>OK</body></html>")
            if what in (502, 504):
                raise ApiError(int(what), status=int(what), raw_body=f"<html><body>{what} Bad Gateway</body></html>")
            if what == 503:
                raise ApiError(2, status=503, message="(#2) Service temporarily unavailable", transient=True)
            if isinstance(what, int):
                raise ApiError(1, status=what, message="(#1) An unknown error occurred", transient=True)
            raise ValueError(f"unknown failure {what!r}")
        if self._random_failure is not None:
            share, rng, endpoints = self._random_failure
            if endpoint in endpoints and rng.random() < share:
                raise ApiError(1, status=500, message="(#1) An unknown error occurred", transient=True)

    def _check_pair_rate(self, user: FakeWaUser) -> None:
        if self._pair_limit is None:
            return
        count, seconds = self._pair_limit
        now = time.monotonic()
        times = self._pair_times.setdefault(user.key, deque())
        while times and now - times[0] > seconds:
            times.popleft()
        if len(times) >= count:
            raise ApiError(131056)
        times.append(now)

    # -- webhooks to the bot ----------------------------------------------------------------------------------

    async def post_webhook(self, payload: dict[str, Any], signature: str = "valid") -> Delivery:
        """POSTs a payload to the bot. signature: "valid", "wrong" (another secret), "missing", or a header value."""
        if self.webhook_url is None or self._session is None:
            raise AssertionError("set fake.webhook_url to the bot's webhook (and start the fake) first")
        body = encode(payload)
        header: str | None
        if signature == "valid":
            header = sign(body, self.app_secret)
        elif signature == "wrong":
            header = sign(body, self.app_secret + "-not")
        elif signature == "missing":
            header = None
        else:
            header = signature
        return await self._post(payload, body, header)

    async def redeliver(self, delivery: Delivery) -> Delivery:
        """The same POST again, byte for byte (Meta retries deliveries it thinks failed)."""
        return await self._post(delivery.payload, delivery.body, delivery.signature, delivery.wamid)

    async def _post(
        self, payload: dict[str, Any], body: bytes, header: str | None, wamid: str | None = None
    ) -> Delivery:
        assert self._session is not None and self.webhook_url is not None
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if header is not None:
            headers["X-Hub-Signature-256"] = header
        async with self._session.post(self.webhook_url, data=body, headers=headers) as response:
            text = await response.text()
            delivery = Delivery(payload, body, header, response.status, text, wamid)
        self.deliveries.append(delivery)
        return delivery

    async def verify_webhook(
        self, verify_token: str | None = None, challenge: str = "1158201444", mode: str = "subscribe"
    ) -> tuple[int, str]:
        """Meta's subscription handshake: GET with hub.mode, hub.verify_token and hub.challenge."""
        assert self._session is not None and self.webhook_url is not None
        params = {"hub.mode": mode, "hub.verify_token": verify_token or self.verify_token, "hub.challenge": challenge}
        async with self._session.get(self.webhook_url, params=params) as response:
            return response.status, await response.text()

    def _new_wamid(self, who: str) -> str:
        raw = f"{who}:{next(self._ids)}:{time.monotonic_ns()}".encode()
        return "wamid." + base64.b64encode(hashlib.sha256(raw).digest()[:24]).decode()

    def _timestamp(self) -> str:
        return str(int(self.clock.now().timestamp()))

    def message_payload(
        self,
        user: FakeWaUser,
        type_: str,
        content: dict[str, Any],
        context: dict[str, Any] | None = None,
        wamid: str | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {}
        if context:
            message["context"] = context
        if user.wa_id:
            message["from"] = user.wa_id
        if self.include_bsuid:
            message["from_user_id"] = user.bsuid
        message.update({"id": wamid or self._new_wamid(user.key), "timestamp": self._timestamp(), "type": type_})
        message.update(content)
        value = {"contacts": [user.contact()], "messages": [message]}
        return envelope(self.waba_id, self.phone_id, self.display_number, [value])

    async def inbound(
        self,
        user: FakeWaUser,
        type_: str,
        content: dict[str, Any],
        context: dict[str, Any] | None = None,
        signature: str = "valid",
    ) -> Delivery:
        """The person writes: their window opens (or stays open), and the bot's webhook gets the message."""
        payload = self.message_payload(user, type_, content, context)
        wamid = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        self.last_inbound[user.key] = self.clock.now()
        self.inbound_ids.add(wamid)
        delivery = await self.post_webhook(payload, signature)
        delivery.wamid = wamid
        return delivery

    def status_value(self, sent: Sent, status: str, error_code: int | None = None) -> dict[str, Any]:
        user = sent.user
        item: dict[str, Any] = {"id": sent.wamid, "status": status, "timestamp": self._timestamp()}
        item["recipient_id"] = user.wa_id if user and user.wa_id else sent.to
        if status == "failed":
            item["errors"] = [webhook_error(error_code or 131000)]
        else:
            category = "service"
            if sent.type == "template":
                template = self.templates.get(
                    (sent.payload["template"]["name"], sent.payload["template"]["language"]["code"])
                )
                category = (template.category if template else "utility").lower()
            conversation: dict[str, Any] = {
                "id": hashlib.md5(sent.to.encode()).hexdigest(),
                "origin": {"type": category},
            }
            if status == "sent":
                expires = self.clock.now() + SERVICE_WINDOW
                conversation["expiration_timestamp"] = str(int(expires.timestamp()))
            item["conversation"] = conversation
            item["pricing"] = {"billable": category != "service", "pricing_model": "PMP", "category": category}
        value: dict[str, Any] = {"statuses": [item]}
        if self.include_bsuid:
            # Status contacts carry no profile; an undeliverable one carries only the number (see pywa#227).
            if error_code == 131026 or user is None:
                value["contacts"] = [{"wa_id": item["recipient_id"]}]
            else:
                value["contacts"] = [user.contact(profile=False)]
        return value

    async def status(
        self, wamid: str, status: str, error_code: int | None = None, signature: str = "valid"
    ) -> Delivery:
        """A status callback for a message the bot sent: sent, delivered, read, played or failed (with a code)."""
        sent = self.find(wamid)
        sent.statuses.append(status)
        value = self.status_value(sent, status, error_code)
        return await self.post_webhook(envelope(self.waba_id, self.phone_id, self.display_number, [value]), signature)

    async def statuses_batch(self, items: Iterable[tuple[str, str]], as_entries: bool = False) -> Delivery:
        """Several status callbacks in one POST: in one `statuses` array, or (as_entries) as separate entries."""
        values = []
        for wamid, status in items:
            sent = self.find(wamid)
            sent.statuses.append(status)
            values.append(self.status_value(sent, status))
        if as_entries:
            payloads = [envelope(self.waba_id, self.phone_id, self.display_number, [v]) for v in values]
            return await self.post_webhook(merge(payloads))
        combined = {"statuses": [s for v in values for s in v["statuses"]]}
        contacts = [c for v in values for c in v.get("contacts", [])]
        if contacts:
            combined["contacts"] = contacts
        return await self.post_webhook(envelope(self.waba_id, self.phone_id, self.display_number, [combined]))

    def _later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_statuses(self, sent: Sent, statuses: Iterable[tuple[str, int | None]]) -> None:
        if self.webhook_url is None:
            return
        for status, code in statuses:
            await asyncio.sleep(0.01)
            await self.status(sent.wamid, status, code)

    # -- the HTTP API -----------------------------------------------------------------------------------------

    def _record(self, request: web.Request, endpoint: str, body: Any, status: int, response: Any) -> None:
        self.calls.append(Call(request.method, endpoint, request.path, body, status, response, self.clock.now()))

    def _answer(self, request: web.Request, endpoint: str, body: Any, error: ApiError) -> web.Response:
        if error.raw_body is not None:
            self._record(request, endpoint, body, error.status, error.raw_body)
            return web.Response(status=error.status, text=error.raw_body, content_type="text/html")
        answer = error.body()
        self._record(request, endpoint, body, error.status, answer)
        return web.json_response(answer, status=error.status)

    def _authorize(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise ApiError(
                190,
                "Invalid OAuth access token - Cannot parse access token",
                status=401,
                message="Invalid OAuth access token - Cannot parse access token",
            )

    def _check_phone(self, request: web.Request, verb: str) -> None:
        phone_id = request.match_info["phone_id"]
        if phone_id != self.phone_id:
            raise ApiError(
                100,
                status=400,
                message=f"Unsupported {verb} request. Object with ID '{phone_id}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation.",
            )

    async def _messages(self, request: web.Request) -> web.Response:
        body: Any = None
        endpoint = "messages"
        try:
            self._authorize(request)
            self._check_phone(request, "post")
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise param_error("The request body is not valid JSON.") from exc
            if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
                raise param_error("Param messaging_product must be 'whatsapp'.")
            if "status" in body:
                endpoint = "mark_read"
            await self._maybe_fail(endpoint)
            if endpoint == "mark_read":
                answer = self._mark_read(body)
            else:
                answer = await self._send(body)
        except ApiError as error:
            return self._answer(request, endpoint, body, error)
        self._record(request, endpoint, body, 200, answer)
        return web.json_response(answer)

    def _mark_read(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("status") != "read" or body.get("message_id") not in self.inbound_ids:
            raise param_error("Invalid parameter: message_id is not a message this number received.")
        self.read_marks.append(body["message_id"])
        return {"success": True}

    def _recipient(self, body: dict[str, Any]) -> tuple[str, FakeWaUser | None]:
        if body.get("recipient_type", "individual") != "individual":
            raise param_error("Only recipient_type 'individual' is supported by this fake.")
        named = body.get("to") or body.get("recipient")
        if not isinstance(named, str) or not named.strip():
            raise ApiError(131008, "Param to is required.", message="(#131008) Required parameter is missing")
        if body.get("recipient"):
            return named, self._users.get(named)
        digits = "".join(ch for ch in named if ch.isdigit())
        return named, self._users.get(digits)

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        to, user = self._recipient(body)
        type_ = body.get("type", "text")
        if type_ not in body or not isinstance(body[type_], dict):
            raise param_error(f"Param {type_} is required for messages of type {type_}.")
        content = body[type_]
        buttons: list[dict[str, str]] = []
        rows: list[dict[str, str]] = []
        media: Media | None = None
        filename: str | None = None
        if type_ == "text":
            limits.check_text(content)
            shows = content["body"]
        elif type_ == "interactive":
            kind = content.get("type")
            if kind == "button":
                buttons = limits.check_reply_buttons(content)
            elif kind == "list":
                rows = limits.check_list(content)
            elif kind not in ("cta_url", "location_request_message"):
                raise ApiError(131009, f"Interactive type {kind!r} is not supported by this fake.")
            shows = content["body"]["text"]
        elif type_ == "template":
            shows = limits.check_template(content, self.templates)
        elif type_ in limits.MESSAGE_MEDIA_TYPES:
            media, filename = self._outgoing_media(type_, content)
            shows = content.get("caption") or filename or ""
        elif type_ in ("location", "reaction", "contacts"):
            shows = json.dumps(content, ensure_ascii=False)
        else:
            raise ApiError(
                131051, f"Message type {type_!r} is not supported.", message="(#131051) Unsupported message type"
            )
        sent = Sent(
            self._new_wamid("bot"), user, to, type_, body, self.clock.now(), shows, buttons, rows, media, filename
        )
        deferred: list[tuple[str, int | None]] = []
        if type_ != "template" and (user is None or not self.in_window(user)):
            self.window_violations.append(sent)
            if self.window == "refuse" and user is not None:
                raise ApiError(131047)
            deferred = [("failed", 131047)]
        if user is not None:
            self._check_pair_rate(user)
        if user is None or (user.wa_id or "") in self._undeliverable:
            deferred = [("failed", 131026)]  # not on WhatsApp (any more): accepted, then failed by webhook
        self.sent.append(sent)
        if not deferred:
            deferred = [(status, None) for status in self.auto_statuses]
        if deferred:
            self._later(self._post_statuses(sent, deferred))
        contact = {"input": to}
        if body.get("recipient"):
            contact["user_id"] = to
        else:
            contact["wa_id"] = user.wa_id if user and user.wa_id else "".join(ch for ch in to if ch.isdigit())
        return {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": sent.wamid, "message_status": "accepted"}],
        }

    def _outgoing_media(self, type_: str, content: dict[str, Any]) -> tuple[Media | None, str | None]:
        limits.check_caption(content)
        filename = content.get("filename")
        if "link" in content:
            link = content["link"]
            if not isinstance(link, str) or not link.startswith(("http://", "https://")):
                raise param_error("Param link must be an http(s) URL.")
            return None, filename
        media = self.media.get(str(content.get("id")))
        if media is None:
            raise ApiError(131009, f"Media id {content.get('id')!r} is not valid.")
        allowed = limits.MESSAGE_MEDIA_TYPES[type_]
        if limits.base_type(media.mime_type) not in allowed:
            raise ApiError(
                131053,
                f"Unsupported {type_.capitalize()} mime type {media.mime_type}. "
                f"Please use one of {', '.join(allowed)}.",
            )
        return media, filename or media.filename

    async def _upload(self, request: web.Request) -> web.Response:
        fields: dict[str, Any] = {}
        try:
            self._authorize(request)
            self._check_phone(request, "post")
            form = await request.post()
            upload = form.get("file")
            fields = {k: (v if isinstance(v, str) else f"<file {getattr(v, 'filename', '')}>") for k, v in form.items()}
            await self._maybe_fail("media_upload")
            if form.get("messaging_product") != "whatsapp":
                raise param_error("Param messaging_product must be 'whatsapp'.")
            if upload is None or isinstance(upload, str):
                raise ApiError(131008, "Param file is required.", message="(#131008) Required parameter is missing")
            data = upload.file.read()
            mime_type = str(form.get("type") or upload.content_type or "application/octet-stream")
            limits.check_upload(mime_type, len(data))
            media = self.add_media(data, mime_type, upload.filename, uploaded_by="bot")
        except ApiError as error:
            return self._answer(request, "media_upload", fields, error)
        answer = {"id": media.id}
        self._record(request, "media_upload", fields, 200, answer)
        return web.json_response(answer)

    def _media(self, request: web.Request, verb: str) -> Media:
        media_id = request.match_info["media_id"]
        media = self.media.get(media_id)
        if media is None:
            raise ApiError(
                100,
                status=400,
                message=f"Unsupported {verb} request. Object with ID '{media_id}' does not "
                "exist, cannot be loaded due to missing permissions, or does not support this operation.",
            )
        return media

    async def _media_url(self, request: web.Request) -> web.Response:
        try:
            self._authorize(request)
            await self._maybe_fail("media_url")
            media = self._media(request, "get")
        except ApiError as error:
            return self._answer(request, "media_url", None, error)
        token = hashlib.sha256(f"{media.id}:{next(self._ids)}".encode()).hexdigest()[:32]
        self._urls[token] = (media.id, self.clock.now())
        answer = {
            "messaging_product": "whatsapp",
            "url": f"{self.base_url}/whatsapp_business/attachments/?mid={media.id}&ext={int(time.time())}&hash={token}",
            "mime_type": media.mime_type,
            "sha256": media.sha256_hex,
            "file_size": len(media.data),
            "id": media.id,
        }
        self._record(request, "media_url", None, 200, answer)
        return web.json_response(answer)

    async def _download(self, request: web.Request) -> web.Response:
        try:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise ApiError(190, "Media downloads need the access token.", status=401)
            await self._maybe_fail("media_download")
            issued = self._urls.get(request.query.get("hash", ""))
            if issued is None or issued[0] != request.query.get("mid"):
                raise ApiError(100, "Unknown media URL.", status=404)
            if self.clock.now() - issued[1] > MEDIA_URL_LIFETIME:
                raise ApiError(100, "The media URL has expired (they last 5 minutes); ask for a new one.", status=404)
            media = self.media[issued[0]]
        except ApiError as error:
            return self._answer(request, "media_download", dict(request.query), error)
        self._record(request, "media_download", dict(request.query), 200, f"<{len(media.data)} bytes>")
        return web.Response(body=media.data, content_type=limits.base_type(media.mime_type))

    async def _media_delete(self, request: web.Request) -> web.Response:
        try:
            self._authorize(request)
            await self._maybe_fail("media_delete")
            media = self._media(request, "delete")
        except ApiError as error:
            return self._answer(request, "media_delete", None, error)
        del self.media[media.id]
        self._record(request, "media_delete", None, 200, {"success": True})
        return web.json_response({"success": True})
