"""Send announcements: a stored job per announcement, one row per person, paced under the channel's limits.

On Telegram about 30 messages a second are allowed overall (each person gets one message, so the
one-per-second per chat limit holds by itself). We send at most `rate` (RATE, 25: room under Telegram's ~30
for the answers, relay and reminders that go out meanwhile) messages in any second, counted from the moment
the previous messages were answered, so however the requests travel, Telegram never sees more than `rate`
arriving within a second; a 429 pauses all sending for `retry_after` (the adapter's retries). Each person's
row is marked when their message went out: after a crash or restart the job goes on with the people not yet
marked. A progress message in the staff group is edited as it goes, and ends with
a report.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.announcements import Announcements
from bot.clock import Clock
from bot.loops import repeat
from bot.messenger import PersonChannel, Refused, StaffRoom, Unreachable
from bot.models import Person
from bot.ports import Store
from bot.records import Announcement, AnnouncementStatus, SendState

log = logging.getLogger(__name__)
CATCH_UP_SECONDS = 0.5
RATE = 25.0  # messages a second; README "Announcements" says this number


@dataclass
class Broadcaster:
    staff: StaffRoom
    people: Mapping[str, PersonChannel]  # by `Person.channel`
    store: Store
    announcements: Announcements
    clock: Clock
    boot_id: str
    staff_chat_id: int | None
    rate: float = RATE
    progress_every: float = 2.0
    _answered: deque = field(default_factory=deque)  # when the last `rate` messages were answered
    _in_flight: asyncio.Future | None = None
    _next_send: float | None = None

    async def run(self, stop: asyncio.Event, tick_seconds: float = 2.0) -> None:
        async def round_() -> None:
            for announcement_id in await self.store.sending_announcements():
                await self.send(announcement_id, stop)

        await repeat(round_, stop, tick_seconds, "broadcast", self.announcements.wake)

    async def _pace(self) -> None:
        # Evenly spaced at `rate` on a schedule that may catch up on a short stall (half a second's worth,
        # no more: a sender starting after a restart does not burst), and never sooner than one second after
        # the *answer* to the message `rate` places before: that message had arrived by then, so no second
        # at Telegram's end holds more than `rate`, however the requests travel.
        loop = asyncio.get_running_loop()
        if self._next_send is None:
            self._next_send = loop.time()
        at = max(self._next_send, loop.time() - CATCH_UP_SECONDS)
        if len(self._answered) >= int(self.rate):
            at = max(at, self._answered[0] + 1.0)
        await asyncio.sleep(max(0.0, at - loop.time()))
        self._next_send = at + 1.0 / self.rate

    def _sent(self) -> None:
        self._answered.append(asyncio.get_running_loop().time())
        while len(self._answered) > int(self.rate):
            self._answered.popleft()

    async def _progress(self, announcement_id: int, final: bool = False) -> None:
        announcement = await self.store.announcement(announcement_id)
        if announcement is None or self.staff_chat_id is None:
            return
        reply = self.announcements.progress(announcement, self.rate, final)
        await self._pace()  # the progress message counts against the same limit
        try:
            if announcement.progress_message is None or announcement.progress_chat is None:
                sent = await self.staff.post(self.staff_chat_id, [reply])
                if sent is not None:
                    await self.store.set_announcement_progress(announcement_id, self.staff_chat_id, sent)
            else:
                await self.staff.edit(announcement.progress_chat, announcement.progress_message, reply)
        except Refused:
            pass  # progress is a courtesy: never let it stop the sending
        finally:
            self._sent()

    async def send(self, announcement_id: int, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        await self._progress(announcement_id)
        last_progress = loop.time()
        while not stop.is_set():
            announcement = await self.store.announcement(announcement_id)
            if announcement is None or announcement.status != AnnouncementStatus.SENDING:
                break
            batch = await self.store.claim_deliveries(announcement_id, self.boot_id, 10)
            if not batch:
                await self.store.finish_announcement(announcement_id, AnnouncementStatus.DONE, self.clock.now())
                break
            for person_id in batch:
                if stop.is_set():
                    await self.store.release_delivery(announcement_id, person_id)
                    continue
                await self._one(announcement, person_id)
                if loop.time() - last_progress >= self.progress_every:
                    await self._progress(announcement_id)
                    last_progress = loop.time()
        await self._progress(announcement_id, final=True)

    async def _one(self, announcement: Announcement, person_id: int) -> None:
        now = self.clock.now()
        person = await self.store.person_by_id(person_id)
        if person is None or person.channel not in self.people or person.banned:
            await self.store.finish_delivery(announcement.id, person_id, SendState.FAILED, now)
            return
        await self._pace()
        # Sending and marking belong together: a stop (task cancellation) waits for both, so a stop never
        # leaves a person "sent but not marked". (A hard kill in that instant still can: they get it twice.)
        self._in_flight = asyncio.ensure_future(self._send_and_mark(announcement, person))
        await asyncio.shield(self._in_flight)

    async def settle(self) -> None:
        """After a cancellation: wait for the send (and its mark) that the shield let finish, before the
        session and the store are closed under it."""
        if self._in_flight is not None:
            await asyncio.wait({self._in_flight})

    async def _send_and_mark(self, announcement: Announcement, person: Person) -> None:
        channel = self.people[person.channel]
        message = self.announcements.message_for(announcement.texts, person.language)
        try:
            try:
                await channel.send(person.user_id, [message])
            finally:
                self._sent()
        except Unreachable:
            await self.store.set_inactive(person.id, self.clock.now())
            await self.store.finish_delivery(announcement.id, person.id, SendState.BLOCKED, self.clock.now())
            return
        except Refused:
            await self.store.finish_delivery(announcement.id, person.id, SendState.FAILED, self.clock.now())
            return
        except Exception:
            await self.store.release_delivery(announcement.id, person.id)
            raise
        await self.store.finish_delivery(announcement.id, person.id, SendState.SENT, self.clock.now())
