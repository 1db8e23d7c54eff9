"""Messages the bot sends by itself, rendered when they are due (so they speak the person's language of
that moment, and a reminder for a cancelled appointment is not sent at all)."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import bidi, booking
from bot.actions import APPOINTMENT, BOOK
from bot.booking_flow import interpreter_label, topic_label
from bot.clock import Clock
from bot.content import Content
from bot.digest import Digest
from bot.events import Events
from bot.i18n import Translator
from bot.models import Button, Outgoing, Reply, StandIn
from bot.ports import Store
from bot.privacy import PrivacyDesk
from bot.records import AppointmentStatus, OutboxItem, OutboxKind
from bot.screens import menu_row
from bot.staff import StaffDesk


@dataclass
class Notices:
    store: Store
    content: Content
    clock: Clock
    translators: dict[str, Translator]
    staff: StaffDesk
    events: Events
    agenda_time: tuple[int, int] = (7, 30)
    privacy: PrivacyDesk | None = None
    digest: Digest | None = None

    async def schedule_agendas(self) -> None:
        """Queue each day's morning agenda for the staff group (once per day, however often this runs)."""
        now = self.clock.now()
        today = now.astimezone(self.content.timezone).date()
        for day in (today, today + timedelta(days=1)):
            due = datetime(day.year, day.month, day.day, *self.agenda_time, tzinfo=self.content.timezone)
            if day == today and now - due > timedelta(hours=6):
                continue  # started late in the day: today's agenda is on demand (/agenda) only
            await self.store.enqueue(f"agenda:{day.isoformat()}", OutboxKind.AGENDA, None, day.isoformat(), due, now)
        if self.digest is not None:
            await self.digest.schedule()

    async def render(self, row: OutboxItem) -> list[Outgoing]:
        kind, ref = row.kind, row.ref or ""
        if kind == OutboxKind.AGENDA:
            return [Outgoing(await self.staff.agenda(date.fromisoformat(ref)))]
        if kind == OutboxKind.DIGEST and self.digest is not None:
            digest = await self.digest.render(date.fromisoformat(ref))
            return [Outgoing(digest)] if digest else []
        if kind in (OutboxKind.STAFF_BOOKED, OutboxKind.STAFF_CANCELLED, OutboxKind.HOME_VISIT_REQUEST):
            return await self._staff_notice(kind, int(ref))
        if kind == OutboxKind.STAFF_URGENT:
            return await self._urgent(int(ref))
        if kind == OutboxKind.ERASED and self.privacy is not None:
            return self._erased(json.loads(ref))
        person = await self.store.person_by_id(row.person_id) if row.person_id else None
        if person is None:
            return []
        tr = self.translators[person.language]
        reply: Reply | None = None
        if kind == OutboxKind.REMINDER:
            reply = await self._reminder(int(ref), tr)
        elif kind == OutboxKind.SLOT_FREE:
            reply = self._slot_free(ref, tr)
        elif kind == OutboxKind.HOME_VISIT_CONFIRMED:
            reply = await self._visit_confirmed(int(ref), tr)
        elif kind in (OutboxKind.EVENT_REMINDER, OutboxKind.EVENT_CANCELLED):
            event = await self.store.event(int(ref))
            reply = self.events.render_reminder(event, tr, cancelled=kind == OutboxKind.EVENT_CANCELLED)
        if reply is None:
            return []
        return [
            Outgoing(
                Reply(bidi.for_language(reply.text, reply.lang), reply.lang, reply.buttons, stand_in=reply.stand_in),
                person.channel,
                person.user_id,
            )
        ]

    async def _reminder(self, appointment_id: int, tr: Translator) -> Reply | None:
        item = await self.store.appointment(appointment_id)
        if item is None or item.status != AppointmentStatus.BOOKED or item.slot is None:
            return None  # cancelled (or deleted): no reminder
        start = item.slot.astimezone(self.content.timezone)
        if start <= self.clock.now():
            return None
        office = self.content.offices.get(item.office_id)
        if office is None:
            return None
        lines = [
            "⏰ " + tr.gettext("Reminder: you have an appointment."),
            f"🏢 {office.name}",
            "📍 " + office.address.one_line(),
            "📅 " + tr.day(start.date()) + ", " + tr.time(start),
            tr.gettext(
                "Please bring: your ID or residence permit, and the letters or papers you have questions about."
            ),
        ]
        rows = (
            (
                Button("✅ " + tr.gettext("I will come"), f"{APPOINTMENT}:ok:{appointment_id}"),
                Button("❌ " + tr.gettext("Cancel appointment"), f"{APPOINTMENT}:x:{appointment_id}"),
            ),
            *menu_row(tr),
        )
        # Where only templates may go (WhatsApp after 24 hours): the facts, in the approved reminder template.
        stand_in = StandIn("reminder", (tr.day(start.date()), tr.time(start), office.name))
        return Reply("\n".join(lines), tr.lang, rows, stand_in=stand_in)

    def _slot_free(self, ref: str, tr: Translator) -> Reply | None:
        office_id, _, day_key = ref.partition(":")
        office = self.content.offices.get(office_id)
        day = booking.parse_day_key(day_key)
        if office is None or day is None:
            return None
        text = "🔔 " + tr.gettext(
            "A time became free at {office} on {day}. Be quick: the first to book gets it."
        ).format(office=office.name, day=tr.day(day))
        rows = (
            (Button("📅 " + tr.gettext("Show free times"), f"{BOOK}:t:n:{office.id}:{day_key}.new"),),
            *menu_row(tr),
        )
        return Reply(text, tr.lang, rows, stand_in=StandIn("waiting_list", (office.name, tr.day(day))))

    async def _visit_confirmed(self, visit_id: int, tr: Translator) -> Reply | None:
        item = await self.store.appointment(visit_id)
        if item is None or item.status != AppointmentStatus.BOOKED or item.slot is None:
            return None
        start = item.slot.astimezone(self.content.timezone)
        text = "🏡 " + tr.gettext("Your home visit: {day}, {time}. Someone from the team will come to you.").format(
            day=tr.day(start.date()), time=tr.time(start)
        )
        return Reply(text, tr.lang, menu_row(tr))

    def _erased(self, ref: dict) -> list[Outgoing]:
        assert self.privacy is not None
        reply = Reply(self.privacy.staff_notice(ref), self.staff.tr.lang)
        topic = tuple(ref["topic"]) if ref.get("topic") else None
        return [Outgoing(reply, office_id=ref.get("office"), staff_topic=topic, close_topic=topic is not None)]

    async def _urgent(self, ticket_id: int) -> list[Outgoing]:
        ticket = await self.store.ticket(ticket_id)
        if ticket is None:
            return []
        tr = self.staff.tr
        office = self.content.offices.get(ticket.office_id or "")
        text = "🆘 " + tr.gettext(
            "Urgent: a possible emergency in ticket #{number} ({language}, {office}). The person got 112/110. Please look now."
        ).format(number=ticket_id, language=ticket.language, office=office.name if office else "–")
        return [Outgoing(Reply(text, tr.lang), office_id=ticket.office_id)]

    async def _staff_notice(self, kind: OutboxKind, appointment_id: int) -> list[Outgoing]:
        item = await self.store.appointment(appointment_id)
        if item is None:
            return []
        tr = self.staff.tr
        office = self.content.offices.get(item.office_id)
        name = item.first_name or tr.gettext("(no name)")
        language = self.staff._language_name(item.language)
        where = office.name if office else item.office_id
        if kind == OutboxKind.HOME_VISIT_REQUEST or item.slot is None:
            text = "🏡 " + tr.gettext(
                "Home visit requested #{number}: {name} ({language}), {office}. Set a time: /visit {number} <date> <time>"
            ).format(number=appointment_id, name=name, language=language, office=where)
            return [Outgoing(Reply(text, tr.lang))]
        start = item.slot.astimezone(self.content.timezone)
        details = f"{tr.time(start)} · {name} · {language} · {topic_label(tr, item.topic or '-')}"
        if item.interpreter:
            details += " · 🗣 " + interpreter_label(tr, item.interpreter)
        if kind == OutboxKind.STAFF_BOOKED:
            text = "🆕 " + tr.gettext("New appointment today at {office}: {details}")
        else:
            text = "🚫 " + tr.gettext("Cancelled for today at {office}: {details}")
        return [Outgoing(Reply(text.format(office=where, details=details), tr.lang))]
