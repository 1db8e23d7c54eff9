"""Persistence behind the core's ports (`bot.ports`). `open_store` gives the SQLite implementation."""

from zoneinfo import ZoneInfo

from bot.ports import Store


async def open_store(path: str, timezone: ZoneInfo | None = None) -> Store:
    from storage.sqlite import SqliteStore
    from storage.sqlite.base import DEFAULT_TIMEZONE

    return await SqliteStore.open(path, timezone or DEFAULT_TIMEZONE)
