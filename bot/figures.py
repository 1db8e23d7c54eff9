"""The figures: what is counted, per month, office and language.

`count` turns raw rows (for everyone, or for one person) into (month, office, language, metric, value)
rows. Every metric is a sum of each person's part, so a person's rows can be kept in `figure_counts` when
their data is deleted, and a month's figures stay the same: figures = count(live rows) + figure_counts.
The time to a first staff answer is kept as one metric per minute value (`first_answer_min:37`), so its
median survives that summing too.

A month is the offices' local calendar month. A person counts once per month, with the office and language
of their last day of activity in that month (or their current ones if they only had an appointment).
"""

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

FigureRow = tuple[str, str, str, str, int]  # month 'YYYY-MM', office id or '', language or '', metric, value

PEOPLE = "people"
CHATS = "chats"  # days on which a person wrote to the bot
TICKETS = "tickets"
TICKETS_CLOSED = "tickets_closed"
ATTENDED = "appointments_attended"
BOOKED = "appointments_booked"
MISSED = "appointments_missed"
HOME_VISITS = "home_visits"
UNRESOLVED = "unresolved"
RATING_UP = "rating_up"
RATING_DOWN = "rating_down"
RATING_NONE = "rating_none"
TOPIC = "faq:"  # FAQ answers given, per id
FIRST_ANSWER = "first_answer_min:"

SMALL = 5  # counts from 1 to SMALL-1 are shown as "<5": no person can be singled out


def _month(timestamp: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(timestamp).astimezone(tz).strftime("%Y-%m")


def count(sources: dict[str, list[dict]], tz: ZoneInfo) -> list[FigureRow]:
    """All figures the rows hold; `sources` as `Store.figure_sources` returns them."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    current = {p["id"]: (p["office_id"] or "", p["language"] or "") for p in sources["people"]}
    of_month: dict[tuple[int, str], tuple[str, str]] = {}
    active: set[tuple[int, str]] = set()

    for row in sources["activity"]:  # ordered by day: the last one of a month wins
        month = row["day"][:7]
        of_month[(row["person_id"], month)] = (row["office_id"], row["language"])
        counts[(month, row["office_id"], row["language"], CHATS)] += 1
        active.add((row["person_id"], month))

    def person_in(person_id: int | None, month: str) -> tuple[str, str]:
        if person_id is None:
            return "", ""
        return of_month.get((person_id, month)) or current.get(person_id, ("", ""))

    for row in sources["appointments"]:
        month = _month(row["slot"], tz)
        language = person_in(row["person_id"], month)[1]
        where = (month, row["office_id"], language)
        if row["status"] in ("booked", "attended", "missed"):
            counts[(*where, BOOKED)] += 1
        if row["status"] == "attended":
            counts[(*where, HOME_VISITS if row["kind"] == "home_visit" else ATTENDED)] += 1
            active.add((row["person_id"], month))
        elif row["status"] == "missed":
            counts[(*where, MISSED)] += 1

    for row in sources["tickets"]:
        month = _month(row["opened_at"], tz)
        where = (month, row["office_id"] or "", row["language"])
        counts[(*where, TICKETS)] += 1
        active.add((row["person_id"], month))
        if row["first_answer_at"]:
            waited = datetime.fromisoformat(row["first_answer_at"]) - datetime.fromisoformat(row["opened_at"])
            counts[(*where, f"{FIRST_ANSWER}{max(0, int(waited.total_seconds() // 60))}")] += 1
        if row["closed_at"]:
            closed = (_month(row["closed_at"], tz), row["office_id"] or "", row["language"])
            counts[(*closed, TICKETS_CLOSED)] += 1
            rating = {"up": RATING_UP, "down": RATING_DOWN}.get(row["rating"] or "", RATING_NONE)
            counts[(*closed, rating)] += 1

    for row in sources["answers"]:
        month = _month(row["created_at"], tz)
        counts[(month, *person_in(row["person_id"], month), TOPIC + row["faq_id"])] += 1

    for row in sources["unresolved"]:
        month = _month(row["created_at"], tz)
        counts[(month, row["office_id"] or "", row["language"] or "", UNRESOLVED)] += 1

    for person_id, month in active:
        counts[(month, *person_in(person_id, month), PEOPLE)] += 1
    return sorted((*key, value) for key, value in counts.items() if value)


def add_up(*parts: Iterable[FigureRow]) -> list[FigureRow]:
    """Live rows plus kept rows, summed per (month, office, language, metric)."""
    total: Counter[tuple[str, str, str, str]] = Counter()
    for rows in parts:
        for month, office, language, metric, value in rows:
            total[(month, office, language, metric)] += value
    return sorted((*key, value) for key, value in total.items() if value)


@dataclass
class MonthFigures:
    month: str
    office_id: str | None
    totals: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)  # people per language
    offices: Counter[str] = field(default_factory=Counter)  # people per office ('' = none chosen)
    topics: Counter[str] = field(default_factory=Counter)  # FAQ answers given per id
    answer_minutes: Counter[int] = field(default_factory=Counter)

    @property
    def contacts(self) -> int:
        return self.totals[CHATS] + self.totals[TICKETS] + self.totals[ATTENDED] + self.totals[HOME_VISITS]

    @property
    def answered_tickets(self) -> int:
        return sum(self.answer_minutes.values())

    @property
    def median_answer_minutes(self) -> float | None:
        """None when fewer than SMALL tickets were answered: a median of one or two is one person's."""
        if self.answered_tickets < SMALL:
            return None
        return statistics.median(m for m, n in sorted(self.answer_minutes.items()) for _ in range(n))


def month_figures(rows: Iterable[FigureRow], month: str, office_id: str | None = None) -> MonthFigures:
    figures = MonthFigures(month, office_id)
    for row_month, office, language, metric, value in rows:
        if row_month != month or (office_id is not None and office != office_id):
            continue
        if metric.startswith(TOPIC):
            figures.topics[metric.removeprefix(TOPIC)] += value
        elif metric.startswith(FIRST_ANSWER):
            figures.answer_minutes[int(metric.removeprefix(FIRST_ANSWER))] += value
        else:
            figures.totals[metric] += value
            if metric == PEOPLE:
                figures.languages[language] += value
                figures.offices[office] += value
    return figures


def shown(value: int) -> str:
    """A count as it may be shown: 1 to 4 become "<5"."""
    return f"<{SMALL}" if 0 < value < SMALL else str(value)


def parse_month(text: str) -> str | None:
    """ "2026-10", "10.2026" or "10/2026" -> "2026-10"."""
    value = text.strip().replace("/", ".")
    for year_first in (True, False):
        parts = value.split("-" if year_first else ".")
        if len(parts) != 2 or not all(re.fullmatch(r"[0-9]{1,4}", p) for p in parts):
            continue
        year, month = (int(parts[0]), int(parts[1])) if year_first else (int(parts[1]), int(parts[0]))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    return None


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)
