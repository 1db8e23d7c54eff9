"""What staff see and do in their group: the day's agenda, marking attendance, blocking slots, confirming
home visits. Channel-neutral; texts in the staff's language (German by default)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel import Locale

from bot import audit, booking
from bot.booking_flow import interpreter_label, topic_label
from bot.clock import Clock
from bot.content import Content
from bot.i18n import Translator
from bot.models import Actor, Button, Reply
from bot.normalize import is_id, normalize_digits
from bot.ports import Store
from bot.records import AppointmentKind, AppointmentStatus, OutboxKind
from bot.report import Report, build_report, stats_reply

STATUS_MARK = {AppointmentStatus.BOOKED: "⏳", AppointmentStatus.ATTENDED: "✅", AppointmentStatus.MISSED: "❌"}


def parse_day(text: str, today: date) -> date | None:
    """ "heute"/"today", "morgen"/"tomorrow", 2026-11-26, 26.11.2026 or 26.11."""
    value = normalize_digits(text.strip().lower())
    if value in ("", "heute", "today"):
        return today
    if value in ("morgen", "tomorrow"):
        return today + timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})?", value):
        parts = (int(m.group(3) or today.year), int(m.group(2)), int(m.group(1)))
    else:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def parse_time(text: str) -> str | None:
    value = normalize_digits(text.strip())
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


@dataclass
class StaffDesk:
    store: Store
    content: Content
    clock: Clock
    tr: Translator  # the staff's language

    def _today(self) -> date:
        return self.clock.now().astimezone(self.content.timezone).date()

    def _language_name(self, code: str) -> str:
        return Locale.parse(self.tr.lang).languages.get(code) or code

    async def agenda(self, day: date, office_id: str | None = None) -> Reply:
        tr = self.tr
        start, end = booking.day_bounds(self.content, day)
        items = await self.store.appointments_between(office_id, start, end)
        lines = ["📋 " + tr.gettext("Agenda for {day}").format(day=tr.day(day))]
        rows: list[tuple[Button, ...]] = []
        offices = [self.content.offices[office_id]] if office_id else list(self.content.offices.values())
        for office in offices:
            mine = [i for i in items if i.office_id == office.id]
            lines.append("")
            lines.append(f"🏢 {office.name}")
            if not mine:
                lines.append(tr.gettext("No appointments."))
            for item in mine:
                if item.slot is None:
                    continue
                when = item.slot.astimezone(self.content.timezone)
                parts = [
                    f"{STATUS_MARK.get(item.status, '')} {tr.time(when)}",
                    item.first_name or tr.gettext("(no name)"),
                    self._language_name(item.language),
                    topic_label(tr, item.topic or "-"),
                ]
                if item.interpreter:
                    parts.append("🗣 " + interpreter_label(tr, item.interpreter))
                if item.kind == AppointmentKind.HOME_VISIT:
                    parts.append("🏡 " + tr.gettext("Home visit"))
                lines.append(" · ".join(parts) + f"  #{item.id}")
                rows.append(
                    (
                        Button(f"✅ {tr.time(when)} #{item.id}", f"sa:{item.id}:a:{day.isoformat()}"),
                        Button(f"❌ {tr.time(when)} #{item.id}", f"sa:{item.id}:m:{day.isoformat()}"),
                    )
                )
        if rows:
            lines += ["", tr.gettext("✅ came, ❌ did not come: press to mark.")]
        return Reply("\n".join(lines), tr.lang, tuple(rows))

    async def command(self, name: str, args: str, actor: Actor | None = None) -> list[Reply]:
        tr = self.tr
        words = args.split()
        if name == "agenda":
            office_id = next((w for w in words if w in self.content.offices), None)
            rest = [w for w in words if w != office_id]
            day = parse_day(rest[0] if rest else "", self._today())
            if day is None:
                return [Reply(tr.gettext("Please write the date like this: /agenda 26.11.2026"), tr.lang)]
            return [await self.agenda(day, office_id)]
        if name in ("block", "unblock"):
            return [await self._block(name, words, actor)]
        if name == "visit":
            return [await self._visit(words, actor)]
        if name == "audit":
            return [await audit.listing(self.store, tr, self.content.timezone)]
        if name == "stats":
            return [await stats_reply(self.store, self.content, tr, self._today(), args)]
        return []

    async def report(self, month: str, office_id: str | None = None) -> Report:
        """The month's figures for the city (`willkommen report`, /stats)."""
        return await build_report(self.store, self.content, self.tr, month, office_id)

    async def _block(self, name: str, words: list[str], actor: Actor | None = None) -> Reply:
        tr = self.tr
        usage = tr.gettext("Please write: /{command} <office> <date> [time], e.g. /{command} brackel 26.11.2026 10:00")
        if len(words) not in (2, 3) or words[0] not in self.content.offices:
            offices = ", ".join(self.content.offices)
            return Reply(
                usage.format(command=name) + "\n" + tr.gettext("Offices: {offices}").format(offices=offices), tr.lang
            )
        office = self.content.offices[words[0]]
        day = parse_day(words[1], self._today())
        start_time = parse_time(words[2]) if len(words) == 3 else None
        if day is None or (len(words) == 3 and start_time is None):
            return Reply(usage.format(command=name), tr.lang)
        if start_time and not any(
            s.start.strftime("%H:%M") == start_time for s in booking.slots_on(self.content, office, day)
        ):
            return Reply(
                tr.gettext("There is no appointment time {time} at {office} on that day.").format(
                    time=start_time, office=office.name
                ),
                tr.lang,
            )
        what = f"{tr.day(day)} {start_time}" if start_time else tr.day(day)
        if name == "block":
            await self.store.block(office.id, day.isoformat(), start_time, self.clock.now())
            text = tr.gettext("Blocked: {office}, {what}. It is no longer offered for booking.")
        else:
            await self.store.unblock(office.id, day.isoformat(), start_time)
            text = tr.gettext("Unblocked: {office}, {what}. It can be booked again.")
        target = f"{day.isoformat()} {start_time or ''}".strip()
        await audit.record(self.store, self.clock.now(), actor, f"slot_{name}ed", target, office.id)
        return Reply(text.format(office=office.name, what=what), tr.lang)

    async def _visit(self, words: list[str], actor: Actor | None = None) -> Reply:
        tr = self.tr
        usage = tr.gettext("Please write: /visit <number> <date> <time>, e.g. /visit 12 26.11.2026 14:00")
        if len(words) != 3 or not is_id(words[0].lstrip("#")):
            return Reply(usage, tr.lang)
        visit_id = int(words[0].lstrip("#"))
        day, at = parse_day(words[1], self._today()), parse_time(words[2])
        item = await self.store.appointment(visit_id)
        if day is None or at is None:
            return Reply(usage, tr.lang)
        if (
            item is None
            or item.kind != AppointmentKind.HOME_VISIT
            or item.status not in (AppointmentStatus.REQUESTED, AppointmentStatus.BOOKED)
        ):
            return Reply(tr.gettext("There is no open home visit request #{number}.").format(number=visit_id), tr.lang)
        hour, minute = (int(x) for x in at.split(":"))
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.content.timezone)
        now = self.clock.now()
        if start <= now:
            return Reply(tr.gettext("That time is in the past."), tr.lang)
        async with self.store.transaction():
            await self.store.confirm_home_visit(visit_id, start, 60, now)
            await audit.record(self.store, now, actor, "home_visit_set", f"#{visit_id}", item.office_id)
            key = f"home_visit_confirmed:{visit_id}:{start.isoformat()}"
            await self.store.enqueue(key, OutboxKind.HOME_VISIT_CONFIRMED, item.person_id, str(visit_id), now, now)
        text = tr.gettext("Home visit #{number} is set for {day}, {time}. The person is told in their language.")
        return Reply(text.format(number=visit_id, day=tr.day(day), time=tr.time(start)), tr.lang)

    async def press(self, action: str, actor: Actor | None = None) -> list[Reply]:
        parts = action.split(":")
        if len(parts) != 4 or parts[0] != "sa" or not is_id(parts[1]) or parts[2] not in ("a", "m"):
            return []
        day = parse_day(parts[3], self._today())
        if day is None:
            return []
        status = AppointmentStatus.ATTENDED if parts[2] == "a" else AppointmentStatus.MISSED
        if await self.store.set_appointment_status(int(parts[1]), status, self.clock.now()):
            await audit.record(self.store, self.clock.now(), actor, "attendance", f"#{parts[1]} {status}")
        agenda = await self.agenda(day)
        return [Reply(agenda.text, agenda.lang, agenda.buttons, replace=True)]
