"""Each update a channel receives is handled once: claimed in the store before it is handled.

A duplicate delivery (the same update id: a webhook retry, a restart before the offset was confirmed) is
skipped; an update a crashed run had claimed but not finished is handed back at the next start.
"""

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.ports import Store
from bot.records import ReplyDraft

KEEP = timedelta(days=7)  # finished updates are remembered this long (for duplicates), then forgotten


@dataclass
class Inbox:
    store: Store
    clock: Clock
    channel: str  # the channel and account, e.g. "telegram:<bot id>"
    boot_id: str

    async def claim(self, update_id: int, payload: str) -> bool:
        """True: handle it now. False: handled already, or being handled by this run."""
        return await self.store.claim_update(self.channel, update_id, payload, self.boot_id, self.clock.now())

    async def claim_batch(self, updates: list[tuple[int, str]]) -> list[int]:
        """Claim a polled batch at once (one transaction); the ids to handle now."""
        return await self.store.claim_updates(self.channel, updates, self.boot_id, self.clock.now())

    async def complete(self, update_id: int, replies: list[ReplyDraft]) -> list[int]:
        """Store the update's replies and mark it done, in one transaction; the replies' ids."""
        return await self.store.complete_update(self.channel, update_id, replies, self.boot_id, self.clock.now())

    async def finish(self, update_id: int, ok: bool) -> None:
        await self.store.finish_update(self.channel, update_id, ok, self.clock.now())

    async def unfinished(self) -> list[tuple[int, str]]:
        """(update id, payload) of updates an earlier run claimed and did not finish, oldest first."""
        return await self.store.unfinished_updates(self.channel, self.boot_id)

    async def prune(self) -> int:
        return await self.store.prune_updates(self.clock.now() - KEEP)
