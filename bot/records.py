"""What the store gives the core: typed records with timezone-aware datetimes (UTC as stored; convert to the
office's zone for display), and the names of states, kinds and directions.

The values of the enums are what the database holds: they are part of the schema (see the CHECK
constraints in storage/migrations) and must not change without a migration.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.models import Button, Media


class Purpose(StrEnum):
    """What a person agreed to have stored, asked at the moment it is needed (bot/consent.py)."""

    APPOINTMENTS = "appointments"  # book an appointment, ask for a home visit, wait for a free time
    TEAM = "team"  # write to a person of the team
    NEWS = "news"  # get announcements
    REMINDERS = "reminders"  # an event reminder


class AppointmentKind(StrEnum):
    DROP_IN = "drop_in"
    HOME_VISIT = "home_visit"


class AppointmentStatus(StrEnum):
    REQUESTED = "requested"  # a home visit asked for, without a time yet
    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    MISSED = "missed"


# The statuses that hold a place in a slot.
TAKING_A_PLACE = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.MISSED)


class TicketState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


class Direction(StrEnum):
    IN = "in"  # from the person (or the bot about them) into their staff topic
    OUT = "out"  # from staff (or the bot on their behalf) to the person


class RelayKind(StrEnum):
    COPY = "copy"  # copy the source message as it is (any media)
    TEXT = "text"  # a text the bot wrote (card, notes, rating question), with buttons
    EDIT = "edit"  # staff edited a message that was copied to the person: mirror the new text
    CLOSE = "close"  # close the person's staff topic, after everything before it was sent


class SendState(StrEnum):
    """Where a stored message stands: outbox rows, relay rows and announcement deliveries."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a run; a run that died leaves it, and the next one takes it over
    SENT = "sent"
    SKIPPED = "skipped"  # nothing to send any more (cancelled appointment, not deliverable here)
    FAILED = "failed"
    BLOCKED = "blocked"  # the person blocked the bot


class OutboxKind(StrEnum):
    # to a person
    REMINDER = "reminder"
    SLOT_FREE = "slot_free"
    HOME_VISIT_CONFIRMED = "home_visit_confirmed"
    EVENT_REMINDER = "event_reminder"
    EVENT_CANCELLED = "event_cancelled"
    # to the staff group
    AGENDA = "agenda"
    DIGEST = "digest"
    STAFF_BOOKED = "staff_booked"
    STAFF_CANCELLED = "staff_cancelled"
    HOME_VISIT_REQUEST = "home_visit_request"
    STAFF_URGENT = "staff_urgent"
    ERASED = "erased"


class EventStatus(StrEnum):
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class AnnouncementStatus(StrEnum):
    SENDING = "sending"
    STOPPED = "stopped"
    DONE = "done"


class DraftKind(StrEnum):
    EVENT = "event"
    ANNOUNCE = "announce"


@dataclass(frozen=True)
class Appointment:
    id: int
    person_id: int
    office_id: str
    kind: AppointmentKind
    slot: datetime | None  # None: a home visit asked for, without a time yet
    minutes: int | None
    topic: str | None
    interpreter: str | None
    first_name: str | None
    status: AppointmentStatus
    created_at: datetime
    changed_at: datetime
    language: str = ""  # the person's language, when read for staff (agenda, notices)


@dataclass(frozen=True)
class Ticket:
    id: int
    person_id: int
    office_id: str | None
    language: str
    state: TicketState
    urgent: bool
    opened_at: datetime
    first_answer_at: datetime | None
    closed_at: datetime | None
    rating: Rating | None
    subject: str | None
    note: str | None


@dataclass(frozen=True)
class RelayMessage:
    """One message between a person and staff, stored before it is sent."""

    id: int
    ticket_id: int
    direction: Direction
    kind: RelayKind
    state: SendState
    source_chat: int | None  # where the message to copy (or edited) is: the channel's chat and message id
    source_message: int | None
    reply_to: int | None  # the message it answers, on the source side
    text: str | None
    buttons: tuple[tuple[Button, ...], ...]
    attempts: int
    target_chat: int | None  # where it arrived: set once sent
    target_message: int | None
    created_at: datetime
    sent_at: datetime | None
    media: Media | None = None  # the file, when the other side cannot copy it by reference (another platform)


@dataclass(frozen=True)
class StoredReply:
    """A reply to what someone did, stored with the update's completion and sent until delivered."""

    id: int
    channel: str  # a person channel's name, or "staff" (the staff group)
    chat: str
    thread: int | None
    edit_message: int | None
    body: str  # the reply as JSON (bot/replies.py)
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class ReplyDraft:
    """A reply to be stored: where it goes and its body (JSON)."""

    channel: str
    chat: str
    thread: int | None
    edit_message: int | None
    body: str


@dataclass(frozen=True)
class OutboxItem:
    """A message the bot sends by itself when it is due (reminders, notices, the agenda)."""

    id: int
    key: str  # unique: the same message is never queued twice
    kind: OutboxKind
    person_id: int | None  # None: for the staff group
    ref: str | None  # what it is about (an appointment id, a day, ...), read by the renderer
    due_at: datetime
    state: SendState
    attempts: int
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Event:
    id: int
    seed_key: str | None
    office_id: str | None  # None: for everyone
    starts_at: datetime
    ends_at: datetime
    place: str
    address: str
    registration: str | None
    capacity: int | None
    status: EventStatus
    texts: Mapping[str, tuple[str, str]]  # language -> (title, description); German always present
    created_at: datetime
    changed_at: datetime


@dataclass(frozen=True)
class NewEvent:
    """An event as staff (or the content's seeds) write it, before the store gives it an id."""

    starts_at: datetime
    ends_at: datetime
    place: str
    address: str
    texts: Mapping[str, tuple[str, str]]
    office_id: str | None = None
    registration: str | None = None
    capacity: int | None = None
    seed_key: str | None = None


@dataclass(frozen=True)
class Announcement:
    id: int
    audience: str  # "all", "office:<id>" or "language:<code>"
    status: AnnouncementStatus
    total: int
    texts: Mapping[str, str]
    counts: Mapping[SendState, int]
    progress_chat: int | None
    progress_message: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Draft:
    """A staff member's guided flow in progress (/event, /announce)."""

    kind: DraftKind
    data: dict[str, Any]


@dataclass(frozen=True)
class Question:
    """A question the bot could not answer (or one staff wrote for /learn: then without an id)."""

    text: str
    language: str
    id: int | None = None
    office_id: str | None = None
    reason: str = ""
    created_at: datetime | None = None
    learned_faq: str | None = None
    chosen_faq: str | None = None  # the topic the person chose among "did you mean" choices


@dataclass(frozen=True)
class LearnedExample:
    id: int
    faq_id: str
    text: str
    language: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: str
    actor_name: str | None
    action: str
    target: str | None
    office_id: str | None


@dataclass(frozen=True)
class Erasure:
    """What an erasure left for staff to know: the person's topic, cancelled appointments, open tickets."""

    topic: tuple[int, int] | None
    cancelled: tuple[Appointment, ...] = ()
    open_tickets: tuple[int, ...] = ()
