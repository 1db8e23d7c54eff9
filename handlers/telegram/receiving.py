"""Long polling as the core's receiving needs it (bot/receiving.py): the raw updates of a getUpdates call.

aiogram's own polling confirms a batch (the next getUpdates' offset) while its updates are still only
tasks, and parses the whole batch at once: one update it cannot read fails every call. Here getUpdates
gives JSON objects; the core stores each batch before the offset moves on, and each update is parsed
alone (`parse`: None when aiogram cannot read it).
"""

from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError

from bot.receiving import Fetch


class RawGetUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates, its result left as JSON objects."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


def fetcher(bot: Bot, polling_timeout: int, allowed_updates: list[str]) -> Fetch:
    async def fetch(offset: int | None) -> list[Any]:
        method = RawGetUpdates(offset=offset, timeout=polling_timeout, allowed_updates=allowed_updates)
        # The request waits up to the polling timeout on top of the session's own.
        return await bot(method, request_timeout=int(bot.session.timeout + polling_timeout))

    return fetch


def parse(bot: Bot, payload: str) -> Update | None:
    try:
        return Update.model_validate_json(payload, context={"bot": bot})
    except ValidationError:
        return None  # its error names the fields and values: the person's data, never logged
