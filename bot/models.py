"""What the core exchanges with channels and storage: plain, immutable data."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

LanguageSource = Literal["hint", "detected", "chosen"]


@dataclass(frozen=True)
class Person:
    """Someone who wrote to the bot. Deliberately small: no name, no phone, no free text about them."""

    id: int
    channel: str
    user_id: str  # the channel's own id for the person, as text
    language: str
    language_source: LanguageSource
    office_id: str | None
    created_at: datetime
    last_seen_at: datetime
    staff_mode: bool = False  # the person chose to write to a person: their messages go to staff
    banned: bool = False
    ban_told: bool = False
    news: bool | None = None  # None: not asked yet; only True receives announcements
    consents: frozenset[str] = frozenset()  # purposes the person agreed to (records.Purpose)

    @property
    def consented(self) -> bool:
        """Agreed to store something (for at least one purpose)."""
        return bool(self.consents)


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # opaque to channels; at most 64 bytes (Telegram's callback data limit)


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class StandIn:
    """What goes instead of a message where a channel allows only approved templates at the moment (WhatsApp,
    outside the 24 hours after the person's last message): a purpose named in content/whatsapp_templates.yaml
    and the values for its placeholders (single lines)."""

    purpose: str  # reminder, waiting_list, announcement, team_answered
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Media:
    """A file (or place) someone sent, by the reference of the channel it came from: a channel that cannot copy
    it by reference (another platform) downloads its bytes and uploads them on its side."""

    kind: str  # photo, voice, audio, video, document, sticker, location, contact
    ref: str = ""  # the file's id on its channel ("" for a location or contact)
    mime: str = ""
    filename: str = ""
    caption: str = ""  # the caption; for a location or contact: what it says, as text


@dataclass(frozen=True)
class Reply:
    text: str  # plain text; the channel escapes and formats it
    lang: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False  # the answer to a button press: channels that can edit the menu do so
    attachments: tuple[Attachment, ...] = ()
    stand_in: StandIn | None = None  # what to send instead where only templates may go (see StandIn)


@dataclass(frozen=True)
class Outgoing:
    """A message the bot sends by itself: to a person (their channel and id), or to the staff group."""

    reply: Reply
    channel: str | None = None  # None: the staff group
    user_id: str | None = None
    office_id: str | None = None  # for the staff group: which office's group, if it has its own
    staff_topic: tuple[int, int] | None = None  # (chat, thread): into a person's topic in the staff group
    close_topic: bool = False  # then close that topic (the person's data is gone: no answers possible)


@dataclass(frozen=True)
class MessageRef:
    """A message on a channel, to copy, reply to or edit: its chat and its id there."""

    chat: int
    message: int


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: wrote text, pressed a button, sent a command, or sent something we can't read."""

    channel: str
    user_id: str
    kind: Literal["text", "action", "command", "unsupported"]
    text: str = ""  # the text, the command's argument, or what kind of thing was sent (for "unsupported")
    action: str = ""  # button action or command name
    lang_hint: str | None = None  # the platform's language setting, if it tells
    meta: dict[str, str] = field(default_factory=dict)
    source: MessageRef | None = None  # the message itself, where the channel can copy it (to staff)
    reply_to: int | None = None  # the message it answers, in the same chat
    size: int = 0  # bytes of an attached file, if the channel tells
    media: Media | None = None  # the file itself, for channels whose messages staff cannot copy by reference


@dataclass(frozen=True)
class Actor:
    """A staff member acting in the staff group: their channel id and display name, for the audit log."""

    id: str
    name: str | None = None
