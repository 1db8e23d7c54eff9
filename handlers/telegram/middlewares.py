"""One middleware per concern: retrying Bot API calls, handling each update once, finishing before a stop."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot.clock import Clock
from bot.models import Actor
from bot.ports import Store

log = logging.getLogger(__name__)


class RetryRequests(BaseRequestMiddleware):
    """Retry a Bot API call on network errors, 5xx and 429 (after `retry_after`, which pauses all sending).

    getUpdates is left alone: aiogram's polling loop has its own backoff.
    """

    def __init__(self, attempts: int = 6, first_delay: float = 0.5, max_delay: float = 30.0):
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self._resume_at = 0.0  # loop time before which no call is made (after a 429)

    async def _wait_for_pause(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self._resume_at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            await self._wait_for_pause()
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                log.warning("%s: 429, retry after %ss (attempt %d)", method.__api_method__, exc.retry_after, attempt)
                loop = asyncio.get_running_loop()
                self._resume_at = max(self._resume_at, loop.time() + exc.retry_after)
                if attempt == self.attempts:
                    raise
            except (TelegramNetworkError, TelegramServerError) as exc:
                log.warning("%s: %s (attempt %d)", method.__api_method__, type(exc).__name__, attempt)
                if attempt == self.attempts:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
        raise AssertionError("unreachable")


class InFlight(BaseMiddleware):
    """Counts updates being handled, so a stop can wait for them to finish."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, grace_seconds: float) -> bool:
        try:
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
            return True
        except TimeoutError:
            return False


class OncePerUpdate(BaseMiddleware):
    """Claim each update in the store before handling it.

    A duplicate delivery (same update_id: a webhook retry, a restart before the offset was confirmed) is
    skipped; an update a crashed run had claimed but not finished is handled again by the next run.
    """

    def __init__(self, store: Store, clock: Clock, channel: str, boot_id: str):
        self.store = store
        self.clock = clock
        self.channel = channel
        self.boot_id = boot_id

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        payload = event.model_dump_json(exclude_none=True)
        claimed = await self.store.claim_update(self.channel, event.update_id, payload, self.boot_id, self.clock.now())
        if not claimed:
            log.info("update %d delivered again: skipped", event.update_id)
            return UNHANDLED
        ok = False
        try:
            result = await handler(event, data)
            ok = True
            return result
        finally:
            await self.store.finish_update(self.channel, event.update_id, ok, self.clock.now())


class StaffOnly(BaseMiddleware):
    """Staff handlers run only for members of the staff group (and, when an allow-list is set, only for
    the ids on it). Membership is asked from Telegram and trusted for `ttl_seconds` only, so someone
    removed from the group loses access within that time. The staff member reaches handlers as `actor`.
    """

    def __init__(self, clock: Clock, allowed: frozenset[int], refusal: str, ttl_seconds: float = 60.0):
        self.clock = clock
        self.allowed = allowed
        self.refusal = refusal
        self.ttl_seconds = ttl_seconds
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_staff(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        if self.allowed and user_id not in self.allowed:
            return False
        now = self.clock.now().timestamp()
        known = self._known.get((chat_id, user_id))
        if known is not None and now - known[1] < self.ttl_seconds:
            return known[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
            is_member = member.status in ("creator", "administrator", "member") or bool(
                getattr(member, "is_member", False)
            )
        except TelegramBadRequest:
            is_member = False
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[(chat_id, user_id)] = (is_member, now)
        return is_member

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user, chat, bot = data.get("event_from_user"), data.get("event_chat"), data["bot"]
        if user is None or chat is None or (user.is_bot and not self._anonymous_admin(event, chat.id)):
            return None
        if self._anonymous_admin(event, chat.id):
            allowed = not self.allowed  # an anonymous admin cannot be matched against the allow-list
        else:
            allowed = await self.is_staff(bot, chat.id, user.id)
        if allowed:
            data["actor"] = Actor(str(user.id), user.full_name)
            return await handler(event, data)
        log.info("staff handler refused: not a member of the staff group or not on the allow-list")
        if isinstance(event, CallbackQuery):
            await event.answer(self.refusal, show_alert=True)
        elif isinstance(event, Message) and ((event.text or "").startswith("/") or event.is_topic_message):
            await bot.send_message(chat.id, self.refusal, message_thread_id=event.message_thread_id)
        return None

    @staticmethod
    def _anonymous_admin(event: TelegramObject, chat_id: int) -> bool:
        return isinstance(event, Message) and event.sender_chat is not None and event.sender_chat.id == chat_id
