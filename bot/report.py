"""The monthly report: a summary table, a CSV and charts, with the month before for comparison.

Aggregates only: no names, ids or message texts, and every count from 1 to 4 is shown as "<5".
"""

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_date

from bot import figures as f
from bot.content import Content
from bot.figures import parse_month
from bot.i18n import Translator
from bot.models import Attachment, Reply

TOP_TOPICS = 10


@dataclass(frozen=True)
class Line:
    section: str  # machine-readable: total, language, office, topic
    key: str
    label: str
    current: str
    previous: str


@dataclass
class Report:
    current: f.MonthFigures
    previous: f.MonthFigures
    content: Content
    tr: Translator

    def month_name(self, month: str) -> str:
        return format_date(f.month_start(month), "LLLL yyyy", locale=self.tr.lang)

    @property
    def scope(self) -> str:
        office = self.content.offices.get(self.current.office_id or "")
        return office.name if office else self.tr.gettext("all offices")

    def language_name(self, code: str) -> str:
        if not code:
            return self.tr.gettext("unknown")
        return Locale.parse(self.tr.lang).languages.get(code) or code

    def office_name(self, office_id: str) -> str:
        office = self.content.offices.get(office_id)
        return office.name if office else self.tr.gettext("no office chosen")

    def _minutes(self, value: float | None) -> str:
        if value is None:
            return "–"
        minutes = round(value)
        if minutes < 60:
            return self.tr.gettext("{minutes} min").format(minutes=minutes)
        return self.tr.gettext("{hours} h {minutes} min").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")

    def lines(self) -> list[Line]:
        tr, now, before = self.tr, self.current, self.previous
        totals = [
            (f.PEOPLE, tr.gettext("Distinct people")),
            ("contacts", tr.gettext("Contacts in total")),
            (f.CHATS, "  " + tr.gettext("chats (days a person wrote to the bot)")),
            (f.TICKETS, "  " + tr.gettext("questions to the team (tickets)")),
            (f.ATTENDED, "  " + tr.gettext("appointments attended")),
            (f.HOME_VISITS, "  " + tr.gettext("home visits")),
            (f.BOOKED, tr.gettext("Appointments booked")),
            (f.MISSED, tr.gettext("Missed appointments")),
            (f.UNRESOLVED, tr.gettext("Questions the bot could not answer")),
            (f.TICKETS_CLOSED, tr.gettext("Tickets closed")),
            (f.RATING_UP, "  " + tr.gettext("rated 👍")),
            (f.RATING_DOWN, "  " + tr.gettext("rated 👎")),
            (f.RATING_NONE, "  " + tr.gettext("not rated")),
        ]

        def value(figures: f.MonthFigures, key: str) -> int:
            return figures.contacts if key == "contacts" else figures.totals[key]

        result = [
            Line("total", key, label, f.shown(value(now, key)), f.shown(value(before, key))) for key, label in totals
        ]
        result.insert(
            6,
            Line(
                "total",
                "median_first_answer",
                tr.gettext("Median time to the first staff answer"),
                self._minutes(now.median_answer_minutes),
                self._minutes(before.median_answer_minutes),
            ),
        )
        for section, label_of, now_counts, before_counts in (
            ("language", self.language_name, now.languages, before.languages),
            ("office", self.office_name, now.offices, before.offices),
        ):
            for key in _ranked(now_counts, before_counts):
                result.append(Line(section, key, label_of(key), f.shown(now_counts[key]), f.shown(before_counts[key])))
        for key in _ranked(now.topics, before.topics)[:TOP_TOPICS]:
            result.append(Line("topic", key, key, f.shown(now.topics[key]), f.shown(before.topics[key])))
        return result

    def headings(self) -> dict[str, str]:
        tr = self.tr
        return {
            "language": tr.gettext("People by language"),
            "office": tr.gettext("People by office"),
            "topic": tr.gettext("Most asked topics (answers the bot gave)"),
        }

    def title(self) -> str:
        return self.tr.gettext("Figures for {month} ({scope})").format(
            month=self.month_name(self.current.month), scope=self.scope
        )

    def table(self) -> str:
        """For a terminal: aligned columns, this month and the month before."""
        lines = self.lines()
        head = (self.month_name(self.current.month), self.month_name(self.previous.month))
        width = max(len(line.label) for line in lines) + 2
        out = [self.title(), "", f"{'':<{width}}{head[0]:>16}{head[1]:>16}"]
        section = "total"
        for line in lines:
            if line.section != section:
                section = line.section
                out += ["", self.headings()[section]]
            label = line.label if section == "total" else "  " + line.label
            out.append(f"{label:<{width}}{line.current:>16}{line.previous:>16}")
        out += ["", self.footnote()]
        return "\n".join(out)

    def chat_text(self) -> str:
        """For a chat (no fixed-width font): one line per figure, the month before in brackets."""
        before = self.month_name(self.previous.month)
        out = ["📊 " + self.title(), self.tr.gettext("(in brackets: {month})").format(month=before), ""]
        section = "total"
        for line in self.lines():
            if line.section != section:
                section = line.section
                out += ["", self.headings()[section]]
            label = "  · " + line.label.strip() if line.label.startswith(" ") or section != "total" else line.label
            out.append(f"{label}: {line.current} ({line.previous})")
        out += ["", self.footnote()]
        return "\n".join(out)

    def footnote(self) -> str:
        return self.tr.gettext(
            "Counts from 1 to 4 are shown as <5. Contacts: days a person wrote to the bot, tickets, appointments"
            " attended and home visits. A person counts once a month, with the office and language of their last"
            " contact in that month."
        )

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["section", "item", "label", self.current.month, self.previous.month])
        for line in self.lines():
            writer.writerow([line.section, line.key, line.label.strip(), line.current, line.previous])
        return buffer.getvalue().encode("utf-8-sig")  # with a BOM: spreadsheet programs then read the umlauts

    def files(self) -> list[Attachment]:
        from bot.charts import render_charts  # matplotlib loads slowly: only when charts are wanted

        stem = f"lokal-willkommen-{self.current.month}" + (
            f"-{self.current.office_id}" if self.current.office_id else ""
        )
        return [Attachment(f"{stem}.csv", self.csv_bytes(), "text/csv"), *render_charts(self, stem)]


def _ranked(now: dict[str, int], before: dict[str, int]) -> list[str]:
    keys = set(now) | set(before)
    return sorted(keys, key=lambda k: (-now.get(k, 0), -before.get(k, 0), k))


async def build_report(store, content: Content, tr: Translator, month: str, office_id: str | None = None) -> Report:
    rows = f.add_up(await store.live_figures(), await store.archived_figures())
    return Report(
        f.month_figures(rows, month, office_id),
        f.month_figures(rows, f.previous_month(month), office_id),
        content,
        tr,
    )


def default_month(today: date, complete: bool) -> str:
    """This month, or (complete) the last month that has ended."""
    month = f"{today.year:04d}-{today.month:02d}"
    return f.previous_month(month) if complete else month


async def stats_reply(store, content: Content, tr: Translator, today: date, args: str) -> Reply:
    """/stats [month] [office] in the staff group: the summary as text, the CSV and the charts as files."""
    words = args.split()
    office_id = next((w for w in words if w in content.offices), None)
    rest = [w for w in words if w != office_id]
    month = parse_month(rest[0]) if rest else default_month(today, complete=False)
    if month is None or len(rest) > 1:
        usage = tr.gettext("Please write: /stats [month] [office], e.g. /stats 2026-10 or /stats 10.2026 brackel")
        return Reply(usage, tr.lang)
    report = await build_report(store, content, tr, month, office_id)
    files = await asyncio.to_thread(report.files)  # drawing takes a moment: not on the event loop
    return Reply(report.chat_text(), tr.lang, attachments=tuple(files))
