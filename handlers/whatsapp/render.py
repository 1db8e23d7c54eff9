"""The core's replies as WhatsApp messages, within the Cloud API's documented limits.

The core decides what to show (text, buttons, files); here it is fitted to what WhatsApp can show:
- up to 3 buttons whose labels fit 20 characters (and differ): reply buttons;
- more, or longer labels: a list message, at most 10 rows, titles cut to 24 characters (the whole label,
  up to 72, goes into the row's description); more than 10 choices are paged: 9 rows and a "more" row;
- text over 4096 characters is split; an interactive body holds at most 1024, so a longer text goes first
  as plain text and the buttons follow under a short arrow;
- files go as documents; the Cloud API refuses text/calendar, so an .ics file goes as text/plain with its
  .ics name (calendar apps open it by the name).
"""

from dataclasses import dataclass, field

from bot.models import Attachment, Button, Reply

TEXT_MAX = 4096
BODY_MAX = 1024
REPLY_BUTTONS_MAX = 3
REPLY_TITLE_MAX = 20
LIST_ROWS_MAX = 10
LIST_TITLE_MAX = 24
LIST_DESCRIPTION_MAX = 72
LIST_LABEL_MAX = 20
ID_MAX = 200
MORE_PREFIX = "wa.more:"  # a list's "more" row: the channel shows the next page, the core never sees it
ARROW = "⬇️"
UPLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "image/jpeg",
        "image/png",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/aac",
        "audio/amr",
        "video/mp4",
        "video/3gpp",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)


@dataclass(frozen=True)
class Text:
    body: str


@dataclass(frozen=True)
class ReplyButtons:
    body: str
    buttons: tuple[tuple[str, str], ...]  # (id, title)


@dataclass(frozen=True)
class ListRow:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class ListMessage:
    body: str
    label: str  # the button that opens the list
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str
    mime: str


Message = Text | ReplyButtons | ListMessage | Document


@dataclass
class Pages:
    """Choices that did not fit one list, by the token of their "more" row (kept in memory: after a restart
    an old "more" row shows the menu instead)."""

    limit: int = 2000
    _pages: dict[str, tuple[tuple[Button, ...], str, str]] = field(default_factory=dict)
    _next: int = 0

    def keep(self, rest: tuple[Button, ...], label: str, more: str) -> str:
        self._next += 1
        token = str(self._next)
        if len(self._pages) >= self.limit:
            self._pages.pop(next(iter(self._pages)))
        self._pages[token] = (rest, label, more)
        return token

    def take(self, token: str) -> tuple[tuple[Button, ...], str, str] | None:
        return self._pages.get(token)


def cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Chunks of at most `limit` characters, cut at line ends where possible."""
    text = text.strip()
    chunks: list[str] = []
    while len(text) > limit:
        at = text.rfind("\n", 0, limit)
        if at < limit // 2:
            at = text.rfind(" ", 0, limit)
        if at < limit // 2:
            at = limit
        chunks.append(text[:at].rstrip())
        text = text[at:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def _unique(buttons: list[Button]) -> list[Button]:
    seen: set[str] = set()
    kept = []
    for button in buttons:
        if button.action not in seen and 0 < len(button.action) <= ID_MAX:
            seen.add(button.action)
            kept.append(button)
    return kept


def list_page(body: str, buttons: tuple[Button, ...], label: str, more: str, pages: Pages) -> ListMessage:
    """One list message: up to 10 rows, or 9 and a "more" row that pages on."""
    shown, rest = buttons, tuple[Button, ...]()
    if len(buttons) > LIST_ROWS_MAX:
        shown, rest = buttons[: LIST_ROWS_MAX - 1], buttons[LIST_ROWS_MAX - 1 :]
    rows = [
        ListRow(
            b.action,
            cut(b.label, LIST_TITLE_MAX),
            cut(b.label, LIST_DESCRIPTION_MAX) if len(" ".join(b.label.split())) > LIST_TITLE_MAX else "",
        )
        for b in shown
    ]
    if rest:
        rows.append(ListRow(MORE_PREFIX + pages.keep(rest, label, more), cut("➡️ " + more, LIST_TITLE_MAX)))
    return ListMessage(body, cut(label, LIST_LABEL_MAX), tuple(rows))


def as_document(attachment: Attachment) -> Document:
    mime = attachment.mime.split(";")[0].strip().lower()
    if mime not in UPLOAD_TYPES:
        mime = "text/plain"  # text/calendar, JSON, CSV: refused by the Cloud API, shown as text files
    return Document(attachment.data, attachment.filename, mime)


def render(reply: Reply, pages: Pages, label: str, more: str) -> list[Message]:
    """One reply as WhatsApp messages. `label`: the list button's word, `more`: the paging row's (both in the
    reply's language)."""
    buttons = _unique([b for row in reply.buttons for b in row])
    chunks = split_text(reply.text) or ([ARROW] if buttons else [])
    messages: list[Message] = []
    if buttons:
        body = chunks.pop() if len(chunks[-1]) <= BODY_MAX else ARROW
        messages.extend(Text(c) for c in chunks)
        titles = [" ".join(b.label.split()) for b in buttons]
        fits = all(0 < len(t) <= REPLY_TITLE_MAX for t in titles) and len(set(titles)) == len(titles)
        if len(buttons) <= REPLY_BUTTONS_MAX and fits:
            messages.append(ReplyButtons(body, tuple((b.action, t) for b, t in zip(buttons, titles, strict=True))))
        else:
            messages.append(list_page(body, tuple(buttons), label, more, pages))
    else:
        messages.extend(Text(c) for c in chunks)
    messages.extend(as_document(a) for a in reply.attachments)
    return messages
