"""The connection every part of the SQLite store shares, and how statements and transactions use it.

One aiosqlite connection serves every coroutine. Every statement and every transaction runs under one lock,
owned by one task at a time: a statement of one coroutine must never land inside another's open
transaction, and a read must not see another coroutine's half-done unit of work. Inside its own
transaction a task runs without waiting for the lock (it holds it), and nested transactions are savepoints.
"""

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.ports import StoreUnavailable
from storage.migrate import migrate
from storage.timestamps import utc_text

# aiosqlite logs every statement with its parameters at DEBUG: that would put people's messages into the
# logs whenever someone turns on debug logging. Our logs never carry message text or names.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

DEFAULT_TIMEZONE = ZoneInfo("Europe/Berlin")

ts = utc_text


# SQLite's own words for the faults that pass (another process holds the lock, the disk is full, the file or
# its folder is read-only): the update or message at hand is kept and done again when the store is back.
_PASSING = (
    ("database is locked", "locked by another process"),
    ("database table is locked", "locked by another process"),
    ("database or disk is full", "disk full"),
    ("readonly database", "read-only"),
    ("disk i/o error", "disk I/O error"),
    ("unable to open database file", "cannot be opened"),
)


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """The passing fault `exc` stands for, if it is one."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if isinstance(exc, sqlite3.OperationalError | OSError):
        words = str(exc).lower()
        for pattern, cause in _PASSING:
            if pattern in words:
                return StoreUnavailable(cause)
        if isinstance(exc, OSError) and exc.errno == 28:  # ENOSPC
            return StoreUnavailable("disk full")
    return None


def when(value: str | None) -> datetime | None:
    """A stored timestamp (ISO 8601, UTC) as an aware datetime."""
    return None if value is None else datetime.fromisoformat(value)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class SqliteBase:
    def __init__(self, db: aiosqlite.Connection, path: str, timezone: ZoneInfo = DEFAULT_TIMEZONE):
        self._db = db
        self.path = path
        self.figures_timezone = timezone  # months of the figures are counted in the offices' zone
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._savepoints = 0
        self._in_transaction = False

    @classmethod
    async def connect(cls, path: str | Path) -> aiosqlite.Connection:
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process loses
            # nothing committed; only a power cut may lose the last moments (never corrupts the file).
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # Deleted rows are overwritten with zeros, in the file and in the log: an erased person is not
            # left in free pages (some builds of SQLite do this by default, most do not).
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            await migrate(db)
        except BaseException:
            await db.close()  # a failed start must not leave the connection's thread behind
            raise
        return db

    async def close(self) -> None:
        await self._db.close()

    def _mine(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """Hold the connection for this task (at once if it holds it already)."""
        if self._mine():
            yield
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                yield
            except (sqlite3.OperationalError, OSError) as exc:
                fault = unavailable(exc)
                if fault is None:
                    raise
                raise fault from exc
            finally:
                self._owner = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A unit of work: everything inside commits together or not at all (see bot/ports.py)."""
        async with self._exclusive():
            if self._in_transaction:
                self._savepoints += 1
                name = f"sp{self._savepoints}"
                await self._db.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    await self._db.execute(f"ROLLBACK TO {name}")
                    await self._db.execute(f"RELEASE {name}")
                    raise
                else:
                    await self._db.execute(f"RELEASE {name}")
                finally:
                    self._savepoints -= 1
                return
            await self._db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._in_transaction = False
                await self._db.rollback()
                raise
            self._in_transaction = False
            try:
                await self._db.commit()
            except BaseException:
                # A commit refused (disk full, locked) leaves the transaction open: end it, or every later
                # BEGIN fails.
                with contextlib.suppress(sqlite3.Error):
                    await self._db.rollback()
                raise

    async def _write(self, sql: str, params: tuple = ()) -> aiosqlite.Cursor:
        async with self._exclusive():
            return await self._db.execute(sql, params)

    async def _many(self, sql: str, params: list[tuple]) -> None:
        async with self._exclusive():
            await self._db.executemany(sql, params)

    async def _rows(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        # One trip to aiosqlite's thread instead of three (execute, fetch, close): each trip costs ~70 µs of
        # CPU in thread hand-offs, far more than the statement itself (bench/updates.py).
        async with self._exclusive():
            rows = await self._db.execute_fetchall(sql, params)
        return [dict(row) for row in rows]

    async def _one(self, sql: str, params: tuple = ()) -> dict[str, Any] | None:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None

    async def _count(self, sql: str, params: tuple = ()) -> int:
        """A write's number of changed rows."""
        cursor = await self._write(sql, params)
        return cursor.rowcount
