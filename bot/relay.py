"""The relay loop: sends the stored messages between people and their forum topic in the staff group.

Each message was stored first (bot/tickets.py, bot/ticket_staff.py); here it is claimed, sent through the
channel port, and what happened is reported to the ticket desk, with the id it got on the other side, so
replies and edits can be linked both ways. A claim left by a run that stopped is taken over by the next
run; a message that could not be sent for now stays pending and is tried again.
"""

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.loops import repeat
from bot.messenger import (
    PersonChannel,
    Refused,
    StaffChats,
    StaffRoom,
    TopicGone,
    TryLater,
    Unreachable,
    is_foreign,
)
from bot.models import MessageRef, Reply
from bot.ports import Store
from bot.records import Direction, RelayKind, RelayMessage
from bot.tickets import RelayJob, TicketDesk
from bot.topics import TopicKeeper

log = logging.getLogger(__name__)


@dataclass
class Relay:
    tickets: TicketDesk
    staff: StaffRoom
    people: Mapping[str, PersonChannel]  # by `Person.channel`
    staff_chats: StaffChats
    boot_id: str
    keeper: TopicKeeper = field(init=False)

    def __post_init__(self) -> None:
        self.keeper = TopicKeeper(self.tickets, self.staff, self.staff_chats)

    @property
    def store(self) -> Store:
        return self.tickets.store

    async def run(self, stop: asyncio.Event, tick_seconds: float = 2.0) -> None:
        await repeat(self.run_once, stop, tick_seconds, "relay", self.tickets.wake)

    async def run_once(self) -> int:
        """Claim and send until nothing more moves. A claim holds one message per ticket and direction (the
        store keeps each line in order), so the next of a line comes in the next claim, once this one is sent."""
        total = 0
        while True:
            jobs = await self.tickets.claim(self.boot_id)
            total += len(jobs)
            done = [await self._guarded(job) for job in jobs]
            if not any(done):
                return total

    async def _guarded(self, job: RelayJob) -> bool:
        """`_one`, but an error no channel should raise (a bug, an answer no client can read) does not end the
        round: the message is put back to be tried again, and the rest of the round is sent."""
        try:
            return await self._one(job)
        except Exception as exc:
            if _worth_saying(job.message.attempts):
                log.error("relay %s failed (try %d): %s", job.message.id, job.message.attempts, type(exc).__name__)
            await self.tickets.later(job)
            return False

    async def _one(self, job: RelayJob) -> bool:
        """Send one message: False when it stays pending for a later run."""
        message = job.message
        try:
            target: tuple[int, int] | None = None
            if message.kind == RelayKind.CLOSE:
                await self._close(job)
            elif message.direction == Direction.IN:
                target = await self._to_topic(job)
            else:
                target = await self._to_person(job)
        except Unreachable:
            if message.direction == Direction.OUT:
                await self.tickets.blocked(job)
                return True
            # the staff group cannot be reached: keep the message until it can
            log.error("relay %s: the staff group cannot be reached", message.id)
            await self.tickets.later(job)
            return False
        except TryLater as exc:
            if _worth_saying(message.attempts):
                log.warning("relay %s not sent yet (try %d): %s", message.id, message.attempts, exc)
            await self.tickets.later(job)
            return False
        except Refused as exc:
            log.error("relay %s refused: %s", message.id, exc)
            await self.tickets.refused(job)
        else:
            await self.tickets.delivered(job, target)
        return True

    # -- person -> topic ----------------------------------------------------------------------------------

    async def _topic(self, job: RelayJob) -> tuple[int, int, bool]:
        """The person's topic: (chat, thread, made now)."""
        topic = await self.store.topic_of(job.person.id)
        if topic is not None:
            return topic[0], topic[1], False
        chat = self.staff_chats.for_office(job.person.office_id)
        if chat is None:
            raise Refused("no staff group configured")
        thread = await self.staff.create_topic(chat, self.tickets.topic_title(job.ticket, job.person))
        await self.store.set_topic(job.person.id, chat, thread)
        return chat, thread, True

    async def _to_topic(self, job: RelayJob) -> tuple[int, int]:
        try:
            return await self._into_topic(job)
        except TopicGone as exc:
            log.warning("relay %s: the person's topic cannot take it: %s", job.message.id, exc)
        topic = await self.store.topic_of(job.person.id)
        if topic is not None and await self.keeper.reopened(*topic):
            try:  # it was closed by hand: open again, it takes messages again
                return await self._into_topic(job)
            except TopicGone as exc:
                log.warning("relay %s: the reopened topic cannot take it either: %s", job.message.id, exc)
        new = await self.keeper.replace(job.ticket, job.person)
        if new.card is not None and await self._is_card(job):
            return new.chat, new.card  # the failed message was the card itself: it heads the new topic
        return await self._into_topic(job)

    async def _is_card(self, job: RelayJob) -> bool:
        message = job.message
        return message.kind == RelayKind.TEXT and await self.store.first_relay_of(job.ticket.id) == message.id

    async def _into_topic(self, job: RelayJob) -> tuple[int, int]:
        message = job.message
        chat, thread, made = await self._topic(job)
        if not made and await self._is_card(job):
            # A new ticket's card in the person's existing topic: open it again and show the new number.
            await self.staff.reopen_topic(chat, thread)
            await self.staff.rename_topic(chat, thread, self.tickets.topic_title(job.ticket, job.person))
        if message.kind == RelayKind.TEXT:
            sent = await self.staff.post(chat, [Reply(message.text or "", self.tickets.staff_tr.lang)], thread)
            return chat, sent or 0
        reply_to = await self._reply_target(message, chat)
        channel = self.people.get(job.person.channel)
        if is_foreign(channel):
            return chat, await self._file_into(channel, chat, thread, message, reply_to)
        copied = await self.staff.copy_into(chat, thread, self._source(message), reply_to)
        return chat, copied

    async def _file_into(
        self, channel: Any, chat: int, thread: int, message: RelayMessage, reply_to: int | None
    ) -> int:
        """A message from another platform: its file downloaded there and uploaded into the topic."""
        media = message.media
        if media is None or not media.ref:  # a place or a contact: what it says, as text
            text = (media.caption if media else "") or message.text or "?"
            return await self.staff.post(chat, [Reply(text, self.tickets.staff_tr.lang)], thread) or 0
        data = await channel.download(media)
        return await self.staff.post_media(chat, thread, media, data, reply_to)

    async def _close(self, job: RelayJob) -> None:
        topic = await self.store.topic_of(job.person.id)
        if topic is not None:
            await self.staff.close_topic(*topic)

    # -- staff -> person ----------------------------------------------------------------------------------

    async def _to_person(self, job: RelayJob) -> tuple[int, int] | None:
        message, person = job.message, job.person
        channel: Any = self.people.get(person.channel)
        if channel is None:
            raise Refused(f"no channel {person.channel!r} in this process")
        chat = int(person.user_id) if person.user_id.lstrip("-").isdigit() else 0
        if message.kind == RelayKind.TEXT:
            reply = Reply(message.text or "", person.language, message.buttons)
            sent = await channel.send(person.user_id, [reply])
            return (chat, sent) if sent else None
        if message.kind == RelayKind.EDIT:
            original = await self.store.relay_by_source(message.source_chat or 0, message.source_message or 0)
            if original is not None and original.target_message is not None:
                await channel.edit_text(person.user_id, original.target_message, message.text or "")
            return None
        reply_to = await self._reply_target(message, chat)
        if is_foreign(channel):  # another platform: the staff member's text, or their file as bytes
            if message.media is not None:
                data = await self.staff.download(message.media)
                return chat, await channel.send_media(person.user_id, message.media, data, reply_to)
            if not message.text:
                raise Refused("this kind of message cannot be passed to another platform")
            sent = await channel.send(person.user_id, [Reply(message.text, person.language)], reply_to)
            return chat, sent or 0
        copied = await channel.copy_to(person.user_id, self._source(message), reply_to)
        return chat, copied

    @staticmethod
    def _source(message: RelayMessage) -> MessageRef:
        return MessageRef(message.source_chat or 0, message.source_message or 0)

    async def _reply_target(self, message: RelayMessage, target_chat: int) -> int | None:
        """Keep a reply's link on the other side: what the replied-to message is called there."""
        if message.reply_to is None or message.source_chat is None:
            return None
        # The replied-to message was itself relayed from the other side ...
        relayed = await self.store.relay_by_target(message.source_chat, message.reply_to)
        if relayed is not None and relayed.source_chat == target_chat and relayed.source_message:
            return relayed.source_message
        # ... or it is a message of this side that was relayed over before.
        original = await self.store.relay_by_source(message.source_chat, message.reply_to)
        if original is not None and original.target_chat == target_chat and original.target_message:
            return original.target_message
        return None


def _worth_saying(attempts: int) -> bool:
    """A message that waits is tried every round (every 2 s, for days while a WhatsApp window is closed): the
    log says so at its 1st, 2nd, 4th, 8th ... try, not each time."""
    return attempts & (attempts - 1) == 0
