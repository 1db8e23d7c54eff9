"""Persistence behind the core's ports (`bot.ports`). `open_store` gives the SQLite implementation."""

from zoneinfo import ZoneInfo

from bot.ports import Store, StoreUnusable


async def open_store(path: str, timezone: ZoneInfo | None = None) -> Store:
    """The store in the file at `path`; raises `bot.ports.StoreUnusable` (one line) when the file cannot be used."""
    import sqlite3

    from storage.check import check_database, explain
    from storage.migrate import SchemaTooNew
    from storage.sqlite import SqliteStore
    from storage.sqlite.base import DEFAULT_TIMEZONE

    check_database(path)
    try:
        return await SqliteStore.open(path, timezone or DEFAULT_TIMEZONE)
    except (sqlite3.Error, OSError) as exc:  # it changed since the check, or a migration hit the limit
        raise explain(path, exc) from None
    except SchemaTooNew as exc:
        raise StoreUnusable(f"Database {path}: {exc}.") from None
