"""The channel port: what the core's loops (relay, outbox, announcements) need from a messenger.

A channel adapter (handlers/telegram, ...) implements `PersonChannel` for people who write on it, and the
Telegram adapter also `StaffRoom`: the staff group with one forum topic per person. Adapters only
translate: every decision (which topic, what is sent when, what a failure means for the ticket) is made
by the core, from the outcome the adapter reports as one of the errors below.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.content import Content
from bot.models import Media, MessageRef, Reply


class SendError(Exception):
    """Sending failed; the subclass says what that means."""


class TryLater(SendError):
    """A passing failure (network, 5xx, 429 after the adapter's own retries): keep the message, try again."""


class Unreachable(SendError):
    """The person cannot be reached on this channel any more (they blocked the bot, the chat is gone)."""


class Refused(SendError):
    """The platform refused this very message for good (a bad request): sending it again will not help."""


class TopicGone(Refused):
    """The person's staff topic was deleted, or cannot take messages."""


class PersonChannel(Protocol):
    name: str  # the channel's name in `Person.channel`, e.g. "telegram"

    async def send(self, user_id: str, replies: Sequence[Reply], reply_to: int | None = None) -> int | None:
        """Show the replies as new messages; the id of the last one sent."""
        ...

    async def answer(self, user_id: str, replies: Sequence[Reply], edit_message: int | None = None) -> None:
        """Answer what the person just did; the first reply replaces `edit_message` (the menu they pressed)
        where the channel can edit it, else everything comes as new messages."""
        ...

    async def copy_to(self, user_id: str, source: MessageRef, reply_to: int | None = None) -> int:
        """Copy a staff member's message (any media) to the person; the new message's id."""
        ...

    async def edit_text(self, user_id: str, message_id: int, text: str) -> None: ...


class FileCarrier(Protocol):
    """A channel on another platform than the staff room: its messages cannot be copied by reference, so files
    cross as bytes (a WhatsApp voice note into the Telegram topic, a staff photo to a WhatsApp person).
    The staff room offers the same two methods for its side (`download`, and `post_media` into a topic)."""

    foreign: bool  # True: copy files as bytes, never by reference

    async def download(self, media: Media) -> bytes: ...

    async def send_media(self, user_id: str, media: Media, data: bytes, reply_to: int | None = None) -> int: ...


class Windowed(Protocol):
    """A channel that allows free-form messages only for a while after the person's last message (WhatsApp:
    24 hours), and approved templates at any time. bot/service_window.py decides which goes when."""

    window: timedelta

    async def send_template(self, user_id: str, name: str, language: str, params: Sequence[str]) -> int | None: ...


def is_foreign(channel: object) -> bool:
    return bool(getattr(channel, "foreign", False))


class StaffRoom(Protocol):
    """The staff group: messages in the group or in a person's forum topic."""

    async def post(self, chat: int, replies: Sequence[Reply], thread: int | None = None) -> int | None: ...

    async def edit(self, chat: int, message_id: int, reply: Reply) -> None: ...

    async def copy_into(self, chat: int, thread: int, source: MessageRef, reply_to: int | None = None) -> int: ...

    async def create_topic(self, chat: int, title: str) -> int:
        """A new forum topic; its thread id."""
        ...

    async def reopen_topic(self, chat: int, thread: int) -> None:
        """Open a closed topic (fine if it is open)."""
        ...

    async def rename_topic(self, chat: int, thread: int, title: str) -> None: ...

    async def close_topic(self, chat: int, thread: int) -> None:
        """Close a topic (fine if it is closed)."""
        ...

    # For people on another platform (see FileCarrier): a staff member's file as bytes, and a person's file
    # posted into their topic.
    async def download(self, media: Media) -> bytes: ...

    async def post_media(
        self, chat: int, thread: int, media: Media, data: bytes, reply_to: int | None = None
    ) -> int: ...


@dataclass(frozen=True)
class StaffChats:
    """Which staff group serves which office: an office's own group, else the network's (STAFF_CHAT_ID)."""

    default: int | None
    by_office: dict[str, int]

    @classmethod
    def of(cls, content: Content, default: int | None) -> "StaffChats":
        own = {o.id: o.staff_chat_id for o in content.offices.values() if o.staff_chat_id}
        return cls(default, own)

    def for_office(self, office_id: str | None) -> int | None:
        return self.by_office.get(office_id or "", self.default)

    @property
    def all(self) -> frozenset[int]:
        chats: Iterable[int] = self.by_office.values()
        return frozenset(chats) | ({self.default} if self.default is not None else frozenset())


class NoStaffRoom:
    """Without Telegram there is no staff group: what would go there is refused (and logged by the loops)."""

    async def post(self, chat: int, replies: Sequence[Reply], thread: int | None = None) -> int | None:
        raise Refused("no staff group: staff work in Telegram (TELEGRAM_BOT_TOKEN, STAFF_CHAT_ID)")

    async def edit(self, chat: int, message_id: int, reply: Reply) -> None:
        raise Refused("no staff group")

    async def copy_into(self, chat: int, thread: int, source: MessageRef, reply_to: int | None = None) -> int:
        raise Refused("no staff group")

    async def create_topic(self, chat: int, title: str) -> int:
        raise Refused("no staff group")

    async def reopen_topic(self, chat: int, thread: int) -> None:
        raise Refused("no staff group")

    async def rename_topic(self, chat: int, thread: int, title: str) -> None:
        raise Refused("no staff group")

    async def close_topic(self, chat: int, thread: int) -> None:
        raise Refused("no staff group")

    async def download(self, media: Media) -> bytes:
        raise Refused("no staff group")

    async def post_media(self, chat: int, thread: int, media: Media, data: bytes, reply_to: int | None = None) -> int:
        raise Refused("no staff group")
