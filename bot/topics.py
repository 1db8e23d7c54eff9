"""A person's staff topic that stopped working while their ticket is open: staff deleted it, or closed it by
hand. Telegram tells bots nothing when a topic is deleted; the first message that cannot be copied into it
(`TopicGone`) is the sign. A closed topic is opened again; a topic that cannot be used any more is replaced
by a new one that starts with the person's card and a line saying why, then the messages that failed.
"""

import logging
from dataclasses import dataclass, field

from bot.messenger import Refused, StaffChats, StaffRoom
from bot.models import Person, Reply
from bot.records import Direction, RelayKind, Ticket
from bot.tickets import TicketDesk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewTopic:
    chat: int
    thread: int
    card: int | None  # the card's message id in the new topic


@dataclass
class TopicKeeper:
    tickets: TicketDesk
    staff: StaffRoom
    staff_chats: StaffChats
    # Topics made but not yet stored, by person id: a retry after a passing failure (posting the card) goes
    # on in the same topic instead of making one more. (chat, thread, card id or None, note posted)
    _fresh: dict[int, tuple[int, int, int | None, bool]] = field(default_factory=dict)

    async def reopened(self, chat: int, thread: int) -> bool:
        """Open the topic again (it may have been closed by hand); False if it cannot be used at all."""
        try:
            await self.staff.reopen_topic(chat, thread)
        except Refused as exc:  # TopicGone included: deleted, or the bot may not open it
            log.warning("topic %s/%s cannot be opened: %s", chat, thread, exc)
            return False
        return True

    async def replace(self, ticket: Ticket, person: Person) -> NewTopic:
        """A new topic for the person: their card, a line for staff why, and only then stored as theirs, so
        that the messages still to be relayed follow the card. Raises TryLater/Refused like the port."""
        store, tr = self.tickets.store, self.tickets.staff_tr
        chat = self.staff_chats.for_office(person.office_id)
        if chat is None:
            raise Refused("no staff group configured")
        fresh = self._fresh.get(person.id)
        if fresh is None or fresh[0] != chat:
            thread = await self.staff.create_topic(chat, self.tickets.topic_title(ticket, person))
            fresh = (chat, thread, None, False)
            self._fresh[person.id] = fresh
            log.info("person %s: new staff topic %s/%s for ticket %s", person.id, chat, thread, ticket.id)
        chat, thread, card, noted = fresh
        if card is None:
            card = await self.staff.post(chat, [Reply(await self._card(ticket, person), tr.lang)], thread)
            self._fresh[person.id] = (chat, thread, card, noted)
        if not noted:
            note = "↪️ " + tr.gettext("The earlier topic of this person was deleted or closed, so this is a new one.")
            await self.staff.post(chat, [Reply(note, tr.lang)], thread)
            self._fresh[person.id] = (chat, thread, card, True)
        await store.set_topic(person.id, chat, thread)
        del self._fresh[person.id]
        return NewTopic(chat, thread, card)

    async def _card(self, ticket: Ticket, person: Person) -> str:
        """The card the ticket started with (as staff first saw it), else a new one."""
        first = next(iter(await self.tickets.store.relay_rows(ticket.id)), None)
        if first is not None and first.direction == Direction.IN and first.kind == RelayKind.TEXT and first.text:
            return first.text
        return await self.tickets.card(ticket, person, ticket.subject)

    async def closed_by_hand(self, chat: int, thread: int) -> None:
        """Staff closed a person's topic by hand (not with /close). While the ticket is open the topic must
        stay usable: it is opened again with a line why, or replaced when it cannot be opened."""
        store, tr = self.tickets.store, self.tickets.staff_tr
        person = await store.person_by_topic(chat, thread)
        ticket = await store.open_ticket_of(person.id) if person is not None else None
        if person is None or ticket is None:
            return  # no open ticket: closing the topic is fine
        if await self.reopened(chat, thread):
            note = "↩️ " + tr.gettext(
                "Ticket #{number} is still open, so this topic was opened again. To end the ticket, write /close."
            ).format(number=ticket.id)
            await self.staff.post(chat, [Reply(note, tr.lang)], thread)
            return
        await self.replace(ticket, person)
