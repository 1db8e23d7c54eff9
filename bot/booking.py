"""Bookable slots: from each office's consultation hours, minus public holidays, closures, blocked slots,
the minimum lead time and full slots; within the booking horizon. Times are the office's local time."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot import hours
from bot.content import Content, Office

MAX_FUTURE_APPOINTMENTS = 2  # per person, drop-in appointments not yet past
TOPICS = ("letters", "housing", "work", "health", "school", "german", "other")
INTERPRETER_LANGUAGES = ("ar", "fa", "ti", "ku", "ps", "ru", "uk", "tr", "so")


@dataclass(frozen=True)
class Slot:
    office_id: str
    start: datetime  # aware, in the office's time zone
    minutes: int

    @property
    def key(self) -> str:
        """Compact and stable, for buttons: local start as YYYYMMDDHHMM."""
        return self.start.strftime("%Y%m%d%H%M")

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def day_key(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_day_key(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


def parse_slot_key(content: Content, value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%d%H%M").replace(tzinfo=content.timezone)
    except ValueError:
        return None


def slots_on(content: Content, office: Office, day: date) -> list[Slot]:
    """Every slot of a day by the consultation hours (holidays and closures have none)."""
    if hours.closed_reason(content, office, day) is not None:
        return []
    step = timedelta(minutes=office.appointments.slot_minutes)
    result = []
    for rng in office.consultation_ranges_on(day.weekday()):
        start = datetime.combine(day, rng.start, content.timezone)
        end = datetime.combine(day, rng.end, content.timezone)
        while start + step <= end:
            result.append(Slot(office.id, start, office.appointments.slot_minutes))
            start += step
    return result


def window(content: Content, office: Office, now: datetime) -> tuple[date, date]:
    today = now.astimezone(content.timezone).date()
    return today, today + timedelta(days=office.appointments.horizon_days)


def is_blocked(slot: Slot, blocks: set[tuple[str, str | None]]) -> bool:
    day = slot.start.date().isoformat()
    return (day, None) in blocks or (day, slot.start.strftime("%H:%M")) in blocks


def in_reach(content: Content, office: Office, slot: Slot, now: datetime) -> bool:
    """Not too soon (lead time) and not too far (horizon)."""
    first, last = window(content, office, now)
    earliest = now + timedelta(minutes=office.appointments.lead_minutes)
    return slot.start >= earliest and first <= slot.start.date() <= last


def find_slot(content: Content, office: Office, start: datetime) -> Slot | None:
    """The slot of the consultation hours that starts at `start`, if there is one."""
    local = start.astimezone(content.timezone)
    return next((s for s in slots_on(content, office, local.date()) if s.start == local), None)


def free_slots(
    content: Content,
    office: Office,
    day: date,
    now: datetime,
    counts: dict[datetime, int],
    blocks: set[tuple[str, str | None]],
) -> list[Slot]:
    capacity = office.appointments.capacity
    return [
        slot
        for slot in slots_on(content, office, day)
        if in_reach(content, office, slot, now)
        and not is_blocked(slot, blocks)
        and counts.get(slot.start, 0) < capacity
    ]


def days_in_reach(content: Content, office: Office, now: datetime) -> list[date]:
    first, last = window(content, office, now)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def local_time_text(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def day_bounds(content: Content, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), content.timezone)
    return start, start + timedelta(days=1)
