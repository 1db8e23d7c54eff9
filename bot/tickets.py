"""Questions passed to a person: tickets, what the person is told, and what becomes of each relayed message.

Every message between a person and staff goes through the relay table: stored here (in the same
transaction as the ticket it belongs to), then sent by the relay loop (bot/relay.py), which reports back
here what happened. The staff side of a ticket is bot/ticket_staff.py.
"""

import asyncio
from dataclasses import dataclass, field

from babel import Locale

from bot import actions, answers, bidi, hours
from bot.clock import Clock
from bot.content import Content
from bot.i18n import Translator
from bot.models import Button, Media, MessageRef, Person, Reply
from bot.normalize import is_id
from bot.ports import Store
from bot.records import Direction, OutboxKind, Rating, RelayKind, RelayMessage, SendState, Ticket
from bot.screens import menu_row

TOPIC_TITLE_LIMIT = 128
FILE_LIMIT = 50 * 1024 * 1024  # bigger files cannot be passed to staff


def sanitize_title(text: str, limit: int = TOPIC_TITLE_LIMIT) -> str:
    return bidi.clean_line(text, limit) or "?"


@dataclass(frozen=True)
class RelayJob:
    """A relay row claimed for sending, with the ticket and person it belongs to."""

    message: RelayMessage
    ticket: Ticket
    person: Person


@dataclass
class TicketDesk:
    store: Store
    content: Content
    clock: Clock
    translators: dict[str, Translator]
    staff_tr: Translator
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # set when there is something to relay

    def when_answered(self, tr: Translator, office_id: str | None) -> str:
        """ "today" inside (or before) the office's hours today, else the next opening ("Tuesday 09:00")."""
        now = self.clock.now()
        offices = answers.offices_for(self.content, office_id)
        states = [hours.status(self.content, office, now, tr.lang) for office in offices]
        if any(s.is_open for s in states):
            return tr.gettext("today")
        openings = sorted(s.next_opening for s in states if s.next_opening is not None)
        if not openings:
            return tr.gettext("as soon as the office opens again")
        today = now.astimezone(self.content.timezone).date()
        first = openings[0]
        if first.date() == today:
            return tr.gettext("today")
        return f"{answers.relative_day(tr, first.date(), today)} {tr.time(first)}"

    # -- the person's side ------------------------------------------------------------------------------------

    async def open(self, person: Person, question: str | None) -> tuple[Ticket, bool]:
        """The person's open ticket, or a new one with its card queued for the staff topic."""
        now = self.clock.now()
        subject = " ".join(question.split()[:6]) if question else None
        async with self.store.transaction():
            ticket, new = await self.store.open_ticket(person.id, person.office_id, person.language, now, subject)
            if new:
                card = await self.card(ticket, person, question)
                await self.store.add_relay(ticket.id, Direction.IN, RelayKind.TEXT, now, text=card)
        self.wake.set()
        return ticket, new

    async def person_wrote(
        self,
        person: Person,
        text: str,
        source: MessageRef | None,
        reply_to: int | None,
        urgent: bool,
        media: Media | None = None,
    ) -> Reply | None:
        """A message of a person who writes to staff: into their ticket (opened if need be), in one commit
        with the urgent mark and the group's notice when it looks like an emergency. What the person is
        told, if anything (a new ticket, an emergency)."""
        now = self.clock.now()
        async with self.store.transaction():
            ticket, new = await self.open(person, text or None)
            if urgent:
                await self.store.mark_urgent(ticket.id)
                note = "🆘 " + self.staff_tr.gettext(
                    "URGENT: the next message looks like an emergency. The person got the emergency numbers."
                )
                await self.store.add_relay(ticket.id, Direction.IN, RelayKind.TEXT, now, text=note)
                key = f"staff_urgent:{ticket.id}:{now.isoformat()}"
                await self.store.enqueue(key, OutboxKind.STAFF_URGENT, None, str(ticket.id), now, now)
            if source is not None:
                await self.store.add_relay(
                    ticket.id,
                    Direction.IN,
                    RelayKind.COPY,
                    now,
                    source_chat=source.chat,
                    source_message=source.message,
                    reply_to=reply_to,
                    media=media,
                )
            elif text:
                await self.store.add_relay(ticket.id, Direction.IN, RelayKind.TEXT, now, text=text)
        self.wake.set()
        return self.acknowledgement(person, new) if new or urgent else None

    def topic_title(self, ticket: Ticket, person: Person) -> str:
        """Ticket number, language, office and the question's first words, safe for a topic name."""
        office = self.content.offices.get(person.office_id or "")
        parts = [f"#{ticket.id}", person.language, office.name.removeprefix("lokal willkommen ") if office else "?"]
        if ticket.subject:
            parts.append(ticket.subject)
        return sanitize_title(" · ".join(parts))

    async def card(self, ticket: Ticket, person: Person, question: str | None) -> str:
        tr = self.staff_tr
        office = self.content.offices.get(person.office_id or "")
        language = Locale.parse(tr.lang).languages.get(person.language, person.language)
        answered = await self.store.recent_answers(person.id)
        upcoming = await self.store.future_appointments(person.id, self.clock.now())
        lines = [
            "🎫 " + tr.gettext("Ticket #{number}").format(number=ticket.id),
            "🗣 " + tr.gettext("Language: {language}").format(language=f"{language} ({person.language})"),
            "🏢 " + tr.gettext("Office: {office}").format(office=office.name if office else tr.gettext("not chosen")),
            "❓ " + tr.gettext("Question: {question}").format(question=question or tr.gettext("(none yet)")),
            "🤖 "
            + tr.gettext("The bot already answered: {topics}").format(topics=", ".join(dict.fromkeys(answered)) or "–"),
        ]
        for item in upcoming:
            if item.slot:
                start = item.slot.astimezone(self.content.timezone)
                lines.append("📅 " + f"{tr.day(start.date())} {tr.time(start)} · {item.office_id}")
        lines.append(tr.gettext("Write here to answer. Messages starting with #note stay in the group."))
        return "\n".join(lines)

    def acknowledgement(self, person: Person, new: bool) -> Reply:
        tr = self.translators[person.language]
        when = self.when_answered(tr, person.office_id)
        if new:
            text = tr.gettext(
                "Your question goes to a person from the team. They will answer you here: {when}."
                " You can write more or send a photo of a letter; everything goes to the team."
            ).format(when=when)
        else:
            text = tr.gettext("Your message is passed to the team. They will answer you here: {when}.").format(
                when=when
            )
        rows = ((Button("🤖 " + tr.gettext("Back to the bot's answers"), actions.BACK_TO_BOT),),)
        return Reply(text, person.language, rows)

    def file_too_big(self, tr: Translator) -> Reply:
        text = tr.gettext(
            "This file is too big to pass on (more than 50 MB). Please send a photo of the page or a smaller file."
        )
        return Reply(text, tr.lang)

    async def tell_person(self, ticket_id: int, person: Person, reply: Reply) -> None:
        """Queue a message the bot writes to the person (rating question, FAQ answer from staff ...)."""
        await self.store.add_relay(
            ticket_id,
            Direction.OUT,
            RelayKind.TEXT,
            self.clock.now(),
            text=bidi.for_language(reply.text, reply.lang),
            buttons=reply.buttons,
        )
        self.wake.set()

    async def rate(self, person: Person, ticket_arg: str, rating: str) -> Reply | None:
        if not is_id(ticket_arg) or rating not in (Rating.UP, Rating.DOWN):
            return None
        tr = self.translators[person.language]
        if not await self.store.rate_ticket(int(ticket_arg), person.id, Rating(rating)):
            return None
        return Reply(tr.gettext("Thank you for your answer!"), person.language, menu_row(tr))

    # -- what became of a relayed message (reported by the relay loop) -----------------------------------------

    async def claim(self, boot_id: str) -> list[RelayJob]:
        """Pending relay messages in order, claimed by this run; rows whose ticket or person is gone end failed."""
        jobs = []
        for message in await self.store.claim_relay(boot_id):
            ticket = await self.store.ticket(message.ticket_id)
            person = await self.store.person_by_id(ticket.person_id) if ticket else None
            if ticket is None or person is None:
                await self.store.finish_relay(message.id, SendState.FAILED, self.clock.now())
                continue
            jobs.append(RelayJob(message, ticket, person))
        return jobs

    async def delivered(self, job: RelayJob, target: tuple[int, int] | None) -> None:
        """Sent: remember where it arrived (for replies and edits); a staff copy is the ticket's answer."""
        now = self.clock.now()
        chat, message = target if target else (None, None)
        async with self.store.transaction():
            await self.store.finish_relay(job.message.id, SendState.SENT, now, chat, message)
            if job.message.direction == Direction.OUT and job.message.kind == RelayKind.COPY:
                await self.store.first_answer(job.ticket.id, now)

    async def refused(self, job: RelayJob) -> None:
        await self.store.finish_relay(job.message.id, SendState.FAILED, self.clock.now())

    async def later(self, job: RelayJob) -> None:
        await self.store.release_relay(job.message.id)

    async def blocked(self, job: RelayJob) -> None:
        """The person blocked the bot: they are inactive, and staff read it in the topic."""
        now = self.clock.now()
        text = "⛔ " + self.staff_tr.gettext("The person has blocked the bot. Messages cannot reach them.")
        async with self.store.transaction():
            await self.store.finish_relay(job.message.id, SendState.FAILED, now)
            await self.store.set_inactive(job.person.id, now)
            await self.store.note_ticket(job.ticket.id, "person blocked the bot")
            await self.store.add_relay(job.ticket.id, Direction.IN, RelayKind.TEXT, now, text=text)
        self.wake.set()
