"""The SQLite store (one file, aiosqlite). Every statement is parameterised.

All writes go through one lock: the connection is shared by every coroutine, and a statement of one
coroutine must never land inside another's open transaction.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.models import LanguageSource, Person
from storage.migrate import migrate
from storage.sqlite_figures import FiguresAndLearning, add_figure_counts
from storage.timestamps import utc_text

# aiosqlite logs every statement with its parameters at DEBUG: that would put people's messages into the
# logs whenever someone turns on debug logging. Our logs never carry message text or names.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


_ts = utc_text


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
        staff_mode=bool(row["staff_mode"]),
        news=None if row["news"] is None else bool(row["news"]),
        banned=row["banned_at"] is not None,
        ban_told=bool(row["ban_told"]),
        consented=row["consent_at"] is not None,
    )


class SqliteStore(FiguresAndLearning):
    def __init__(self, db: aiosqlite.Connection, path: str):
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()

    async def _write(self, sql: str, params: tuple = ()) -> aiosqlite.Cursor:
        async with self._lock:
            return await self._db.execute(sql, params)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.rollback()
                raise
            await self._db.commit()

    async def _rows(self, sql: str, params: tuple = ()) -> list[dict]:
        async with self._db.execute(sql, params) as cursor:
            return [dict(row) for row in await cursor.fetchall()]

    @classmethod
    async def open(cls, path: str | Path) -> "SqliteStore":
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process loses nothing
        # committed; only a power cut may lose the last moments (never corrupts the file).
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA busy_timeout = 5000")
        try:
            await migrate(db)
        except BaseException:
            await db.close()  # a failed migration must not leave the connection's thread behind
            raise
        return cls(db, str(path))

    async def close(self) -> None:
        await self._db.close()

    async def get_person(self, channel: str, user_id: str) -> Person | None:
        async with self._db.execute(
            "SELECT * FROM people WHERE channel = ? AND user_id = ?", (channel, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        return _person(row) if row else None

    async def person_by_id(self, person_id: int) -> Person | None:
        async with self._db.execute("SELECT * FROM people WHERE id = ?", (person_id,)) as cursor:
            row = await cursor.fetchone()
        return _person(row) if row else None

    async def create_person(
        self, channel: str, user_id: str, language: str, source: LanguageSource, now: datetime
    ) -> Person:
        # INSERT OR IGNORE: two first messages of the same person at once must not create two people.
        await self._write(
            "INSERT OR IGNORE INTO people (channel, user_id, language, language_source, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (channel, user_id, language, source, _ts(now), _ts(now)),
        )
        person = await self.get_person(channel, user_id)
        assert person is not None
        return person

    async def set_language(self, person_id: int, language: str, source: LanguageSource) -> None:
        await self._write(
            "UPDATE people SET language = ?, language_source = ? WHERE id = ?", (language, source, person_id)
        )

    async def set_office(self, person_id: int, office_id: str | None) -> None:
        await self._write("UPDATE people SET office_id = ? WHERE id = ?", (office_id, person_id))

    async def touch(self, person_id: int, now: datetime) -> None:
        await self._write("UPDATE people SET last_seen_at = ? WHERE id = ?", (_ts(now), person_id))

    async def add_unresolved(
        self,
        person_id: int | None,
        text: str,
        language: str,
        office_id: str | None,
        reason: str,
        now: datetime,
    ) -> int:
        cursor = await self._write(
            "INSERT INTO unresolved_questions (person_id, text, language, office_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (person_id, text, language, office_id, reason, _ts(now)),
        )
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
        cursor = await self._write(
            "INSERT INTO inbox (channel, update_id, state, payload, boot_id, received_at)"
            " VALUES (?, ?, 'processing', ?, ?, ?)"
            " ON CONFLICT (channel, update_id) DO UPDATE SET boot_id = excluded.boot_id,"
            " received_at = excluded.received_at"
            " WHERE inbox.state = 'processing' AND inbox.boot_id != excluded.boot_id",
            (channel, update_id, payload, boot_id, _ts(now)),
        )
        return cursor.rowcount > 0

    async def finish_update(self, channel: str, update_id: int, ok: bool, now: datetime) -> None:
        await self._write(
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
        cursor = await self._write("DELETE FROM inbox WHERE state != 'processing' AND received_at < ?", (_ts(before),))
        return cursor.rowcount

    # -- appointments ------------------------------------------------------------------------------------------

    async def book(
        self,
        person_id: int,
        office_id: str,
        slot: datetime,
        minutes: int,
        capacity: int,
        blocked: bool,
        topic: str | None,
        interpreter: str | None,
        first_name: str | None,
        now: datetime,
        max_future: int,
        replacing: int | None = None,
    ) -> int | None:
        """Book the slot if it still has room and the person may hold another appointment; None if not.

        One INSERT ... SELECT decides and writes at once, so people pressing the last free slot together
        can never get more bookings than the capacity. `replacing` moves an appointment: the old one is
        cancelled in the same transaction, and does not count against the person's limit.
        """
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO appointments (person_id, office_id, kind, slot, minutes, topic, interpreter,"
                " first_name, status, created_at, changed_at)"
                " SELECT ?, ?, 'drop_in', ?, ?, ?, ?, ?, 'booked', ?, ?"
                " WHERE ? = 0"
                " AND (SELECT COUNT(*) FROM appointments WHERE office_id = ? AND slot = ?"
                "      AND status IN ('booked', 'attended', 'missed')) < ?"
                " AND (SELECT COUNT(*) FROM appointments WHERE person_id = ? AND status = 'booked'"
                "      AND kind = 'drop_in' AND slot > ? AND id IS NOT ?) < ?",
                (
                    person_id,
                    office_id,
                    _ts(slot),
                    minutes,
                    topic,
                    interpreter,
                    first_name,
                    _ts(now),
                    _ts(now),
                    int(blocked),
                    office_id,
                    _ts(slot),
                    capacity,
                    person_id,
                    _ts(now),
                    replacing,
                    max_future,
                ),
            )
            if cursor.rowcount == 0:
                return None
            new_id = int(cursor.lastrowid or 0)
            if replacing is not None:
                moved = await db.execute(
                    "UPDATE appointments SET status = 'cancelled', changed_at = ?"
                    " WHERE id = ? AND person_id = ? AND status = 'booked'",
                    (_ts(now), replacing, person_id),
                )
                if moved.rowcount == 0:
                    raise LookupError("the appointment to move is gone")
            return new_id

    async def slot_counts(self, office_id: str, start: datetime, end: datetime) -> dict[datetime, int]:
        rows = await self._rows(
            "SELECT slot, COUNT(*) AS n FROM appointments WHERE office_id = ? AND slot >= ? AND slot < ?"
            " AND status IN ('booked', 'attended', 'missed') GROUP BY slot",
            (office_id, _ts(start), _ts(end)),
        )
        return {datetime.fromisoformat(r["slot"]): int(r["n"]) for r in rows}

    async def appointment(self, appointment_id: int) -> dict | None:
        rows = await self._rows(
            "SELECT a.*, p.channel, p.user_id, p.language FROM appointments a JOIN people p ON p.id = a.person_id"
            " WHERE a.id = ?",
            (appointment_id,),
        )
        return rows[0] if rows else None

    async def future_appointments(self, person_id: int, now: datetime) -> list[dict]:
        return await self._rows(
            "SELECT * FROM appointments WHERE person_id = ? AND ((status = 'booked' AND slot > ?)"
            " OR status = 'requested') ORDER BY slot IS NULL, slot",
            (person_id, _ts(now)),
        )

    async def appointments_between(self, office_id: str | None, start: datetime, end: datetime) -> list[dict]:
        return await self._rows(
            "SELECT a.*, p.language, p.channel, p.user_id FROM appointments a JOIN people p ON p.id = a.person_id"
            " WHERE (? IS NULL OR a.office_id = ?) AND a.slot >= ? AND a.slot < ?"
            " AND a.status IN ('booked', 'attended', 'missed') ORDER BY a.slot, a.id",
            (office_id, office_id, _ts(start), _ts(end)),
        )

    async def cancel_appointment(self, appointment_id: int, person_id: int | None, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE appointments SET status = 'cancelled', changed_at = ?"
            " WHERE id = ? AND (? IS NULL OR person_id = ?) AND status IN ('booked', 'requested')",
            (_ts(now), appointment_id, person_id, person_id),
        )
        return cursor.rowcount > 0

    async def set_appointment_status(self, appointment_id: int, status: str, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE appointments SET status = ?, changed_at = ? WHERE id = ? AND status IN ('booked', 'attended', 'missed')",
            (status, _ts(now), appointment_id),
        )
        return cursor.rowcount > 0

    async def request_home_visit(self, person_id: int, office_id: str, first_name: str | None, now: datetime) -> int:
        existing = await self._rows(
            "SELECT id FROM appointments WHERE person_id = ? AND kind = 'home_visit' AND status = 'requested'",
            (person_id,),
        )
        if existing:
            return int(existing[0]["id"])
        cursor = await self._write(
            "INSERT INTO appointments (person_id, office_id, kind, first_name, status, created_at, changed_at)"
            " VALUES (?, ?, 'home_visit', ?, 'requested', ?, ?)",
            (person_id, office_id, first_name, _ts(now), _ts(now)),
        )
        return int(cursor.lastrowid or 0)

    async def confirm_home_visit(self, appointment_id: int, slot: datetime, minutes: int, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE appointments SET status = 'booked', slot = ?, minutes = ?, changed_at = ?"
            " WHERE id = ? AND kind = 'home_visit' AND status IN ('requested', 'booked')",
            (_ts(slot), minutes, _ts(now), appointment_id),
        )
        return cursor.rowcount > 0

    # -- blocked slots and waiting lists ---------------------------------------------------------------------

    async def block(self, office_id: str, day: str, start_time: str | None, now: datetime) -> bool:
        cursor = await self._write(
            "INSERT OR IGNORE INTO blocked_slots (office_id, day, start_time, created_at) VALUES (?, ?, ?, ?)",
            (office_id, day, start_time, _ts(now)),
        )
        return cursor.rowcount > 0

    async def unblock(self, office_id: str, day: str, start_time: str | None) -> bool:
        cursor = await self._write(
            "DELETE FROM blocked_slots WHERE office_id = ? AND day = ? AND start_time IS ?",
            (office_id, day, start_time),
        )
        return cursor.rowcount > 0

    async def blocks(self, office_id: str, first_day: str, last_day: str) -> set[tuple[str, str | None]]:
        rows = await self._rows(
            "SELECT day, start_time FROM blocked_slots WHERE office_id = ? AND day >= ? AND day <= ?",
            (office_id, first_day, last_day),
        )
        return {(r["day"], r["start_time"]) for r in rows}

    async def watch_day(self, person_id: int, office_id: str, day: str, now: datetime) -> bool:
        cursor = await self._write(
            "INSERT OR IGNORE INTO slot_watches (person_id, office_id, day, created_at) VALUES (?, ?, ?, ?)",
            (person_id, office_id, day, _ts(now)),
        )
        return cursor.rowcount > 0

    async def take_watcher(self, office_id: str, day: str, now: datetime) -> int | None:
        """The person waiting longest for this day, marked as told (each is told once)."""
        async with self._transaction() as db:
            async with db.execute(
                "SELECT id, person_id FROM slot_watches WHERE office_id = ? AND day = ? AND notified_at IS NULL"
                " ORDER BY created_at, id LIMIT 1",
                (office_id, day),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await db.execute("UPDATE slot_watches SET notified_at = ? WHERE id = ?", (_ts(now), row["id"]))
            return int(row["person_id"])

    # -- outbox ------------------------------------------------------------------------------------------------

    async def enqueue(
        self, key: str, kind: str, person_id: int | None, ref: str | None, due: datetime, now: datetime
    ) -> bool:
        cursor = await self._write(
            "INSERT OR IGNORE INTO outbox (key, kind, person_id, ref, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (key, kind, person_id, ref, _ts(due), _ts(now)),
        )
        return cursor.rowcount > 0

    async def claim_due(self, now: datetime, boot_id: str, limit: int = 50) -> list[dict]:
        """Due messages, marked as being sent by this run (a crashed run's are taken over)."""
        async with self._lock:
            return await self._rows(
                "UPDATE outbox SET state = 'sending', boot_id = ?, attempts = attempts + 1"
                " WHERE id IN (SELECT id FROM outbox WHERE due_at <= ? AND"
                " (state = 'pending' OR (state = 'sending' AND boot_id != ?)) ORDER BY due_at, id LIMIT ?)"
                " RETURNING *",
                (boot_id, _ts(now), boot_id, limit),
            )

    async def finish_outbox(self, outbox_id: int, state: str, now: datetime) -> None:
        await self._write("UPDATE outbox SET state = ?, sent_at = ? WHERE id = ?", (state, _ts(now), outbox_id))

    async def release_outbox(self, outbox_id: int) -> None:
        """Put a message back to be tried again later (sending failed for now)."""
        await self._write("UPDATE outbox SET state = 'pending' WHERE id = ?", (outbox_id,))

    async def outbox_rows(self) -> list[dict]:
        return await self._rows("SELECT * FROM outbox ORDER BY id")

    # -- people: staff mode, bans, topics -----------------------------------------------------------------------

    async def set_staff_mode(self, person_id: int, on: bool) -> None:
        await self._write("UPDATE people SET staff_mode = ? WHERE id = ?", (int(on), person_id))

    async def set_banned(self, person_id: int, banned: bool, now: datetime) -> None:
        await self._write(
            "UPDATE people SET banned_at = ?, ban_told = 0 WHERE id = ?", (_ts(now) if banned else None, person_id)
        )

    async def mark_ban_told(self, person_id: int) -> None:
        await self._write("UPDATE people SET ban_told = 1 WHERE id = ?", (person_id,))

    async def set_inactive(self, person_id: int, now: datetime | None) -> None:
        await self._write("UPDATE people SET inactive_at = ? WHERE id = ?", (_ts(now) if now else None, person_id))

    async def topic_of(self, person_id: int) -> tuple[int, int] | None:
        rows = await self._rows("SELECT topic_chat, topic_thread FROM people WHERE id = ?", (person_id,))
        if not rows or rows[0]["topic_thread"] is None:
            return None
        return int(rows[0]["topic_chat"]), int(rows[0]["topic_thread"])

    async def set_topic(self, person_id: int, chat: int | None, thread: int | None) -> None:
        await self._write("UPDATE people SET topic_chat = ?, topic_thread = ? WHERE id = ?", (chat, thread, person_id))

    async def person_by_topic(self, chat: int, thread: int) -> Person | None:
        async with self._db.execute(
            "SELECT * FROM people WHERE topic_chat = ? AND topic_thread = ?", (chat, thread)
        ) as cursor:
            row = await cursor.fetchone()
        return _person(row) if row else None

    # -- tickets -----------------------------------------------------------------------------------------------

    async def open_ticket(
        self, person_id: int, office_id: str | None, language: str, now: datetime, subject: str | None = None
    ) -> tuple[dict, bool]:
        """The person's open ticket, or a new one; True when it is new."""
        async with self._transaction() as db:
            async with db.execute(
                "SELECT * FROM tickets WHERE person_id = ? AND state = 'open' ORDER BY id DESC LIMIT 1", (person_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                return dict(row), False
            cursor = await db.execute(
                "INSERT INTO tickets (person_id, office_id, language, state, opened_at, subject)"
                " VALUES (?, ?, ?, 'open', ?, ?)",
                (person_id, office_id, language, _ts(now), subject),
            )
            ticket_id = cursor.lastrowid
            async with db.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)) as cursor:
                return dict(await cursor.fetchone()), True

    async def open_ticket_of(self, person_id: int) -> dict | None:
        rows = await self._rows(
            "SELECT * FROM tickets WHERE person_id = ? AND state = 'open' ORDER BY id DESC LIMIT 1", (person_id,)
        )
        return rows[0] if rows else None

    async def ticket(self, ticket_id: int) -> dict | None:
        rows = await self._rows("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return rows[0] if rows else None

    async def last_ticket_of(self, person_id: int) -> dict | None:
        rows = await self._rows("SELECT * FROM tickets WHERE person_id = ? ORDER BY id DESC LIMIT 1", (person_id,))
        return rows[0] if rows else None

    async def close_ticket(self, ticket_id: int, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE tickets SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'", (_ts(now), ticket_id)
        )
        return cursor.rowcount > 0

    async def mark_urgent(self, ticket_id: int) -> None:
        await self._write("UPDATE tickets SET urgent = 1 WHERE id = ?", (ticket_id,))

    async def note_ticket(self, ticket_id: int, note: str) -> None:
        await self._write("UPDATE tickets SET note = ? WHERE id = ?", (note, ticket_id))

    async def first_answer(self, ticket_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE tickets SET first_answer_at = ? WHERE id = ? AND first_answer_at IS NULL", (_ts(now), ticket_id)
        )

    async def rate_ticket(self, ticket_id: int, person_id: int, rating: str) -> bool:
        cursor = await self._write(
            "UPDATE tickets SET rating = ? WHERE id = ? AND person_id = ? AND state = 'closed'",
            (rating, ticket_id, person_id),
        )
        return cursor.rowcount > 0

    async def record_answer(self, person_id: int, faq_id: str, now: datetime) -> None:
        await self._write(
            "INSERT INTO answers_given (person_id, faq_id, created_at) VALUES (?, ?, ?)", (person_id, faq_id, _ts(now))
        )

    async def recent_answers(self, person_id: int, limit: int = 5) -> list[str]:
        rows = await self._rows(
            "SELECT faq_id FROM answers_given WHERE person_id = ? ORDER BY id DESC LIMIT ?", (person_id, limit)
        )
        return [r["faq_id"] for r in rows]

    async def last_unresolved(self, person_id: int) -> str | None:
        rows = await self._rows(
            "SELECT text FROM unresolved_questions WHERE person_id = ? ORDER BY id DESC LIMIT 1", (person_id,)
        )
        return rows[0]["text"] if rows else None

    # -- relay: every message between a person and staff, stored before it is sent -----------------------------

    async def add_relay(
        self,
        ticket_id: int,
        direction: str,
        kind: str,
        now: datetime,
        source_chat: int | None = None,
        source_message: int | None = None,
        reply_to: int | None = None,
        text: str | None = None,
        buttons: str | None = None,
    ) -> int | None:
        """Store a message to relay; None if this very message is stored already (delivered twice)."""
        cursor = await self._write(
            "INSERT OR IGNORE INTO relay (ticket_id, direction, kind, source_chat, source_message, reply_to, text,"
            " buttons, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, direction, kind, source_chat, source_message, reply_to, text, buttons, _ts(now)),
        )
        return int(cursor.lastrowid) if cursor.rowcount else None

    async def claim_relay(self, boot_id: str, limit: int = 20) -> list[dict]:
        """Pending messages in the order they came, marked as being sent by this run."""
        async with self._lock:
            return await self._rows(
                "UPDATE relay SET state = 'sending', boot_id = ?, attempts = attempts + 1"
                " WHERE id IN (SELECT id FROM relay WHERE state = 'pending'"
                " OR (state = 'sending' AND boot_id != ?) ORDER BY id LIMIT ?) RETURNING *",
                (boot_id, boot_id, limit),
            )

    async def finish_relay(
        self,
        relay_id: int,
        state: str,
        now: datetime,
        target_chat: int | None = None,
        target_message: int | None = None,
    ) -> None:
        await self._write(
            "UPDATE relay SET state = ?, sent_at = ?, target_chat = ?, target_message = ? WHERE id = ?",
            (state, _ts(now), target_chat, target_message, relay_id),
        )

    async def release_relay(self, relay_id: int) -> None:
        await self._write("UPDATE relay SET state = 'pending' WHERE id = ?", (relay_id,))

    async def relay_by_source(self, chat: int, message: int) -> dict | None:
        rows = await self._rows(
            "SELECT * FROM relay WHERE source_chat = ? AND source_message = ? AND kind = 'copy'", (chat, message)
        )
        return rows[0] if rows else None

    async def relay_by_target(self, chat: int, message: int) -> dict | None:
        rows = await self._rows(
            "SELECT * FROM relay WHERE target_chat = ? AND target_message = ? AND kind IN ('copy', 'text')",
            (chat, message),
        )
        return rows[0] if rows else None

    async def relay_rows(self, ticket_id: int | None = None) -> list[dict]:
        return await self._rows(
            "SELECT * FROM relay WHERE ? IS NULL OR ticket_id = ? ORDER BY id", (ticket_id, ticket_id)
        )

    # -- news consent ------------------------------------------------------------------------------------------

    async def set_news(self, person_id: int, wanted: bool) -> None:
        await self._write("UPDATE people SET news = ? WHERE id = ?", (int(wanted), person_id))

    # -- events ------------------------------------------------------------------------------------------------

    async def save_event(
        self, event: dict, texts: dict[str, tuple[str, str]], now: datetime, event_id: int | None = None
    ) -> int:
        """Create (or, with `event_id`, change) an event and its texts per language."""
        async with self._transaction() as db:
            values = (
                event.get("office_id"),
                _ts(event["starts_at"]),
                _ts(event["ends_at"]),
                event["place"],
                event["address"],
                event.get("registration"),
                event.get("capacity"),
            )
            if event_id is None:
                cursor = await db.execute(
                    "INSERT INTO events (seed_key, office_id, starts_at, ends_at, place, address, registration,"
                    " capacity, status, created_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'published', ?, ?)",
                    (event.get("seed_key"), *values, _ts(now), _ts(now)),
                )
                event_id = int(cursor.lastrowid or 0)
            else:
                await db.execute(
                    "UPDATE events SET office_id = ?, starts_at = ?, ends_at = ?, place = ?, address = ?,"
                    " registration = ?, capacity = ?, changed_at = ? WHERE id = ?",
                    (*values, _ts(now), event_id),
                )
                await db.execute("DELETE FROM event_texts WHERE event_id = ?", (event_id,))
            for lang, (title, description) in texts.items():
                await db.execute(
                    "INSERT INTO event_texts (event_id, lang, title, description) VALUES (?, ?, ?, ?)",
                    (event_id, lang, title, description),
                )
            return event_id

    async def event_seeded(self, seed_key: str) -> bool:
        return bool(await self._rows("SELECT 1 FROM events WHERE seed_key = ?", (seed_key,)))

    async def event(self, event_id: int) -> dict | None:
        rows = await self._rows("SELECT * FROM events WHERE id = ?", (event_id,))
        if not rows:
            return None
        texts = await self._rows("SELECT lang, title, description FROM event_texts WHERE event_id = ?", (event_id,))
        return {**rows[0], "texts": {t["lang"]: (t["title"], t["description"]) for t in texts}}

    async def upcoming_events(self, start: datetime, end: datetime) -> list[dict]:
        rows = await self._rows(
            "SELECT id FROM events WHERE status = 'published' AND ends_at >= ? AND starts_at < ? ORDER BY starts_at",
            (_ts(start), _ts(end)),
        )
        return [e for e in [await self.event(r["id"]) for r in rows] if e is not None]

    async def cancel_event(self, event_id: int, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE events SET status = 'cancelled', changed_at = ? WHERE id = ? AND status = 'published'",
            (_ts(now), event_id),
        )
        return cursor.rowcount > 0

    async def add_event_reminder(self, event_id: int, person_id: int, now: datetime) -> bool:
        cursor = await self._write(
            "INSERT OR IGNORE INTO event_reminders (event_id, person_id, created_at) VALUES (?, ?, ?)",
            (event_id, person_id, _ts(now)),
        )
        return cursor.rowcount > 0

    async def event_reminder_people(self, event_id: int) -> list[int]:
        rows = await self._rows("SELECT person_id FROM event_reminders WHERE event_id = ?", (event_id,))
        return [int(r["person_id"]) for r in rows]

    # -- staff drafts (guided flows) ---------------------------------------------------------------------------

    async def draft(self, chat_id: int, user_id: int) -> dict | None:
        rows = await self._rows("SELECT * FROM staff_drafts WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))
        return rows[0] if rows else None

    async def save_draft(self, chat_id: int, user_id: int, kind: str, data: str, now: datetime) -> None:
        await self._write(
            "INSERT INTO staff_drafts (chat_id, user_id, kind, data, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, user_id) DO UPDATE SET kind = excluded.kind, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (chat_id, user_id, kind, data, _ts(now)),
        )

    async def drop_draft(self, chat_id: int, user_id: int) -> None:
        await self._write("DELETE FROM staff_drafts WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))

    # -- announcements -----------------------------------------------------------------------------------------

    async def audience(self, kind: str, value: str | None) -> list[int]:
        """People who agreed to news, are reachable and not banned, in the chosen audience."""
        rows = await self._rows(
            "SELECT id FROM people WHERE news = 1 AND inactive_at IS NULL AND banned_at IS NULL"
            " AND (? = 'all' OR (? = 'office' AND office_id = ?) OR (? = 'language' AND language = ?)) ORDER BY id",
            (kind, kind, value, kind, value),
        )
        return [int(r["id"]) for r in rows]

    async def create_announcement(self, audience: str, people: list[int], texts: dict[str, str], now: datetime) -> int:
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO announcements (audience, status, total, created_at) VALUES (?, 'sending', ?, ?)",
                (audience, len(people), _ts(now)),
            )
            announcement_id = int(cursor.lastrowid or 0)
            await db.executemany(
                "INSERT INTO announcement_texts (announcement_id, lang, text) VALUES (?, ?, ?)",
                [(announcement_id, lang, text) for lang, text in texts.items()],
            )
            await db.executemany(
                "INSERT INTO deliveries (announcement_id, person_id) VALUES (?, ?)",
                [(announcement_id, person_id) for person_id in people],
            )
            return announcement_id

    async def announcement(self, announcement_id: int) -> dict | None:
        rows = await self._rows("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        if not rows:
            return None
        texts = await self._rows(
            "SELECT lang, text FROM announcement_texts WHERE announcement_id = ?", (announcement_id,)
        )
        counts = await self._rows(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE announcement_id = ? GROUP BY state", (announcement_id,)
        )
        return {
            **rows[0],
            "texts": {t["lang"]: t["text"] for t in texts},
            "counts": {c["state"]: int(c["n"]) for c in counts},
        }

    async def sending_announcements(self) -> list[int]:
        rows = await self._rows("SELECT id FROM announcements WHERE status = 'sending' ORDER BY id")
        return [int(r["id"]) for r in rows]

    async def set_announcement_progress(self, announcement_id: int, chat: int, message: int) -> None:
        await self._write(
            "UPDATE announcements SET progress_chat = ?, progress_message = ? WHERE id = ?",
            (chat, message, announcement_id),
        )

    async def finish_announcement(self, announcement_id: int, status: str, now: datetime) -> bool:
        cursor = await self._write(
            "UPDATE announcements SET status = ?, finished_at = ? WHERE id = ? AND status = 'sending'",
            (status, _ts(now), announcement_id),
        )
        return cursor.rowcount > 0

    async def claim_deliveries(self, announcement_id: int, boot_id: str, limit: int) -> list[dict]:
        """The next people to send to. A run that died while sending left rows 'sending': taken over."""
        async with self._lock:
            return await self._rows(
                "UPDATE deliveries SET state = 'sending', boot_id = ? WHERE rowid IN ("
                " SELECT d.rowid FROM deliveries d WHERE d.announcement_id = ? AND (d.state = 'pending'"
                " OR (d.state = 'sending' AND d.boot_id != ?)) ORDER BY d.person_id LIMIT ?)"
                " RETURNING announcement_id, person_id",
                (boot_id, announcement_id, boot_id, limit),
            )

    async def finish_delivery(self, announcement_id: int, person_id: int, state: str, now: datetime) -> None:
        await self._write(
            "UPDATE deliveries SET state = ?, sent_at = ? WHERE announcement_id = ? AND person_id = ?",
            (state, _ts(now), announcement_id, person_id),
        )

    async def release_delivery(self, announcement_id: int, person_id: int) -> None:
        await self._write(
            "UPDATE deliveries SET state = 'pending' WHERE announcement_id = ? AND person_id = ?",
            (announcement_id, person_id),
        )

    # -- privacy: consent, export, erasure, retention, audit ----------------------------------------------------

    async def set_consent(self, person_id: int, now: datetime) -> None:
        await self._write("UPDATE people SET consent_at = ? WHERE id = ?", (_ts(now), person_id))

    async def export_person(self, person_id: int) -> dict[str, list[dict]]:
        """Everything stored about one person, table by table (for /mydata)."""
        one = (person_id,)
        by_ticket = "SELECT * FROM relay WHERE ticket_id IN (SELECT id FROM tickets WHERE person_id = ?) ORDER BY id"
        return {
            table: await self._rows(sql, one)
            for table, sql in (
                ("people", "SELECT * FROM people WHERE id = ?"),
                ("appointments", "SELECT * FROM appointments WHERE person_id = ? ORDER BY id"),
                ("slot_watches", "SELECT * FROM slot_watches WHERE person_id = ? ORDER BY id"),
                ("tickets", "SELECT * FROM tickets WHERE person_id = ? ORDER BY id"),
                ("relay", by_ticket),
                ("answers_given", "SELECT * FROM answers_given WHERE person_id = ? ORDER BY id"),
                ("unresolved_questions", "SELECT * FROM unresolved_questions WHERE person_id = ? ORDER BY id"),
                ("event_reminders", "SELECT * FROM event_reminders WHERE person_id = ?"),
                ("deliveries", "SELECT * FROM deliveries WHERE person_id = ?"),
                ("outbox", "SELECT * FROM outbox WHERE person_id = ? ORDER BY id"),
            )
        }

    # person_figures: from FiguresAndLearning (storage/sqlite_figures.py), the same counting as the report.

    async def erase_person(self, person_id: int, now: datetime, keep_counts: bool = True) -> dict | None:
        """Remove a person and everything linked to them; their part of the figures stays as counts only.

        Returns what staff must be told (the topic to close, the future appointments that were cancelled),
        or None if the person did not exist.
        """
        async with self._transaction() as db:
            async with db.execute("SELECT topic_chat, topic_thread FROM people WHERE id = ?", (person_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            async with db.execute(
                "SELECT id, office_id, slot, kind FROM appointments"
                " WHERE person_id = ? AND status IN ('booked', 'requested') AND (slot IS NULL OR slot > ?)",
                (person_id, _ts(now)),
            ) as cur:
                cancelled = [dict(r) for r in await cur.fetchall()]
            async with db.execute(
                "SELECT id, office_id FROM tickets WHERE person_id = ? AND state = 'open'", (person_id,)
            ) as cur:
                open_tickets = [dict(r) for r in await cur.fetchall()]
            # Counted inside the transaction: nothing the person adds meanwhile can slip past the counts.
            if keep_counts:
                await add_figure_counts(db, await self.person_figures(person_id))
            # Everything else hangs on people (ON DELETE CASCADE): appointments, tickets and their relay,
            # answers, questions, reminders, deliveries, outbox rows.
            await db.execute("DELETE FROM people WHERE id = ?", (person_id,))
        topic = (int(row[0]), int(row[1])) if row[1] is not None else None
        return {"topic": topic, "cancelled": cancelled, "open_tickets": open_tickets}

    async def inactive_people(self, before: datetime, limit: int = 500) -> list[int]:
        rows = await self._rows(
            "SELECT id FROM people WHERE last_seen_at < ? ORDER BY id LIMIT ?", (_ts(before), limit)
        )
        return [r["id"] for r in rows]

    async def purge_contents(self, before: datetime) -> dict[str, int]:
        """Clear message content older than `before`; counts stay for the figures."""
        cut = _ts(before)
        counts = {}
        async with self._transaction() as db:
            for name, sql in (
                (
                    "ticket_texts",
                    "UPDATE relay SET text = NULL, buttons = NULL WHERE text IS NOT NULL AND ticket_id IN"
                    " (SELECT id FROM tickets WHERE state = 'closed' AND closed_at < ?)",
                ),
                (
                    "ticket_subjects",
                    "UPDATE tickets SET subject = NULL, note = NULL"
                    " WHERE state = 'closed' AND closed_at < ? AND (subject IS NOT NULL OR note IS NOT NULL)",
                ),
                ("questions", "UPDATE unresolved_questions SET text = '' WHERE text != '' AND created_at < ?"),
                (
                    "first_names",
                    "UPDATE appointments SET first_name = NULL"
                    " WHERE first_name IS NOT NULL AND coalesce(slot, changed_at) < ?",
                ),
                ("outbox", "DELETE FROM outbox WHERE state IN ('sent', 'skipped', 'failed') AND due_at < ?"),
            ):
                cursor = await db.execute(sql, (cut,))
                counts[name] = cursor.rowcount
        return counts

    async def add_audit(
        self,
        actor_id: str,
        actor_name: str | None,
        action: str,
        target: str | None,
        office_id: str | None,
        now: datetime,
    ) -> None:
        await self._write(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, target, office_id) VALUES (?, ?, ?, ?, ?, ?)",
            (_ts(now), actor_id, actor_name, action, target, office_id),
        )

    async def audit_entries(self, limit: int = 20) -> list[dict]:
        return await self._rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))

    async def table_rows(self) -> dict[str, list[dict]]:
        """Every row of every table: for consistency and erasure checks (small databases only)."""
        tables = await self._rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        result = {}
        for table in tables:
            name = table["name"]
            # The name comes from sqlite_master itself, not from outside: safe to quote into the statement.
            result[name] = await self._rows(f'SELECT * FROM "{name}"')
        return result
