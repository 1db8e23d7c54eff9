"""People: who wrote to the bot, their language, office, consent, ban, and their topic in the staff group."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.models import LanguageSource, Person
from storage.sqlite.base import SqliteBase, at, ts


def person(row: Any) -> Person:
    return Person(
        id=row["id"],
        channel=row["channel"],
        user_id=row["user_id"],
        language=row["language"],
        language_source=row["language_source"],
        office_id=row["office_id"],
        created_at=at(row["created_at"]),
        last_seen_at=at(row["last_seen_at"]),
        staff_mode=bool(row["staff_mode"]),
        news=None if row["news"] is None else bool(row["news"]),
        banned=row["banned_at"] is not None,
        ban_told=bool(row["ban_told"]),
        consents=frozenset((row["consents"] or "").split(",")) - {""},
    )


class PeopleRows(SqliteBase):
    async def get_person(self, channel: str, user_id: str) -> Person | None:
        row = await self._one(
            "SELECT *, (SELECT group_concat(purpose) FROM consents WHERE person_id = people.id) AS consents"
            " FROM people WHERE channel = ? AND user_id = ?",
            (channel, user_id),
        )
        return person(row) if row else None

    async def person_by_id(self, person_id: int) -> Person | None:
        row = await self._one(
            "SELECT *, (SELECT group_concat(purpose) FROM consents WHERE person_id = people.id) AS consents"
            " FROM people WHERE id = ?",
            (person_id,),
        )
        return person(row) if row else None

    async def create_person(
        self, channel: str, user_id: str, language: str, source: LanguageSource, now: datetime
    ) -> Person:
        # INSERT OR IGNORE: two first messages of the same person at once must not create two people.
        async with self.transaction():
            await self._write(
                "INSERT OR IGNORE INTO people (channel, user_id, language, language_source, created_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                (channel, user_id, language, source, ts(now), ts(now)),
            )
            found = await self.get_person(channel, user_id)
        assert found is not None
        return found

    async def set_language(self, person_id: int, language: str, source: LanguageSource) -> None:
        await self._write(
            "UPDATE people SET language = ?, language_source = ? WHERE id = ?", (language, source, person_id)
        )

    async def set_office(self, person_id: int, office_id: str | None) -> None:
        await self._write("UPDATE people SET office_id = ? WHERE id = ?", (office_id, person_id))

    async def touch(self, person_id: int, now: datetime) -> None:
        await self._write("UPDATE people SET last_seen_at = ? WHERE id = ?", (ts(now), person_id))

    async def set_staff_mode(self, person_id: int, on: bool) -> None:
        await self._write("UPDATE people SET staff_mode = ? WHERE id = ?", (int(on), person_id))

    async def set_banned(self, person_id: int, banned: bool, now: datetime) -> None:
        await self._write(
            "UPDATE people SET banned_at = ?, ban_told = 0 WHERE id = ?", (ts(now) if banned else None, person_id)
        )

    async def mark_ban_told(self, person_id: int) -> None:
        await self._write("UPDATE people SET ban_told = 1 WHERE id = ?", (person_id,))

    async def set_inactive(self, person_id: int, now: datetime | None) -> None:
        await self._write("UPDATE people SET inactive_at = ? WHERE id = ?", (ts(now) if now else None, person_id))

    async def set_news(self, person_id: int, wanted: bool) -> None:
        await self._write("UPDATE people SET news = ? WHERE id = ?", (int(wanted), person_id))

    async def give_consent(self, person_id: int, purposes: Iterable[str], now: datetime) -> None:
        await self._many(
            "INSERT OR IGNORE INTO consents (person_id, purpose, given_at) VALUES (?, ?, ?)",
            [(person_id, str(purpose), ts(now)) for purpose in purposes],
        )

    async def topic_of(self, person_id: int) -> tuple[int, int] | None:
        row = await self._one("SELECT topic_chat, topic_thread FROM people WHERE id = ?", (person_id,))
        if not row or row["topic_thread"] is None:
            return None
        return int(row["topic_chat"]), int(row["topic_thread"])

    async def set_topic(self, person_id: int, chat: int | None, thread: int | None) -> None:
        await self._write("UPDATE people SET topic_chat = ?, topic_thread = ? WHERE id = ?", (chat, thread, person_id))

    async def person_by_topic(self, chat: int, thread: int) -> Person | None:
        row = await self._one(
            "SELECT *, (SELECT group_concat(purpose) FROM consents WHERE person_id = people.id) AS consents"
            " FROM people WHERE topic_chat = ? AND topic_thread = ?",
            (chat, thread),
        )
        return person(row) if row else None

    async def record_activity(self, person_id: int, day: str, kind: str = "chat") -> None:
        """The person wrote to the bot on `day` (local date): one row per day, with their office and language."""
        await self._write(
            "INSERT INTO activity (person_id, day, kind, office_id, language)"
            " SELECT id, ?, ?, COALESCE(office_id, ''), language FROM people WHERE id = ?"
            " ON CONFLICT (person_id, day, kind) DO UPDATE SET office_id = excluded.office_id,"
            " language = excluded.language",
            (day, kind, person_id),
        )
