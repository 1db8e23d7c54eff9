"""The background loops (outbox, relay, announcements, retention) share one way of waiting for work."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def repeat(
    work: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    seconds: float,
    name: str,
    wake: asyncio.Event | None = None,
) -> None:
    """Run `work` until `stop`: again every `seconds`, or at once when `wake` is set.

    A failing round is logged by its kind only and the loop goes on: stored work is retried next round.
    """
    while not stop.is_set():
        if wake is not None:
            wake.clear()  # before the round: a wake during the round is not lost
        try:
            await work()
        except Exception as exc:
            log.error("%s round failed: %s", name, type(exc).__name__)
        waiters = [asyncio.create_task(stop.wait())]
        if wake is not None:
            waiters.append(asyncio.create_task(wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()  # never leave a waiting task behind, round after round
