"""The WhatsApp webhook: Meta's calls turned into the core's events.

Our own aiohttp route, not pywa's FastAPI/Flask integration: it runs in the process and event loop of the
other channels (aiogram is on aiohttp already), reads every message of a batched delivery (pywa reads only
the first item of a payload), and answers Meta only after the message was handled, so a crash means a
redelivery, which the inbox claim (a number per message id, in the database) makes harmless.

- GET: the subscription handshake (hub.mode=subscribe, hub.verify_token, hub.challenge).
- POST: `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body with the app secret (checked by pywa);
  wrong or missing: 401 and nothing is handled. Bodies over 1 MB are refused (Meta's payloads are small: media
  come as ids).
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pywa import errors as wa_errors
from pywa import utils as wa_utils

from bot.models import Incoming, Media, MessageRef

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
FILE_KINDS = {"image": "photo", "video": "video", "document": "document", "sticker": "sticker"}


@dataclass(frozen=True)
class Inbound:
    """One message of a webhook delivery, with the sender's contact."""

    message: dict[str, Any]
    contact: dict[str, Any]

    @property
    def wamid(self) -> str:
        return str(self.message["id"])

    @property
    def user_id(self) -> str:
        """The person's id on our side: their WhatsApp number, or (hidden behind a username) their BSUID."""
        return str(self.message.get("from") or self.message.get("from_user_id") or self.contact.get("user_id") or "")

    def as_json(self) -> str:
        return json.dumps({"message": self.message, "contact": self.contact}, ensure_ascii=False)

    @classmethod
    def from_json(cls, payload: str) -> "Inbound":
        data = json.loads(payload)
        return cls(data["message"], data["contact"])


@dataclass(frozen=True)
class Status:
    wamid: str
    status: str  # sent, delivered, read, played, failed
    error: wa_errors.WhatsAppError | None


def split(payload: dict[str, Any]) -> tuple[list[Inbound], list[Status]]:
    """Every message and status of a delivery (Meta may batch several entries, changes and items)."""
    inbound: list[Inbound] = []
    statuses: list[Status] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            value = change.get("value") or {}
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                contact = next(
                    (
                        c
                        for c in contacts
                        if (message.get("from") and c.get("wa_id") == message.get("from"))
                        or (message.get("from_user_id") and c.get("user_id") == message.get("from_user_id"))
                    ),
                    contacts[0] if len(contacts) == 1 else {},
                )
                if message.get("id"):
                    inbound.append(Inbound(message, contact))
            for status in value.get("statuses") or []:
                errors = status.get("errors") or value.get("errors") or []
                error = wa_errors.WhatsAppError.from_dict(errors[0]) if errors else None
                if status.get("id") and status.get("status"):
                    statuses.append(Status(str(status["id"]), str(status["status"]), error))
    return inbound, statuses


def _location_text(location: dict[str, Any]) -> str:
    lat, lon = location.get("latitude"), location.get("longitude")
    parts = ["📍", str(location.get("name") or ""), str(location.get("address") or "")]
    parts.append(f"https://maps.google.com/?q={lat},{lon}")
    return " ".join(p for p in parts if p)


def _contact_text(contacts: list[dict[str, Any]]) -> str:
    lines = []
    for contact in contacts:
        name = (contact.get("name") or {}).get("formatted_name") or ""
        phones = ", ".join(str(p.get("phone")) for p in contact.get("phones") or [] if p.get("phone"))
        lines.append(f"👤 {name} {phones}".strip())
    return "\n".join(lines) or "👤"


def incoming(inbound: Inbound, channel: str, number: int, reply_to: int | None) -> Incoming:
    """A WhatsApp message as the core's event. `number`: the message's number (its MessageRef), `reply_to`:
    the number of the message it quotes."""
    message = inbound.message
    user_id = inbound.user_id
    chat = int(user_id) if user_id.isdigit() else 0
    name = str((inbound.contact.get("profile") or {}).get("name") or "")
    meta = {"first_name": name.split()[0]} if name.split() else {}
    kind = message.get("type")
    base: dict[str, Any] = {"channel": channel, "user_id": user_id, "meta": meta, "reply_to": reply_to}
    source = MessageRef(chat, number)
    if kind == "text":
        text = str((message.get("text") or {}).get("body") or "")
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            command, _, arg = text[1:].partition(" ")
            return Incoming(kind="command", action=command.lower(), text=arg, source=source, **base)
        return Incoming(kind="text", text=text, source=None, **base)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return Incoming(kind="action", action=str(reply.get("id") or ""), **base)
    if kind == "button":  # a template's quick-reply button
        button = message.get("button") or {}
        return Incoming(kind="action", action=str(button.get("payload") or button.get("text") or ""), **base)
    media: Media | None = None
    if kind in FILE_KINDS or kind == "audio":
        content = message.get(kind) or {}
        label = FILE_KINDS.get(kind) or ("voice" if content.get("voice") else "audio")
        media = Media(
            label,
            str(content.get("id") or ""),
            str(content.get("mime_type") or ""),
            str(content.get("filename") or ""),
            str(content.get("caption") or ""),
        )
    elif kind == "location":
        media = Media("location", caption=_location_text(message.get("location") or {}))
    elif kind == "contacts":
        media = Media("contact", caption=_contact_text(message.get("contacts") or []))
    return Incoming(kind="unsupported", text=str(kind), source=source, media=media, **base)


Handler = Callable[[list[Inbound], list[Status]], Awaitable[None]]


def routes(app: web.Application, path: str, client: Any, handle: Handler) -> None:
    """GET (handshake) and POST (messages and statuses) on `path`. `client`: pywa's WhatsApp."""

    async def handshake(request: web.Request) -> web.Response:
        if request.query.get("hub.mode") != "subscribe":
            return web.Response(status=403, text="Forbidden")
        text, status = await client.webhook_challenge_handler(
            vt=request.query.get(wa_utils.HUB_VT), ch=request.query.get(wa_utils.HUB_CH)
        )
        return web.Response(status=status, text=text or "")

    async def post(request: web.Request) -> web.Response:
        body = await request.read()  # the raw bytes: the signature covers exactly these
        if await client.webhook_update_validator(body, request.headers.get(wa_utils.HUB_SIG)):
            log.warning("whatsapp webhook: a POST with a wrong or missing signature was refused")
            return web.Response(status=401, text="Unauthorized")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="Bad Request")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="Bad Request")
        inbound, statuses = split(payload)
        await handle(inbound, statuses)
        return web.Response(text="ok")

    app.router.add_get(path, handshake)
    app.router.add_post(path, post)
