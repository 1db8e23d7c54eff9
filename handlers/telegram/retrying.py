"""How both Telegram adapters retry a failed Bot API call; the adapters only say what a failure is.

Network errors, time-outs and 5xx pass: the call is made again after a growing pause (doubling up to
`max_delay`, `attempts` tries in all). A 429 pauses all sending for its `retry_after`, then the call is made
again. Any other failure (a refused call) is raised at once. getUpdates and answerCallbackQuery are never
retried: the receiving loop has its own backoff, and a button's spinner answered late is refused anyway.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
NOT_RETRIED = frozenset({"getUpdates", "answerCallbackQuery"})
PASSING = "passing"  # what `failure` says of a network error, a time-out or a 5xx


class Retrying:
    def __init__(self, attempts: int = 6, first_delay: float = 0.5, max_delay: float = 30.0):
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._resume_at = 0.0  # loop time before which no call is made (after a 429)

    async def call(
        self, method: str, make: Callable[[], Awaitable[T]], failure: Callable[[BaseException], float | str | None]
    ) -> T:
        """`make()` until it succeeds; `failure(exc)`: seconds to wait for a 429, PASSING, or None (raise)."""
        if method in NOT_RETRIED:
            return await make()
        loop = asyncio.get_running_loop()
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            pause = self._resume_at - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                return await make()
            except Exception as exc:
                kind = failure(exc)
                if kind is None or attempt == self.attempts:
                    raise
                if kind == PASSING:
                    log.warning("%s: %s (attempt %d)", method, type(exc).__name__, attempt)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_delay)
                else:
                    seconds = float(kind)
                    log.warning("%s: 429, retry after %ss (attempt %d)", method, seconds, attempt)
                    self._resume_at = max(self._resume_at, loop.time() + seconds)
        raise AssertionError("unreachable")
