"""Send what is due from the outbox: reminders, notices, the morning agenda.

Each message was stored before it is sent; it is claimed by this run, rendered, sent, then marked. A run
that dies in between leaves it claimed, and the next run takes it over: nothing due is ever dropped.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.clock import Clock
from bot.loops import repeat
from bot.messenger import PersonChannel, StaffChats, StaffRoom, TopicGone, TryLater, Unreachable
from bot.models import Outgoing
from bot.notices import Notices
from bot.ports import Store
from bot.records import OutboxItem, SendState
from bot.service_window import Held

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


class Undeliverable(Exception):
    """The channel cannot deliver this message at all (no staff group configured, person on another channel)."""


Send = Callable[[Outgoing], Awaitable[None]]


@dataclass
class Delivery:
    """Where an outbox message goes: a person on their channel, the staff group, or a person's topic."""

    staff: StaffRoom | None
    people: Mapping[str, PersonChannel]
    staff_chats: StaffChats

    async def __call__(self, message: Outgoing) -> None:
        if message.channel is not None:
            channel = self.people.get(message.channel)
            if channel is None or not message.user_id:
                raise Undeliverable(f"channel {message.channel}")
            try:
                await channel.send(message.user_id, [message.reply])
            except Unreachable:
                raise Undeliverable("the person blocked the bot") from None
            except Held:
                raise Undeliverable("outside the channel's window, no template (staff were told)") from None
            return
        if self.staff is None:
            raise Undeliverable("no staff group here")
        if message.staff_topic is not None:
            chat, thread = message.staff_topic
            try:
                # A closed topic takes no messages: open it for the notice (it is closed again right after).
                await self.staff.reopen_topic(chat, thread)
                await self.staff.post(chat, [message.reply], thread)
            except TopicGone:
                await self.staff.post(chat, [message.reply])  # staff deleted the topic: tell the group
                return
            if message.close_topic:
                await self.staff.close_topic(chat, thread)
            return
        group = self.staff_chats.for_office(message.office_id)
        if group is None:
            raise Undeliverable("STAFF_CHAT_ID is not set")
        await self.staff.post(group, [message.reply])


@dataclass
class Scheduler:
    store: Store
    notices: Notices
    clock: Clock
    boot_id: str

    async def run(self, send: Send, stop: asyncio.Event, tick_seconds: float) -> None:
        await repeat(lambda: self.run_once(send), stop, tick_seconds, "scheduler")

    async def run_once(self, send: Send) -> int:
        await self.notices.schedule_agendas()
        rows = await self.store.claim_due(self.clock.now(), self.boot_id)
        for row in rows:
            await self._one(row, send)
        return len(rows)

    async def _one(self, row: OutboxItem, send: Send) -> None:
        try:
            messages = await self.notices.render(row)
            for message in messages:
                await send(message)
        except Undeliverable as exc:
            log.info("outbox %s (%s) not deliverable here: %s", row.id, row.kind, exc)
            await self.store.finish_outbox(row.id, SendState.SKIPPED, self.clock.now())
            return
        except Exception as exc:
            log.warning("outbox %s (%s) failed: %s", row.id, row.kind, type(exc).__name__)
            # A passing failure (network, 5xx, 429) never uses up the tries: an outage of any length ends
            # with the message sent. Anything else (a refusal, a bug) is given up after MAX_ATTEMPTS.
            if row.attempts >= MAX_ATTEMPTS and not isinstance(exc, TryLater):
                await self.store.finish_outbox(row.id, SendState.FAILED, self.clock.now())
            else:
                await self.store.release_outbox(row.id)
            return
        await self.store.finish_outbox(row.id, SendState.SENT if messages else SendState.SKIPPED, self.clock.now())
