"""Replies to what someone did: stored with the update's completion, then sent until delivered.

While an update is handled its replies are collected in `Answers`; they are stored in the same transaction
that marks the update done in the inbox (bot/receiving.py). Then they are sent at once; a reply the platform
could not take for now (network, 5xx, 429: `TryLater`) stays due and is sent again with a growing pause,
until it is delivered or clearly undeliverable (the person blocked the bot, the chat is gone, the platform
refuses the message itself). A crash after sending and before marking sends that one reply twice: the only
duplicate left, counted by bench/faults.py.
"""

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.loops import repeat
from bot.messenger import PersonChannel, Refused, StaffRoom, TryLater, Unreachable
from bot.models import Attachment, Button, Reply
from bot.ports import Store, StoreUnavailable
from bot.records import ReplyDraft, StoredReply

log = logging.getLogger(__name__)
STAFF = "staff"  # the channel name of replies into the staff group
GIVE_UP_AFTER = timedelta(days=2)  # an answer older than this is of no use any more: stop trying
KEEP = timedelta(days=7)  # sent replies are remembered (without their text) this long


def dump(reply: Reply) -> str:
    return json.dumps(
        {
            "text": reply.text,
            "lang": reply.lang,
            "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons],
            "replace": reply.replace,
            "attachments": [[a.filename, base64.b64encode(a.data).decode("ascii"), a.mime] for a in reply.attachments],
        },
        ensure_ascii=False,
    )


def load(body: str) -> Reply:
    data: dict[str, Any] = json.loads(body)
    return Reply(
        text=data["text"],
        lang=data["lang"],
        buttons=tuple(tuple(Button(label, action) for label, action in row) for row in data["buttons"]),
        replace=bool(data["replace"]),
        attachments=tuple(Attachment(name, base64.b64decode(raw), mime) for name, raw, mime in data["attachments"]),
    )


@dataclass
class Answers:
    """What handling one update answers, collected while it is handled and stored when it completes."""

    drafts: list[ReplyDraft] = field(default_factory=list)

    def to_person(self, channel: str, user_id: str, replies: Sequence[Reply], edit_message: int | None = None) -> None:
        """Answer a person; `edit_message`: the menu they pressed, replaced by the first reply where it can be."""
        for index, reply in enumerate(replies):
            edit = edit_message if index == 0 and reply.replace else None
            self.drafts.append(ReplyDraft(channel, user_id, None, edit, dump(reply)))

    def to_staff(
        self, chat: int, replies: Sequence[Reply], thread: int | None = None, edit_message: int | None = None
    ) -> None:
        for index, reply in enumerate(replies):
            edit = edit_message if index == 0 and reply.replace else None
            self.drafts.append(ReplyDraft(STAFF, str(chat), thread, edit, dump(reply)))


@dataclass
class ReplySender:
    store: Store
    clock: Clock
    boot_id: str
    staff: StaffRoom | None
    people: Mapping[str, PersonChannel]
    first_delay: float = 2.0  # seconds before the second try; doubled each time up to `max_delay`
    max_delay: float = 300.0
    after_sent: Callable[[], Awaitable[None]] | None = None  # e.g. empty the log after an erasure's reply
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: int = 0
    undeliverable: int = 0

    async def run(self, stop: asyncio.Event, tick_seconds: float) -> None:
        await repeat(self.run_once, stop, tick_seconds, "replies", self.wake)

    async def run_once(self) -> int:
        rows = await self.store.claim_replies(self.clock.now(), self.boot_id)
        await self.send(rows)
        return len(rows)

    async def send_now(self, ids: list[int]) -> None:
        """Send the replies just stored (claimed by this run already)."""
        if ids:
            await self.send(await self.store.replies_by_id(ids))

    async def send(self, rows: list[StoredReply]) -> None:
        """Each chat's replies in order; chats side by side."""
        by_chat: dict[tuple[str, str], list[StoredReply]] = {}
        for row in rows:
            by_chat.setdefault((row.channel, row.chat), []).append(row)
        await asyncio.gather(*(self._chat(chat_rows) for chat_rows in by_chat.values()))
        if rows and self.after_sent is not None:
            await self.after_sent()

    async def _chat(self, rows: list[StoredReply]) -> None:
        for index, row in enumerate(rows):
            if not await self._one(row):
                for later in rows[index + 1 :]:  # keep the order: the rest waits for the one that failed
                    await self._mark(self.store.reply_later(later.id, self._due(later)))
                return

    def _due(self, row: StoredReply) -> datetime:
        delay = min(self.first_delay * 2 ** min(row.attempts, 30), self.max_delay)
        return self.clock.now() + timedelta(seconds=delay)

    async def _one(self, row: StoredReply) -> bool:
        """False: not sent for now (tried again later)."""
        try:
            await self._show(row)
        except (Unreachable, Refused) as exc:
            log.info("reply %d undeliverable: %s", row.id, type(exc).__name__)
            self.undeliverable += 1
            await self._mark(self.store.reply_undeliverable(row.id, self.clock.now()))
            return True
        except Exception as exc:  # TryLater, and anything unexpected: the reply is kept
            if self.clock.now() - row.created_at > GIVE_UP_AFTER:
                log.warning("reply %d given up after %d tries: %s", row.id, row.attempts + 1, type(exc).__name__)
                self.undeliverable += 1
                await self._mark(self.store.reply_undeliverable(row.id, self.clock.now()))
                return True
            if not isinstance(exc, TryLater):
                log.warning("reply %d failed: %s; tried again later", row.id, type(exc).__name__)
            await self._mark(self.store.reply_later(row.id, self._due(row)))
            return False
        self.delivered += 1
        await self._mark(self.store.reply_sent(row.id, self.clock.now()))
        return True

    async def _show(self, row: StoredReply) -> None:
        reply = load(row.body)
        if row.channel == STAFF:
            if self.staff is None:
                raise Refused("no staff group here")
            if row.edit_message is not None:
                try:
                    await self.staff.edit(int(row.chat), row.edit_message, reply)
                    return
                except Refused:
                    pass  # the message cannot be edited: send it as a new one
            await self.staff.post(int(row.chat), [reply], row.thread)
            return
        channel = self.people.get(row.channel)
        if channel is None:
            raise Refused(f"no channel {row.channel} here")
        await channel.answer(row.chat, [reply], row.edit_message)

    @staticmethod
    async def _mark(marking: Any) -> None:
        try:
            await marking
        except StoreUnavailable as exc:
            # Left as it is: sent again by the next run (a possible duplicate), never lost.
            log.error("a reply's state was not saved: the database is %s", exc.cause)

    async def prune(self) -> int:
        return await self.store.prune_replies(self.clock.now() - KEEP)
