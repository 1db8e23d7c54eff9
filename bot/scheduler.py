"""Send what is due from the outbox: reminders, notices, the morning agenda.

Each message was stored before it is sent; it is claimed by this run, rendered, sent, then marked. A run
that dies in between leaves it claimed, and the next run takes it over: nothing due is ever dropped.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock
from bot.models import Outgoing
from bot.notices import Notices
from bot.ports import Store
from bot.records import OutboxItem, SendState

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


class Undeliverable(Exception):
    """The channel cannot deliver this message at all (no staff group configured, person on another channel)."""


Send = Callable[[Outgoing], Awaitable[None]]


@dataclass
class Scheduler:
    store: Store
    notices: Notices
    clock: Clock
    boot_id: str

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
            if row.attempts >= MAX_ATTEMPTS:
                await self.store.finish_outbox(row.id, SendState.FAILED, self.clock.now())
            else:
                await self.store.release_outbox(row.id)
            return
        await self.store.finish_outbox(row.id, SendState.SENT if messages else SendState.SKIPPED, self.clock.now())
