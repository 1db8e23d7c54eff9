"""The channel port (bot/messenger.py) on the WhatsApp Cloud API with pywa: sending, paced under the Cloud
API's limits, and its errors said in the core's words.

- Throughput (130429) and the pair rate limit (131056, too many messages to one person in a short time): wait
  and try again, a few times, then TryLater (the stored message is sent on a later round).
- 5xx, Graph API codes 1/2, network errors and timeouts: the same.
- 131026 (not on WhatsApp any more, undeliverable): Unreachable; the core marks the person inactive.
- 131047 (the 24-hour window is closed): WindowClosed; the core's window guard sends a template instead.
- Anything else (a parameter the API refuses): Refused.

pywa's errors are frozen dataclasses; on Python 3.11 one that leaves an @asynccontextmanager block becomes a
TypeError (CPython gh-90055), so they are caught right where pywa is called and turned into ours.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from pywa import errors as wa_errors
from pywa import utils as wa_utils
from pywa_async import WhatsApp
from pywa_async.types import Button as WaButton
from pywa_async.types import Section, SectionList, SectionRow
from pywa_async.types.templates import BodyText, TemplateLanguage

from bot.i18n import Translator
from bot.message_ids import MessageIds
from bot.messenger import Refused, TryLater, Unreachable
from bot.models import Attachment, Media, MessageRef, Reply
from bot.service_window import WindowClosed
from handlers.whatsapp import render

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
T = TypeVar("T")


def make_client(phone_id: str, token: str, api_base: str, app_secret: str, verify_token: str) -> WhatsApp:
    """pywa's async client; pywa sets the session's base URL to graph.facebook.com in its constructor, so
    WHATSAPP_API_BASE (a test server) is set on our own session afterwards."""
    session = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
    client = WhatsApp(
        phone_id=phone_id,
        token=token,
        session=session,
        verify_token=verify_token,
        app_secret=app_secret,
        skip_duplicate_updates=False,  # duplicates are the inbox's business (claimed in the database)
    )
    session.base_url = f"{api_base.rstrip('/')}/v{wa_utils.Version.GRAPH_API.value}"
    return client


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, httpx.HTTPError):
        return True
    if isinstance(exc, wa_errors.ThrottlingError):
        return True
    if isinstance(exc, wa_errors.WhatsAppError):
        return (exc.status_code or 0) >= 500 or exc.code in (1, 2, 131000, 131016) or bool(exc.is_transient)
    return False


def translate(exc: Exception) -> Exception:
    """A pywa or httpx error in the core's words."""
    if isinstance(exc, wa_errors.ReEngagementMessage):
        return WindowClosed("131047: the 24-hour window is closed")
    if isinstance(exc, wa_errors.MessageUndeliverable):
        return Unreachable("131026: undeliverable")
    if _retryable(exc):
        return TryLater(type(exc).__name__)
    if isinstance(exc, wa_errors.ExpiredAccessToken):
        log.error("WHATSAPP_TOKEN was refused (expired or wrong): messages wait until it is replaced")
        return TryLater("access token refused")
    if isinstance(exc, wa_errors.WhatsAppError):
        return Refused(f"{exc.code}: {exc.message}")
    return Refused(type(exc).__name__)


@dataclass
class Pace:
    """At most `rate` requests a second overall (the Cloud API's per-number throughput is 80/s by default),
    and a short pause between messages to the same person."""

    rate: float = 20.0
    per_person: float = 0.2
    _next: float = 0.0
    _people: dict[str, float] = field(default_factory=dict)

    async def wait(self, user_id: str) -> None:
        now = time.monotonic()
        at = max(now, self._next, self._people.get(user_id, 0.0))
        self._next = at + 1.0 / self.rate
        self._people[user_id] = at + self.per_person
        if len(self._people) > 10_000:
            self._people = {k: v for k, v in self._people.items() if v > now}
        if at > now:
            await asyncio.sleep(at - now)


@dataclass
class WhatsAppMessenger:
    """People on WhatsApp. Staff stay in the Telegram group: files cross as bytes (`foreign`)."""

    client: WhatsApp
    ids: MessageIds
    translators: dict[str, Translator]
    name: str = CHANNEL
    window: timedelta = WINDOW
    foreign: bool = True
    pace: Pace = field(default_factory=Pace)
    attempts: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    pages: render.Pages = field(default_factory=render.Pages)

    # -- calling pywa ------------------------------------------------------------------------------------------

    async def _call(self, user_id: str, call: Callable[[], Awaitable[T]]) -> T:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            await self.pace.wait(user_id)
            try:
                return await call()
            except (wa_errors.WhatsAppError, httpx.HTTPError) as exc:
                error = exc
            if not _retryable(error) or attempt == self.attempts:
                raise translate(error) from None
            if isinstance(error, wa_errors.TooManyMessages):
                wait = max(delay, 2.0 * self.backoff)  # the pair limit: give this person's chat a breath
            else:
                wait = delay
            log.info("whatsapp: %s, retry %d in %.1fs", type(error).__name__, attempt, wait)
            await asyncio.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    async def _sent(self, user_id: str, wamid: str) -> int:
        """The number our core knows this message by."""
        return await self.ids.number(wamid, "out", user_id)

    async def _quote(self, reply_to: int | None) -> str | None:
        return await self.ids.external(reply_to) if reply_to else None

    def _words(self, lang: str) -> tuple[str, str]:
        tr = self.translators.get(lang) or next(iter(self.translators.values()))
        return tr.gettext("Choose"), tr.gettext("More")

    async def _one(self, user_id: str, message: render.Message, quote: str | None = None) -> str:
        client = self.client
        if isinstance(message, render.Text):
            body = message.body
            sent: Any = await self._call(
                user_id, lambda: client.send_message(to=user_id, text=body, reply_to_message_id=quote)
            )
        elif isinstance(message, render.ReplyButtons):
            buttons = [WaButton(title, id_) for id_, title in message.buttons]
            text = message.body
            sent = await self._call(
                user_id, lambda: client.send_message(to=user_id, text=text, buttons=buttons, reply_to_message_id=quote)
            )
        elif isinstance(message, render.ListMessage):
            rows = [SectionRow(r.title, r.id, r.description or None) for r in message.rows]
            section_list = SectionList(button_title=message.label, sections=[Section(None, rows)])  # type: ignore[arg-type]
            text = message.body
            sent = await self._call(
                user_id,
                lambda: client.send_message(to=user_id, text=text, buttons=section_list, reply_to_message_id=quote),
            )
        else:
            document = message
            sent = await self._call(
                user_id,
                lambda: client.send_document(
                    to=user_id, document=document.data, filename=document.filename, mime_type=document.mime
                ),
            )
        return str(sent.id)

    # -- PersonChannel ----------------------------------------------------------------------------------------

    async def send(self, user_id: str, replies: Sequence[Reply], reply_to: int | None = None) -> int | None:
        quote = await self._quote(reply_to)
        last: int | None = None
        for reply in replies:
            label, more = self._words(reply.lang)
            for message in render.render(reply, self.pages, label, more):
                last = await self._sent(user_id, await self._one(user_id, message, quote))
                quote = None
        return last

    async def answer(self, user_id: str, replies: Sequence[Reply], edit_message: int | None = None) -> None:
        """WhatsApp cannot edit a message: the answer comes as new messages."""
        await self.send(user_id, replies)

    async def more(self, user_id: str, token: str, lang: str) -> bool:
        """The next page of a long list (its "more" row was chosen); False when the page is forgotten."""
        page = self.pages.take(token)
        if page is None:
            return False
        rest, label, more = page
        message = render.list_page(render.ARROW, rest, label, more, self.pages)
        await self._sent(user_id, await self._one(user_id, message))
        return True

    async def copy_to(self, user_id: str, source: MessageRef, reply_to: int | None = None) -> int:
        # The relay never copies into WhatsApp by reference (foreign = True: text and files cross as bytes).
        raise Refused("WhatsApp cannot copy a message by reference")

    async def edit_text(self, user_id: str, message_id: int, text: str) -> None:
        """WhatsApp cannot edit a business message: the corrected text goes as a reply to the old one."""
        quote = await self._quote(message_id)
        sent = await self._call(
            user_id, lambda: self.client.send_message(to=user_id, text="✏️ " + text, reply_to_message_id=quote)
        )
        await self._sent(user_id, str(sent.id))

    # -- files across platforms (bot.messenger.FileCarrier) ----------------------------------------------------

    async def download(self, media: Media) -> bytes:
        async def fetch() -> bytes:
            url = await self.client.get_media_url(media.ref)
            return await self.client.get_media_bytes(url.url)

        return await self._call("", fetch)

    async def send_media(self, user_id: str, media: Media, data: bytes, reply_to: int | None = None) -> int:
        quote = await self._quote(reply_to)
        client, mime = self.client, media.mime.split(";")[0].strip().lower()
        caption = media.caption[:1024] or None
        if media.kind == "photo" and mime in ("image/jpeg", "image/png"):
            call: Callable[[], Awaitable[Any]] = lambda: client.send_image(  # noqa: E731
                to=user_id, image=data, caption=caption, mime_type=mime, reply_to_message_id=quote
            )
        elif media.kind in ("voice", "audio") and mime in ("audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac"):
            call = lambda: client.send_audio(  # noqa: E731
                to=user_id, audio=data, mime_type=mime, reply_to_message_id=quote
            )
        elif media.kind == "video" and mime in ("video/mp4", "video/3gpp"):
            call = lambda: client.send_video(  # noqa: E731
                to=user_id, video=data, caption=caption, mime_type=mime, reply_to_message_id=quote
            )
        else:
            document = render.as_document(Attachment(media.filename or "file", data, mime))
            call = lambda: client.send_document(  # noqa: E731
                to=user_id,
                document=document.data,
                filename=document.filename,
                mime_type=document.mime,
                caption=caption,
                reply_to_message_id=quote,
            )
        sent = await self._call(user_id, call)
        return await self._sent(user_id, str(sent.id))

    # -- outside the window (bot.messenger.Windowed) ------------------------------------------------------------

    async def send_template(self, user_id: str, name: str, language: str, params: Sequence[str]) -> int | None:
        values = [BodyText.params(*params)] if params else None  # type: ignore[arg-type]
        try:
            code = TemplateLanguage(language)
        except ValueError:
            raise Refused(f"{language!r} is not a WhatsApp template language") from None
        sent = await self._call(
            user_id, lambda: self.client.send_template(to=user_id, name=name, language=code, params=values)
        )
        return await self._sent(user_id, str(sent.id))
