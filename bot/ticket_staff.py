"""The staff side of a ticket: what staff write in a person's topic goes to the person (notes stay), their
edits are mirrored, and the commands they type there act on that person's ticket."""

from dataclasses import dataclass

from babel import Locale

from bot import actions, answers, audit
from bot.actions import pack
from bot.languages import LANGUAGES
from bot.models import Actor, Button, Media, MessageRef, Person, Reply
from bot.ports import Store
from bot.records import Direction, RelayKind, Ticket
from bot.screens import menu_row
from bot.tickets import TicketDesk

NOTE_PREFIXES = ("#note", "!note")
_AUDITED = {
    "ban": "banned",
    "unban": "unbanned",
    "lang": "language_set",
    "close": "ticket_closed",
    "faq": "faq_sent",
    "book": "booking_offered",
}


def is_note(text: str | None) -> bool:
    return bool(text) and text.lstrip().lower().startswith(NOTE_PREFIXES)  # type: ignore[union-attr]


def is_command(text: str | None) -> bool:
    """/help, /start, /anything: meant for the bot, never for the person (known commands are handled before)."""
    words = (text or "").lstrip()
    return len(words) > 1 and words[0] == "/" and words[1].isalpha()


@dataclass(frozen=True)
class _Answer:
    text: str
    succeeded: bool


@dataclass
class StaffInTopic:
    tickets: TicketDesk
    # The platform of the staff group: its people get staff messages copied by reference (nothing but ids
    # stored); people on another platform (WhatsApp) need the text and the file reference kept until sent.
    staff_channel: str = "telegram"

    @property
    def store(self) -> Store:
        return self.tickets.store

    async def _ticket_in(self, chat: int, thread: int) -> tuple[Person, Ticket] | None:
        person = await self.store.person_by_topic(chat, thread)
        if person is None:
            return None
        ticket = await self.store.open_ticket_of(person.id) or await self.store.last_ticket_of(person.id)
        return (person, ticket) if ticket else None

    async def wrote(
        self,
        chat: int,
        thread: int,
        source: MessageRef,
        reply_to: int | None,
        text: str | None,
        media: Media | None = None,
    ) -> bool:
        """A staff member's message in a person's topic: relayed to the person, unless it is a note. Its text
        and file reference are kept for people on another platform, where it cannot be copied by reference."""
        if is_note(text) or is_command(text):
            return False  # internal notes and commands for the bot stay in the group
        found = await self._ticket_in(chat, thread)
        if found is None:
            return False
        if reply_to == thread:
            reply_to = None  # in a topic every message "replies" to the topic's first message
        if found[0].channel == self.staff_channel:
            text, media = None, None
        await self.store.add_relay(
            found[1].id,
            Direction.OUT,
            RelayKind.COPY,
            self.tickets.clock.now(),
            source_chat=source.chat,
            source_message=source.message,
            reply_to=reply_to,
            text=text,
            media=media,
        )
        self.tickets.wake.set()
        return True

    async def edited(self, source: MessageRef, text: str) -> bool:
        """A staff member edited a message that went to a person: the person's copy is edited too."""
        if is_note(text):
            return False
        original = await self.store.relay_by_source(source.chat, source.message)
        if original is None or original.direction != Direction.OUT:
            return False
        await self.store.add_relay(
            original.ticket_id,
            Direction.OUT,
            RelayKind.EDIT,
            self.tickets.clock.now(),
            source_chat=source.chat,
            source_message=source.message,
            text=text,
        )
        self.tickets.wake.set()
        return True

    async def command(self, chat: int, thread: int, name: str, args: str, actor: Actor | None = None) -> str:
        """/close /faq /book /lang /ban /unban in a person's topic. Its answer for staff goes into the topic
        through the relay, in order with what the command sends the person (and, for /close, before the
        topic is closed). Returns what the channel must show itself: only when there is no ticket to
        relay through."""
        person = await self.store.person_by_topic(chat, thread)
        return await self.for_person(person, name, args, actor) if person is not None else ""

    async def for_person(self, person: Person, name: str, args: str, actor: Actor | None = None) -> str:
        """A staff command on this person's ticket (see `command`)."""
        ticket = await self.store.open_ticket_of(person.id)
        now = self.tickets.clock.now()
        async with self.store.transaction():
            answer = await self._command(ticket, person, name, args)
            last = ticket or await self.store.last_ticket_of(person.id)
            if name in _AUDITED and answer.succeeded:
                target = f"#{last.id}" if last else None
                await audit.record(self.store, now, actor, _AUDITED[name], target, person.office_id)
            if last is not None and answer.text:
                await self.store.add_relay(last.id, Direction.IN, RelayKind.TEXT, now, text=answer.text)
            if last is not None and name == "close" and answer.succeeded:
                await self.store.add_relay(last.id, Direction.IN, RelayKind.CLOSE, now)
        self.tickets.wake.set()
        return answer.text if last is None else ""

    async def _command(self, ticket: Ticket | None, person: Person, name: str, args: str) -> _Answer:
        desk, store = self.tickets, self.store
        tr = desk.staff_tr
        ptr = desk.translators[person.language]
        now = desk.clock.now()
        if name == "ban":
            await store.set_banned(person.id, True, now)
            return _Answer(tr.gettext("Blocked. The person is told once, then ignored. /unban undoes it."), True)
        if name == "unban":
            await store.set_banned(person.id, False, now)
            return _Answer(tr.gettext("Unblocked. Messages from this person reach the team again."), True)
        if name == "lang":
            code = args.strip().lower()
            if code not in LANGUAGES:
                return _Answer(tr.gettext("Please write one of: {codes}").format(codes=", ".join(LANGUAGES)), False)
            await store.set_language(person.id, code, "chosen")
            language = Locale.parse(tr.lang).languages.get(code, code)
            return _Answer(tr.gettext("The person's language is now {language}.").format(language=language), True)
        if ticket is None:
            ticket = await store.last_ticket_of(person.id)
            if ticket is None:
                return _Answer(tr.gettext("There is no ticket for this person yet."), False)
        if name == "close":
            if not await store.close_ticket(ticket.id, now):
                return _Answer(tr.gettext("This ticket is already closed."), False)
            text = ptr.gettext("The team has closed your question. Did we help you?")
            rows = (
                (
                    Button("👍", pack(actions.RATE, ticket.id, "up")),
                    Button("👎", pack(actions.RATE, ticket.id, "down")),
                ),
                *menu_row(ptr),
            )
            await desk.tell_person(ticket.id, person, Reply(text, person.language, rows))
            return _Answer(
                tr.gettext(
                    "Ticket #{number} closed. The person is asked for a rating. Their next message opens it again."
                ).format(number=ticket.id),
                True,
            )
        if name == "faq":
            faq_id = args.strip()
            if faq_id not in desk.content.faq_ids:
                ids = ", ".join(desk.content.faq_ids)
                return _Answer(tr.gettext("Unknown FAQ id. Known ids: {ids}").format(ids=ids), False)
            text = answers.faq_answer(desk.content, faq_id, ptr, person.office_id, now)
            await desk.tell_person(ticket.id, person, Reply(text, person.language, menu_row(ptr)))
            await store.first_answer(ticket.id, now)
            return _Answer(tr.gettext("Sent the answer '{id}' in the person's language.").format(id=faq_id), True)
        if name == "book":
            text = ptr.gettext("The team suggests an appointment. You can book one here:")
            book = pack(actions.BOOK, "o", "n", "-", new_message=True)
            rows = ((Button("📅 " + ptr.gettext("Book an appointment"), book),), *menu_row(ptr))
            await desk.tell_person(ticket.id, person, Reply(text, person.language, rows))
            return _Answer(tr.gettext("The person got a button to book an appointment."), True)
        return _Answer("", False)
