"""How an event reads to a person: its facts with "(to be confirmed)" where they come from no source, and
whether it is already over. Pure functions over `EventView`, made from a stored event by `event_view`.

An event seeded from `content/events.yaml` carries that file's `unconfirmed:` facts. A marker stays on a fact
only while the stored value is still the one from the file: when staff change it with /event, the new value
is theirs and no longer marked.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.content import Content, EventSeed
from bot.facts import marked
from bot.i18n import Translator
from bot.records import Event, EventStatus

WHOLE = "*"  # in `EventView.unconfirmed`: the whole event is not confirmed (a sample event)
_WHEN = ("year", "start")  # facts that make the date and time doubtful


@dataclass(frozen=True)
class EventView:
    id: int
    starts_at: datetime  # local time of the network
    ends_at: datetime
    place: str
    address: str
    texts: Mapping[str, tuple[str, str]]  # lang -> (title, description); German always there
    office_id: str | None = None
    registration: str | None = None
    capacity: int | None = None
    cancelled: bool = False
    unconfirmed: frozenset[str] = field(default_factory=frozenset)  # facts of EVENT_FACTS, or WHOLE

    def text(self, lang: str) -> tuple[str, str, bool]:
        """Title and description in `lang`, else German; True when it fell back to German."""
        if lang in self.texts:
            return self.texts[lang][0], self.texts[lang][1], False
        return self.texts["de"][0], self.texts["de"][1], True

    def is_unconfirmed(self, *facts: str) -> bool:
        return any(f in self.unconfirmed for f in facts)

    @property
    def wholly_unconfirmed(self) -> bool:
        return WHOLE in self.unconfirmed


def seed_unconfirmed(event: Event, seed: EventSeed | None) -> frozenset[str]:
    """The seed's unconfirmed facts that the stored event still has unchanged."""
    if seed is None or not seed.unconfirmed:
        return frozenset()
    same_start = event.starts_at == seed.starts_at
    if seed.wholly_unconfirmed:
        return frozenset({WHOLE}) if same_start and event.place == seed.place else frozenset()
    still = {
        "year": same_start,
        "start": same_start,
        "end": event.ends_at == seed.ends_at,
        "place": event.place == seed.place,
        "address": event.address == seed.address,
        "registration": event.registration == seed.registration,
        "capacity": event.capacity == seed.capacity,
        "description": tuple(event.texts.get("de", ("", ""))) == (seed.texts["de"].title, seed.texts["de"].description),
    }
    return frozenset(fact for fact in seed.unconfirmed if still.get(fact, False))  # type: ignore[union-attr]


def event_view(event: Event, content: Content) -> EventView:
    """A stored event as people see it."""
    seeds = {s.seed_key: s for s in content.event_seeds}
    return EventView(
        id=event.id,
        starts_at=event.starts_at.astimezone(content.timezone),
        ends_at=event.ends_at.astimezone(content.timezone),
        place=event.place,
        address=event.address,
        texts=dict(event.texts),
        office_id=event.office_id,
        registration=event.registration,
        capacity=event.capacity,
        cancelled=event.status == EventStatus.CANCELLED,
        unconfirmed=seed_unconfirmed(event, seeds.get(event.seed_key or "")),
    )


def is_over(event: EventView, now: datetime) -> bool:
    """The event has ended before `now`."""
    return event.ends_at <= now


def title(event: EventView, tr: Translator) -> tuple[str, bool]:
    """The title in the reader's language, marked when the whole event is not confirmed; True: in German."""
    text, _description, fallback = event.text(tr.lang)
    return marked(text, tr, event.wholly_unconfirmed), fallback


def when(event: EventView, tr: Translator) -> str:
    """ "Tuesday, 6 July, 19:00–21:00". An unconfirmed end is left out; an unconfirmed year marks the day (its
    weekday depends on it), an unconfirmed start marks the day and time."""
    day = marked(tr.day(event.starts_at.date()), tr, event.is_unconfirmed("year") and not event.is_unconfirmed("start"))
    times = tr.time(event.starts_at)
    if not event.is_unconfirmed("end"):
        times += "–" + tr.time(event.ends_at)
    return marked(f"{day}, {times}", tr, event.is_unconfirmed("start"))


def where(event: EventView, tr: Translator) -> str:
    return marked(f"{event.place}, {event.address}", tr, event.is_unconfirmed("place", "address"))


def listing_label(event: EventView, tr: Translator, with_marker: bool = True) -> tuple[str, bool]:
    """ "6. Juli 19:00 · Infoabend lokal willkommen (noch nicht bestätigt)" for the list; True: in German.

    `with_marker=False` for a button's short label: the list's line above it carries the marker."""
    text, _description, fallback = event.text(tr.lang)
    start = event.starts_at
    label = f"{tr.date_short(start.date())} {tr.time(start)} · {text}"
    doubtful = event.wholly_unconfirmed or event.is_unconfirmed(*_WHEN)
    return marked(label, tr, doubtful and with_marker), fallback


def calendar_title(event: EventView, tr: Translator) -> str:
    """The title for the calendar file: marked when the file's date, time or place may be wrong."""
    text, _description, _ = event.text(tr.lang)
    doubtful = event.wholly_unconfirmed or event.is_unconfirmed(*_WHEN, "end", "place", "address")
    return marked(text, tr, doubtful)


def details_lines(event: EventView, tr: Translator, now: datetime) -> list[str]:
    """Everything about the event, in the reader's language; first says so when it is over."""
    text, fallback = title(event, tr)
    _title, description, _ = event.text(tr.lang)
    lines = [f"🎉 {text}"]
    if is_over(event, now):
        lines.append("⌛ " + tr.gettext("This event is over."))
    if fallback:
        lines.append(tr.gettext("This event is only described in German so far."))
    lines += [
        marked(description, tr, event.is_unconfirmed("description")),
        "📅 " + when(event, tr),
        "📍 " + where(event, tr),
    ]
    if event.registration:
        how = marked(event.registration, tr, event.is_unconfirmed("registration"))
        lines.append("📝 " + tr.gettext("Registration: {how}").format(how=how))
    if event.capacity:
        number = marked(str(event.capacity), tr, event.is_unconfirmed("capacity"))
        lines.append("👥 " + tr.gettext("Places: {number}").format(number=number))
    return lines


def reminder_text(event: EventView, tr: Translator) -> str:
    text, _ = title(event, tr)
    start = event.starts_at
    day = marked(tr.day(start.date()), tr, event.is_unconfirmed(*_WHEN))
    return tr.gettext("Reminder: {title}, {day} at {time}, {place}.").format(
        title=text, day=day, time=tr.time(start), place=where(event, tr)
    )
