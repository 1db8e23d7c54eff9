"""The SQLite store (one file, aiosqlite). Every statement is parameterised."""

from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.models import LanguageSource, Person
from storage.migrate import migrate


def _ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.isoformat()


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        id=row["id"],
        channel=row["channel"],
        user_id=row["user_id"],
        language=row["language"],
        language_source=row["language_source"],
        office_id=row["office_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        last_seen_at=datetime.fromisoformat(row["last_seen_at"]),
    )


class SqliteStore:
    def __init__(self, db: aiosqlite.Connection, path: str):
        self._db = db
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> "SqliteStore":
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA busy_timeout = 5000")
        await migrate(db)
        return cls(db, str(path))

    async def close(self) -> None:
        await self._db.close()

    async def get_person(self, channel: str, user_id: str) -> Person | None:
        async with self._db.execute(
            "SELECT * FROM people WHERE channel = ? AND user_id = ?", (channel, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        return _person(row) if row else None

    async def create_person(
        self, channel: str, user_id: str, language: str, source: LanguageSource, now: datetime
    ) -> Person:
        # INSERT OR IGNORE: two first messages of the same person at once must not create two people.
        await self._db.execute(
            "INSERT OR IGNORE INTO people (channel, user_id, language, language_source, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (channel, user_id, language, source, _ts(now), _ts(now)),
        )
        person = await self.get_person(channel, user_id)
        assert person is not None
        return person

    async def set_language(self, person_id: int, language: str, source: LanguageSource) -> None:
        await self._db.execute(
            "UPDATE people SET language = ?, language_source = ? WHERE id = ?", (language, source, person_id)
        )

    async def set_office(self, person_id: int, office_id: str | None) -> None:
        await self._db.execute("UPDATE people SET office_id = ? WHERE id = ?", (office_id, person_id))

    async def touch(self, person_id: int, now: datetime) -> None:
        await self._db.execute("UPDATE people SET last_seen_at = ? WHERE id = ?", (_ts(now), person_id))

    async def add_unresolved(
        self,
        person_id: int | None,
        text: str,
        language: str,
        office_id: str | None,
        reason: str,
        now: datetime,
    ) -> int:
        async with self._db.execute(
            "INSERT INTO unresolved_questions (person_id, text, language, office_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (person_id, text, language, office_id, reason, _ts(now)),
        ) as cursor:
            return int(cursor.lastrowid or 0)

    async def list_unresolved(self, limit: int = 100) -> list[dict[str, object]]:
        async with self._db.execute(
            "SELECT id, person_id, text, language, office_id, reason, created_at"
            " FROM unresolved_questions ORDER BY id DESC LIMIT ?",
            (limit,),
        ) as cursor:
            return [dict(row) for row in await cursor.fetchall()]

    async def claim_update(self, channel: str, update_id: int, payload: str, boot_id: str, now: datetime) -> bool:
        """Claim an update for handling. False: it was handled already, or is being handled by this run."""
        async with self._db.execute(
            "INSERT INTO inbox (channel, update_id, state, payload, boot_id, received_at)"
            " VALUES (?, ?, 'processing', ?, ?, ?)"
            " ON CONFLICT (channel, update_id) DO UPDATE SET boot_id = excluded.boot_id,"
            " received_at = excluded.received_at"
            " WHERE inbox.state = 'processing' AND inbox.boot_id != excluded.boot_id",
            (channel, update_id, payload, boot_id, _ts(now)),
        ) as cursor:
            return cursor.rowcount > 0

    async def finish_update(self, channel: str, update_id: int, ok: bool, now: datetime) -> None:
        await self._db.execute(
            "UPDATE inbox SET state = ?, payload = NULL, finished_at = ? WHERE channel = ? AND update_id = ?",
            ("done" if ok else "failed", _ts(now), channel, update_id),
        )

    async def unfinished_updates(self, channel: str, boot_id: str) -> list[tuple[int, str]]:
        """Updates a previous run claimed but did not finish (it stopped or crashed while handling them)."""
        async with self._db.execute(
            "SELECT update_id, payload FROM inbox WHERE channel = ? AND state = 'processing' AND boot_id != ?"
            " AND payload IS NOT NULL ORDER BY update_id",
            (channel, boot_id),
        ) as cursor:
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    async def prune_updates(self, before: datetime) -> int:
        async with self._db.execute(
            "DELETE FROM inbox WHERE state != 'processing' AND received_at < ?", (_ts(before),)
        ) as cursor:
            return cursor.rowcount
