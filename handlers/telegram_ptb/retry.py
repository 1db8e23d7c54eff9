"""Retrying Bot API calls on python-telegram-bot: PTB's own seam for it is the bot's rate limiter.

The same rules as the aiogram channel's RetryRequests: network errors, time-outs and 5xx are retried with a
growing pause; a 429 pauses all sending for `retry_after`, then the call is made again. getUpdates never
passes here (PTB leaves it out of rate limiting; the receiving loop has its own backoff), and
answerCallbackQuery is not retried.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


def retry_seconds(exc: RetryAfter) -> float:
    # PTB 22 keeps it as a timedelta; its public `retry_after` warns that its type will change (v22.2).
    value = exc._retry_after if hasattr(exc, "_retry_after") else exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryRequests(BaseRateLimiter[None]):
    def __init__(self, attempts: int = 6, first_delay: float = 0.5, max_delay: float = 30.0):
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._resume_at = 0.0  # loop time before which no call is made (after a 429)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def _wait_for_pause(self) -> None:
        delay = self._resume_at - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint == "answerCallbackQuery":
            # As on aiogram: it only stops a button's spinner, and a late answer is refused anyway.
            return await callback(*args, **kwargs)
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            await self._wait_for_pause()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                log.warning("%s: 429, retry after %ss (attempt %d)", endpoint, seconds, attempt)
                loop = asyncio.get_running_loop()
                self._resume_at = max(self._resume_at, loop.time() + seconds)
                if attempt == self.attempts:
                    raise
            except BadRequest:
                raise  # PTB's BadRequest is a NetworkError; a refused call is not retried
            except NetworkError as exc:  # also TimedOut, and every 5xx
                log.warning("%s: %s (attempt %d)", endpoint, type(exc).__name__, attempt)
                if attempt == self.attempts:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
        raise AssertionError("unreachable")
