"""Receiving updates without losing one or doing one twice, for any channel.

The promise, step by step:

1. Long polling: every update of a batch is claimed in the inbox (stored with its payload, in one
   transaction) before the next request confirms the batch to the platform (`poll`). A process killed
   after the batch arrived finds it in the inbox at the next start (`Inbox.unfinished`) and handles it then.
   A webhook claims the update before it answers 200, so a crash before that is delivered again.
2. Handling (`handle`): the channel's work runs with an `Answers` to put its replies in; the replies are
   stored in the same transaction that marks the update done. A crash before that commit handles the
   update again; a crash after it sends only the replies not sent yet (bot/replies.py).
3. A store that is locked, full or read-only for a while: the update stays claimed, its payload is kept in
   memory and it is handled again each round until the store is back (`retry`); one log line names the
   cause. A claim of a polled batch that fails is tried again before anything is confirmed.
4. An update the channel's library cannot read is skipped: recorded as failed, counted, logged by its id
   only, and receiving goes on.

The seam for a channel: `poll(fetch, feed, stop)` with `fetch(offset)` returning the platform's raw updates
(JSON objects with an integer "update_id"), and `feed(update_id, payload)` parsing one and running it
through the channel's dispatcher, which calls `handle(update_id, payload, work, claimed=True)`.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from bot.inbox import Inbox
from bot.loops import repeat
from bot.ports import StoreUnavailable
from bot.replies import Answers, ReplySender

log = logging.getLogger(__name__)

Fetch = Callable[[int | None], Awaitable[list[Any]]]
Feed = Callable[[int, str], Awaitable[None]]
Work = Callable[[Answers], Awaitable[None]]
OrderKey = Callable[[str], str | None]  # a payload -> its conversation (None: no order to keep)


@dataclass
class Receiving:
    inbox: Inbox
    sender: ReplySender
    first_delay: float = 0.5  # pause after a failed fetch or claim, doubled up to `max_delay`
    max_delay: float = 30.0
    later: dict[int, str] = field(default_factory=dict)  # update id -> payload, kept while the store is away
    skipped: int = 0  # updates the library could not read
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _last: dict[str, asyncio.Task] = field(default_factory=dict)  # a conversation's newest update being handled

    async def handle(self, update_id: int, payload: str, work: Work, claimed: bool = False) -> bool:
        """Handle one update once. False: handled already (a duplicate delivery), nothing done.

        `claimed`: the update was claimed with its batch (long polling) or is handled again. Raises
        `StoreUnavailable` when even the claim cannot be stored (a webhook answers 500: delivered again).
        """
        if not claimed and not await self.inbox.claim(update_id, payload):
            return False
        answers = Answers()
        try:
            await work(answers)
            ids = await self.inbox.complete(update_id, answers.drafts)
        except StoreUnavailable as exc:
            if update_id not in self.later:
                log.error("update %d kept to be handled again: the database is %s", update_id, exc.cause)
            self.later[update_id] = payload
            return True
        except Exception:
            try:
                await self.inbox.finish(update_id, ok=False)
            except StoreUnavailable:
                pass  # left claimed: handled again at the next start
            self.later.pop(update_id, None)
            raise
        if self.later.pop(update_id, None) is not None:
            log.info("update %d handled: the database is back", update_id)
        await self.sender.send_now(ids)
        return True

    async def skip(self, update_id: int) -> None:
        """An update the library cannot read: recorded as failed (its payload gone), counted, never retried."""
        self.skipped += 1
        log.warning("update %d skipped: the library cannot read it (%d skipped so far)", update_id, self.skipped)
        try:
            await self.inbox.finish(update_id, ok=False)
        except StoreUnavailable as exc:
            log.error("update %d: the skip was not saved: the database is %s", update_id, exc.cause)

    async def retry(self, feed: Feed) -> int:
        """Handle again the updates kept while the store was away."""
        kept = list(self.later.items())
        for update_id, payload in kept:
            await feed(update_id, payload)
        return len(kept)

    async def run_retries(self, feed: Feed, stop: asyncio.Event, tick_seconds: float) -> None:
        await repeat(lambda: self.retry(feed), stop, tick_seconds, "kept updates")

    async def poll(self, fetch: Fetch, feed: Feed, stop: asyncio.Event, order_key: OrderKey | None = None) -> None:
        """Long polling until `stop`: fetch, claim the whole batch, only then confirm it (the next fetch).

        Updates are handled side by side, but those of one conversation (`order_key`) one after another in
        the platform's order: three answers a social worker writes quickly in a topic are stored, and so
        relayed, in the order written, whichever of them is handled faster."""
        offset: int | None = None
        delay = self.first_delay
        while not stop.is_set():
            try:
                raw = await _unless_stopped(fetch(offset), stop)
            except _Stopped:
                break
            except Exception as exc:
                log.warning("receiving failed: %s; trying again in %.1f s", type(exc).__name__, delay)
                if await _stopped_within(stop, delay):
                    break
                delay = min(delay * 2, self.max_delay)
                continue
            delay = self.first_delay
            batch = self._readable(raw)
            if not batch:
                continue
            fresh = await self._claim(batch, stop)
            if fresh is None:
                break  # stopped before the batch was stored: it is not confirmed, the platform sends it again
            offset = max(update_id for update_id, _ in batch) + 1
            for update_id, payload in batch:
                if update_id in fresh:
                    self._start(feed, update_id, payload, order_key(payload) if order_key else None)

    def _start(self, feed: Feed, update_id: int, payload: str, key: str | None) -> None:
        before = self._last.get(key) if key is not None else None
        task = asyncio.create_task(self._in_turn(before, feed, update_id, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if key is not None:
            self._last[key] = task
            task.add_done_callback(lambda done: self._last.pop(key) if self._last.get(key) is done else None)

    async def _in_turn(self, before: asyncio.Task | None, feed: Feed, update_id: int, payload: str) -> None:
        if before is not None:
            await asyncio.wait([before])  # its end, not its result: a failed update does not hold the next
        await self._feed(feed, update_id, payload)

    async def settle(self) -> None:
        """Wait for the updates being handled (after a stop)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _readable(self, raw: list[Any]) -> list[tuple[int, str]]:
        batch = []
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not is_update_id(update_id):
                self.skipped += 1
                log.warning("an update without a readable id skipped (%d skipped so far)", self.skipped)
                continue
            batch.append((update_id, json.dumps(item, ensure_ascii=False, separators=(",", ":"))))
        return batch

    async def _claim(self, batch: list[tuple[int, str]], stop: asyncio.Event) -> set[int] | None:
        delay = self.first_delay
        while True:
            try:
                return set(await self.inbox.claim_batch(batch))
            except StoreUnavailable as exc:
                log.error("%d updates not stored yet (not confirmed either): the database is %s", len(batch), exc.cause)
            if await _stopped_within(stop, delay):
                return None
            delay = min(delay * 2, self.max_delay)

    @staticmethod
    async def _feed(feed: Feed, update_id: int, payload: str) -> None:
        try:
            await feed(update_id, payload)
        except Exception as exc:
            log.error("update %d failed: %s", update_id, type(exc).__name__)


def is_update_id(value: object) -> TypeGuard[int]:
    """An update id as Telegram gives them: a non-negative integer that fits the store's 64-bit integer."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


class _Stopped(Exception):
    pass


async def _unless_stopped(work: Awaitable[list[Any]], stop: asyncio.Event) -> list[Any]:
    task = asyncio.ensure_future(work)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise _Stopped
    return task.result()


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
        return True
    except TimeoutError:
        return False
