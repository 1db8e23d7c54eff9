"""Events with their texts per language, and the people who asked to be reminded."""

from datetime import datetime

from bot.records import Event, EventStatus, NewEvent
from storage.sqlite.base import SqliteBase, at, ts


class EventRows(SqliteBase):
    async def save_event(self, event: NewEvent, now: datetime, event_id: int | None = None) -> int:
        """Create (or, with `event_id`, change) an event and its texts per language."""
        values = (
            event.office_id,
            ts(event.starts_at),
            ts(event.ends_at),
            event.place,
            event.address,
            event.registration,
            event.capacity,
        )
        async with self.transaction():
            if event_id is None:
                cursor = await self._write(
                    "INSERT INTO events (seed_key, office_id, starts_at, ends_at, place, address, registration,"
                    " capacity, status, created_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'published', ?, ?)",
                    (event.seed_key, *values, ts(now), ts(now)),
                )
                event_id = int(cursor.lastrowid or 0)
            else:
                await self._write(
                    "UPDATE events SET office_id = ?, starts_at = ?, ends_at = ?, place = ?, address = ?,"
                    " registration = ?, capacity = ?, changed_at = ? WHERE id = ?",
                    (*values, ts(now), event_id),
                )
                await self._write("DELETE FROM event_texts WHERE event_id = ?", (event_id,))
            await self._many(
                "INSERT INTO event_texts (event_id, lang, title, description) VALUES (?, ?, ?, ?)",
                [(event_id, lang, title, description) for lang, (title, description) in event.texts.items()],
            )
            return event_id

    async def event_seeded(self, seed_key: str) -> bool:
        return bool(await self._rows("SELECT 1 FROM events WHERE seed_key = ?", (seed_key,)))

    async def event(self, event_id: int) -> Event | None:
        found = await self._events("SELECT * FROM events WHERE id = ?", (event_id,))
        return found[0] if found else None

    async def upcoming_events(self, start: datetime, end: datetime) -> list[Event]:
        return await self._events(
            "SELECT * FROM events WHERE status = 'published' AND ends_at >= ? AND starts_at < ? ORDER BY starts_at",
            (ts(start), ts(end)),
        )

    async def _events(self, sql: str, params: tuple) -> list[Event]:
        async with self._exclusive():  # the events and their texts as of one moment
            rows = await self._rows(sql, params)
            texts: dict[int, dict[str, tuple[str, str]]] = {row["id"]: {} for row in rows}
            for text in await self._rows(
                "SELECT event_id, lang, title, description FROM event_texts WHERE event_id IN"
                " (SELECT value FROM json_each(?))",
                (str(list(texts)),),
            ):
                texts[text["event_id"]][text["lang"]] = (text["title"], text["description"])
        return [
            Event(
                id=row["id"],
                seed_key=row["seed_key"],
                office_id=row["office_id"],
                starts_at=at(row["starts_at"]),
                ends_at=at(row["ends_at"]),
                place=row["place"],
                address=row["address"],
                registration=row["registration"],
                capacity=row["capacity"],
                status=EventStatus(row["status"]),
                texts=texts[row["id"]],
                created_at=at(row["created_at"]),
                changed_at=at(row["changed_at"]),
            )
            for row in rows
        ]

    async def cancel_event(self, event_id: int, now: datetime) -> bool:
        return (
            await self._count(
                "UPDATE events SET status = 'cancelled', changed_at = ? WHERE id = ? AND status = 'published'",
                (ts(now), event_id),
            )
            > 0
        )

    async def add_event_reminder(self, event_id: int, person_id: int, now: datetime) -> bool:
        return (
            await self._count(
                "INSERT OR IGNORE INTO event_reminders (event_id, person_id, created_at) VALUES (?, ?, ?)",
                (event_id, person_id, ts(now)),
            )
            > 0
        )

    async def event_reminder_people(self, event_id: int) -> list[int]:
        rows = await self._rows("SELECT person_id FROM event_reminders WHERE event_id = ?", (event_id,))
        return [int(r["person_id"]) for r in rows]
