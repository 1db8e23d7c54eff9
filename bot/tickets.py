"""Questions passed to a person: tickets, what the person is told, and what staff can do in a ticket.

Every message between a person and staff goes through the relay table (stored, then sent by the channel).
Here live the decisions; the channel does the copying.
"""

from dataclasses import dataclass

from babel import Locale

from bot import answers, audit, bidi, hours
from bot.buttons import menu_row
from bot.clock import Clock
from bot.content import Content
from bot.i18n import Translator
from bot.languages import LANGUAGES
from bot.models import Actor, Button, Person, Reply
from bot.normalize import is_id
from bot.ports import Store
from bot.records import Direction, Rating, RelayKind, Ticket

TOPIC_TITLE_LIMIT = 128
NOTE_PREFIXES = ("#note", "!note")
STAFF_TICKET_COMMANDS = ("close", "faq", "book", "lang", "ban", "unban")


def sanitize_title(text: str, limit: int = TOPIC_TITLE_LIMIT) -> str:
    return bidi.clean_line(text, limit) or "?"


@dataclass(frozen=True)
class _Answer:
    text: str
    succeeded: bool


def is_note(text: str | None) -> bool:
    return bool(text) and text.lstrip().lower().startswith(NOTE_PREFIXES)


@dataclass
class TicketDesk:
    store: Store
    content: Content
    clock: Clock
    translators: dict[str, Translator]
    staff_tr: Translator

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

    async def open(self, person: Person, question: str | None) -> tuple[Ticket, bool]:
        """The person's open ticket, or a new one with its card queued for the staff topic."""
        now = self.clock.now()
        subject = " ".join(question.split()[:6]) if question else None
        ticket, new = await self.store.open_ticket(person.id, person.office_id, person.language, now, subject)
        if new:
            card = await self.card(ticket, person, question)
            await self.store.add_relay(ticket.id, Direction.IN, RelayKind.TEXT, now, text=card)
        return ticket, new

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
        rows = ((Button("🤖 " + tr.gettext("Back to the bot's answers"), "bot"),),)
        return Reply(bidi.for_language(text, person.language), person.language, rows)

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

    async def staff_command(
        self, ticket: Ticket | None, person: Person, name: str, args: str, actor: Actor | None = None
    ) -> str:
        """Run a staff command in a person's topic; returns what staff read in the topic."""
        answer = await self._staff_command(ticket, person, name, args)
        done = {"ban": "banned", "unban": "unbanned", "lang": "language_set", "close": "ticket_closed"}
        done |= {"faq": "faq_sent", "book": "booking_offered"}
        last = ticket or await self.store.last_ticket_of(person.id)
        if name in done and answer.succeeded:
            target = f"#{last.id}" if last else None
            await audit.record(self.store, self.clock.now(), actor, done[name], target, person.office_id)
        return answer.text

    async def _staff_command(self, ticket: Ticket | None, person: Person, name: str, args: str) -> "_Answer":
        tr = self.staff_tr
        ptr = self.translators[person.language]
        now = self.clock.now()
        if name == "ban":
            await self.store.set_banned(person.id, True, now)
            return _Answer(tr.gettext("Blocked. The person is told once, then ignored. /unban undoes it."), True)
        if name == "unban":
            await self.store.set_banned(person.id, False, now)
            return _Answer(tr.gettext("Unblocked. Messages from this person reach the team again."), True)
        if name == "lang":
            code = args.strip().lower()
            if code not in LANGUAGES:
                return _Answer(tr.gettext("Please write one of: {codes}").format(codes=", ".join(LANGUAGES)), False)
            await self.store.set_language(person.id, code, "chosen")
            return _Answer(
                tr.gettext("The person's language is now {language}.").format(
                    language=Locale.parse(tr.lang).languages.get(code, code)
                ),
                True,
            )
        if ticket is None:
            ticket = await self.store.last_ticket_of(person.id)
            if ticket is None:
                return _Answer(tr.gettext("There is no ticket for this person yet."), False)
        if name == "close":
            if not await self.store.close_ticket(ticket.id, now):
                return _Answer(tr.gettext("This ticket is already closed."), False)
            text = ptr.gettext("The team has closed your question. Did we help you?")
            rows = (
                (Button("👍", f"rate:{ticket.id}:up"), Button("👎", f"rate:{ticket.id}:down")),
                *menu_row(ptr),
            )
            await self.tell_person(ticket.id, person, Reply(text, person.language, rows))
            return _Answer(
                tr.gettext(
                    "Ticket #{number} closed. The person is asked for a rating. Their next message opens it again."
                ).format(number=ticket.id),
                True,
            )
        if name == "faq":
            faq_id = args.strip()
            if faq_id not in self.content.faq_ids:
                return _Answer(
                    tr.gettext("Unknown FAQ id. Known ids: {ids}").format(ids=", ".join(self.content.faq_ids)), False
                )
            text = answers.faq_answer(self.content, faq_id, ptr, person.office_id, now)
            await self.tell_person(ticket.id, person, Reply(text, person.language, menu_row(ptr)))
            await self.store.first_answer(ticket.id, now)
            return _Answer(tr.gettext("Sent the answer '{id}' in the person's language.").format(id=faq_id), True)
        if name == "book":
            text = ptr.gettext("The team suggests an appointment. You can book one here:")
            rows = ((Button("📅 " + ptr.gettext("Book an appointment"), "bk:o:n:-.new"),), *menu_row(ptr))
            await self.tell_person(ticket.id, person, Reply(text, person.language, rows))
            return _Answer(tr.gettext("The person got a button to book an appointment."), True)
        return _Answer("", False)

    async def rate(self, person: Person, action: str) -> Reply | None:
        parts = action.split(":")
        if len(parts) != 3 or not is_id(parts[1]) or parts[2] not in ("up", "down"):
            return None
        tr = self.translators[person.language]
        if not await self.store.rate_ticket(int(parts[1]), person.id, Rating(parts[2])):
            return None
        return Reply(tr.gettext("Thank you for your answer!"), person.language, menu_row(tr))
