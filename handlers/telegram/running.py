"""How both Telegram adapters run, said once (library-free): long polling through the core's receiving, the
webhook through the shared server, updates left unfinished by a previous run, and a stop that lets the
updates in progress finish."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bot.receiving import Fetch, Receiving
from handlers.telegram.webhook import SHUTDOWN_GRACE_SECONDS, serve_webhook

log = logging.getLogger(__name__)
Feed = Callable[..., Awaitable[None]]  # a channel's feed(update_id, payload, claimed=True)


class InFlight:
    """Counts updates being handled, so a stop can wait for them to finish."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def one(self) -> AsyncIterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> bool:
        try:
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
            return True
        except TimeoutError:
            return False


async def resume_unfinished(receiving: Receiving, feed: Feed) -> int:
    """Handle again the updates a previous run claimed (or stored from a batch) but did not finish."""
    pending = await receiving.inbox.unfinished()
    for update_id, payload in pending:
        await feed(update_id, payload, claimed=False)
    if pending:
        log.info("handled %d updates left unfinished by the previous run", len(pending))
    return len(pending)


def chat_of(payload: str) -> str | None:
    """The chat a Telegram update belongs to (its messages are handled in order), from the raw JSON."""
    try:
        update = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(update, dict):
        return None
    for kind in ("message", "edited_message", "callback_query", "my_chat_member", "chat_member", "message_reaction"):
        event = update.get(kind)
        if not isinstance(event, dict):
            continue
        chat = event.get("chat") or (event.get("message") or {}).get("chat") or event.get("from")
        if isinstance(chat, dict) and chat.get("id") is not None:
            return str(chat["id"])
    return None


async def poll(
    receiving: Receiving, fetch: Fetch, feed: Feed, stop: asyncio.Event, tick_seconds: float, in_flight: InFlight
) -> None:
    """Long polling until `stop` (not the library's loop: it confirms a batch before its updates are stored,
    bot/receiving.py), then the updates in progress finish."""
    await asyncio.gather(
        receiving.poll(fetch, feed, stop, order_key=chat_of), receiving.run_retries(feed, stop, tick_seconds)
    )
    await receiving.settle()
    if not await in_flight.wait_idle():
        log.warning("stopping with %d updates unfinished; they are resumed at the next start", in_flight.count)


async def serve(
    runner: Any, receiving: Receiving, feed: Feed, stop: asyncio.Event, tick_seconds: float, in_flight: InFlight
) -> None:
    """The webhook until `stop`, then the updates in progress finish."""
    try:
        await serve_webhook(runner, receiving, feed, stop, tick_seconds)
    finally:
        await in_flight.wait_idle()
