"""Retrying Bot API calls on python-telegram-bot: PTB's own seam for it is the bot's rate limiter; the rules
are the ones both adapters share (handlers/telegram/retrying.py). getUpdates never passes here (PTB leaves it
out of rate limiting)."""

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from handlers.telegram.retrying import PASSING, Retrying


def retry_seconds(exc: RetryAfter) -> float:
    # PTB 22 keeps it as a timedelta; its public `retry_after` warns that its type will change (v22.2).
    value = exc._retry_after if hasattr(exc, "_retry_after") else exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def failure(exc: BaseException) -> float | str | None:
    """A failed call as handlers/telegram/retrying.py sorts them."""
    if isinstance(exc, RetryAfter):
        return retry_seconds(exc)
    if isinstance(exc, BadRequest):
        return None  # PTB's BadRequest is a NetworkError; a refused call is not retried
    return PASSING if isinstance(exc, NetworkError) else None  # NetworkError: also TimedOut, and every 5xx


class RetryRequests(BaseRateLimiter[None]):
    def __init__(self, attempts: int = 6, first_delay: float = 0.5, max_delay: float = 30.0):
        self.rules = Retrying(attempts, first_delay, max_delay)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        return await self.rules.call(endpoint, lambda: callback(*args, **kwargs), failure)
