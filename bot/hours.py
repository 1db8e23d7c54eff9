"""Whether an office is open at a moment, until when, and when it opens next.

All in the content's time zone (Europe/Berlin), honouring public holidays and the office's closures.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.content import Closure, Content, Office, TimeRange

_LOOKAHEAD_DAYS = 62  # longer closures than two months are not an opening time worth announcing


@dataclass(frozen=True)
class DayClosed:
    holiday: str | None = None  # name of the public holiday
    closure: Closure | None = None


@dataclass(frozen=True)
class OpeningStatus:
    is_open: bool
    closes_at: datetime | None  # when open: end of the current range (local time)
    next_opening: datetime | None  # when closed: start of the next range (local time), None if none soon
    today_closed: DayClosed | None  # why the office is shut all day today, if it is


def closed_reason(content: Content, office: Office, day: date, lang: str = "de") -> DayClosed | None:
    for closure in office.closures:
        if closure.start <= day <= closure.end:
            return DayClosed(closure=closure)
    name = content.holiday_name(day, lang)
    if name is not None:
        return DayClosed(holiday=name)
    return None


def ranges_on(content: Content, office: Office, day: date) -> list[TimeRange]:
    if closed_reason(content, office, day) is not None:
        return []
    return office.ranges_on(day.weekday())


def status(content: Content, office: Office, now: datetime, lang: str = "de") -> OpeningStatus:
    local = now.astimezone(content.timezone)
    today = local.date()
    today_closed = closed_reason(content, office, today, lang)
    for offset in range(_LOOKAHEAD_DAYS):
        day = today + timedelta(days=offset)
        for rng in ranges_on(content, office, day):
            start = datetime.combine(day, rng.start, content.timezone)
            end = datetime.combine(day, rng.end, content.timezone)
            if offset == 0 and start <= local < end:
                return OpeningStatus(True, end, None, None)
            if start > local:
                return OpeningStatus(False, None, start, today_closed)
    return OpeningStatus(False, None, None, today_closed)
