"""One middleware per concern: retrying Bot API calls, handling each update once, finishing before a stop."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject, Update

from bot.access import StaffAccess
from bot.models import Actor
from bot.receiving import Receiving
from bot.replies import Answers
from handlers.telegram.retrying import PASSING, Retrying
from handlers.telegram.running import InFlight

log = logging.getLogger(__name__)


def failure(exc: BaseException) -> float | str | None:
    """A failed call as handlers/telegram/retrying.py sorts them."""
    if isinstance(exc, TelegramRetryAfter):
        return float(exc.retry_after)
    return PASSING if isinstance(exc, TelegramNetworkError | TelegramServerError) else None


class RetryRequests(BaseRequestMiddleware):
    """Retry a Bot API call on network errors, 5xx and 429, by the rules both adapters share."""

    def __init__(self, attempts: int = 6, first_delay: float = 0.5, max_delay: float = 30.0):
        self.rules = Retrying(attempts, first_delay, max_delay)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        return await self.rules.call(method.__api_method__, lambda: make_request(bot, method), failure)


class Counted(BaseMiddleware):
    """Counts the updates being handled (handlers/telegram/running.py), so a stop can wait for them."""

    def __init__(self, in_flight: InFlight):
        self.in_flight = in_flight

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.in_flight.one():
            return await handler(event, data)


class OncePerUpdate(BaseMiddleware):
    """Each update is handled once (bot/receiving.py): claimed before it is handled (unless its polled batch
    was claimed already: `claimed=True`), its replies collected in `answers` (a handler's argument) and
    stored together with its completion. A duplicate is skipped."""

    def __init__(self, receiving: Receiving):
        self.receiving = receiving

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        claimed = bool(data.pop("claimed", False))
        payload = data.pop("payload", None) or event.model_dump_json(exclude_none=True)
        result: Any = UNHANDLED

        async def work(answers: Answers) -> None:
            nonlocal result
            data["answers"] = answers
            result = await handler(event, data)

        if not await self.receiving.handle(event.update_id, payload, work, claimed):
            log.info("update %d delivered again: skipped", event.update_id)
            return UNHANDLED
        return result


class StaffOnly(BaseMiddleware):
    """Staff handlers run only for those the core's staff access allows (bot/access.py); Telegram is asked
    whether they are members of the group. The staff member reaches handlers as `actor`."""

    def __init__(self, access: StaffAccess, refusal: str):
        self.access = access
        self.refusal = refusal

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user, chat, bot = data.get("event_from_user"), data.get("event_chat"), data["bot"]
        anonymous_admin = self._anonymous_admin(event, chat.id) if chat is not None else False
        if user is None or chat is None or (user.is_bot and not anonymous_admin):
            return None
        if anonymous_admin:
            allowed = self.access.allows_anonymous_admin()
        else:
            allowed = await self.access.allows(chat.id, user.id, lambda: _is_member(bot, chat.id, user.id))
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


async def _is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramBadRequest:
        return False
    return member.status in ("creator", "administrator", "member") or bool(getattr(member, "is_member", False))
