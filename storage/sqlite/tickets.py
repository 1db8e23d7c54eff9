"""Tickets (a person's questions to staff) and the relay: every message between a person and staff,
stored before it is sent, then marked with the id it got on the other side."""

import json
from datetime import datetime
from typing import Any

from bot.models import Button, Media
from bot.records import Direction, Rating, RelayKind, RelayMessage, SendState, Ticket, TicketState
from storage.sqlite.base import SqliteBase, at, ts, when

Rows = tuple[tuple[Button, ...], ...]


def ticket(row: dict[str, Any]) -> Ticket:
    return Ticket(
        id=row["id"],
        person_id=row["person_id"],
        office_id=row["office_id"],
        language=row["language"],
        state=TicketState(row["state"]),
        urgent=bool(row["urgent"]),
        opened_at=at(row["opened_at"]),
        first_answer_at=when(row["first_answer_at"]),
        closed_at=when(row["closed_at"]),
        rating=Rating(row["rating"]) if row["rating"] else None,
        subject=row["subject"],
        note=row["note"],
    )


def buttons_json(rows: Rows) -> str | None:
    if not rows:
        return None
    return json.dumps([[[b.label, b.action] for b in row] for row in rows], ensure_ascii=False)


def buttons_from_json(value: str | None) -> Rows:
    if not value:
        return ()
    return tuple(tuple(Button(label, action) for label, action in row) for row in json.loads(value))


def media_json(media: Media | None) -> str | None:
    if media is None:
        return None
    return json.dumps([media.kind, media.ref, media.mime, media.filename, media.caption], ensure_ascii=False)


def media_from_json(value: str | None) -> Media | None:
    return Media(*json.loads(value)) if value else None


def relay_message(row: dict[str, Any]) -> RelayMessage:
    return RelayMessage(
        id=row["id"],
        ticket_id=row["ticket_id"],
        direction=Direction(row["direction"]),
        kind=RelayKind(row["kind"]),
        state=SendState(row["state"]),
        source_chat=row["source_chat"],
        source_message=row["source_message"],
        reply_to=row["reply_to"],
        text=row["text"],
        buttons=buttons_from_json(row["buttons"]),
        attempts=row["attempts"],
        target_chat=row["target_chat"],
        target_message=row["target_message"],
        created_at=at(row["created_at"]),
        sent_at=when(row["sent_at"]),
        media=media_from_json(row.get("media")),
    )


class TicketRows(SqliteBase):
    async def open_ticket(
        self, person_id: int, office_id: str | None, language: str, now: datetime, subject: str | None = None
    ) -> tuple[Ticket, bool]:
        """The person's open ticket, or a new one; True when it is new."""
        async with self.transaction():
            found = await self.open_ticket_of(person_id)
            if found is not None:
                return found, False
            cursor = await self._write(
                "INSERT INTO tickets (person_id, office_id, language, state, opened_at, subject)"
                " VALUES (?, ?, ?, 'open', ?, ?)",
                (person_id, office_id, language, ts(now), subject),
            )
            new = await self.ticket(int(cursor.lastrowid or 0))
        assert new is not None
        return new, True

    async def open_ticket_of(self, person_id: int) -> Ticket | None:
        row = await self._one(
            "SELECT * FROM tickets WHERE person_id = ? AND state = 'open' ORDER BY id DESC LIMIT 1", (person_id,)
        )
        return ticket(row) if row else None

    async def ticket(self, ticket_id: int) -> Ticket | None:
        row = await self._one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return ticket(row) if row else None

    async def last_ticket_of(self, person_id: int) -> Ticket | None:
        row = await self._one("SELECT * FROM tickets WHERE person_id = ? ORDER BY id DESC LIMIT 1", (person_id,))
        return ticket(row) if row else None

    async def close_ticket(self, ticket_id: int, now: datetime) -> bool:
        return (
            await self._count(
                "UPDATE tickets SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
                (ts(now), ticket_id),
            )
            > 0
        )

    async def mark_urgent(self, ticket_id: int) -> None:
        await self._write("UPDATE tickets SET urgent = 1 WHERE id = ?", (ticket_id,))

    async def note_ticket(self, ticket_id: int, note: str) -> None:
        await self._write("UPDATE tickets SET note = ? WHERE id = ?", (note, ticket_id))

    async def first_answer(self, ticket_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE tickets SET first_answer_at = ? WHERE id = ? AND first_answer_at IS NULL", (ts(now), ticket_id)
        )

    async def rate_ticket(self, ticket_id: int, person_id: int, rating: Rating) -> bool:
        return (
            await self._count(
                "UPDATE tickets SET rating = ? WHERE id = ? AND person_id = ? AND state = 'closed'",
                (str(rating), ticket_id, person_id),
            )
            > 0
        )

    async def record_answer(self, person_id: int, faq_id: str, now: datetime) -> None:
        await self._write(
            "INSERT INTO answers_given (person_id, faq_id, created_at) VALUES (?, ?, ?)", (person_id, faq_id, ts(now))
        )

    async def recent_answers(self, person_id: int, limit: int = 5) -> list[str]:
        rows = await self._rows(
            "SELECT faq_id FROM answers_given WHERE person_id = ? ORDER BY id DESC LIMIT ?", (person_id, limit)
        )
        return [r["faq_id"] for r in rows]

    # -- relay -------------------------------------------------------------------------------------------------

    async def add_relay(
        self,
        ticket_id: int,
        direction: Direction,
        kind: RelayKind,
        now: datetime,
        source_chat: int | None = None,
        source_message: int | None = None,
        reply_to: int | None = None,
        text: str | None = None,
        buttons: Rows = (),
        media: Media | None = None,
    ) -> int | None:
        """Store a message to relay; None if this very message is stored already (delivered twice)."""
        cursor = await self._write(
            "INSERT OR IGNORE INTO relay (ticket_id, direction, kind, source_chat, source_message, reply_to, text,"
            " buttons, created_at, media) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ticket_id,
                str(direction),
                str(kind),
                source_chat,
                source_message,
                reply_to,
                text,
                buttons_json(buttons),
                ts(now),
                media_json(media),
            ),
        )
        return int(cursor.lastrowid or 0) if cursor.rowcount else None

    async def claim_relay(self, boot_id: str, limit: int = 20) -> list[RelayMessage]:
        """The first unsent message of each ticket and direction, marked as being sent by this run. Those tried
        least come first: messages that keep waiting (a closed WhatsApp window) cannot crowd out new ones."""
        rows = await self._rows(
            "UPDATE relay SET state = 'sending', boot_id = ?, attempts = attempts + 1 WHERE id IN ("
            " SELECT r.id FROM relay r WHERE (r.state = 'pending' OR (r.state = 'sending' AND r.boot_id != ?))"
            " AND NOT EXISTS (SELECT 1 FROM relay e WHERE e.ticket_id = r.ticket_id AND e.direction = r.direction"
            " AND e.id < r.id AND e.state IN ('pending', 'sending'))"
            " ORDER BY r.attempts, r.id LIMIT ?) RETURNING *",
            (boot_id, boot_id, limit),
        )
        return sorted((relay_message(r) for r in rows), key=lambda m: m.id)

    async def finish_relay(
        self,
        relay_id: int,
        state: SendState,
        now: datetime,
        target_chat: int | None = None,
        target_message: int | None = None,
    ) -> None:
        await self._write(
            "UPDATE relay SET state = ?, sent_at = ?, target_chat = ?, target_message = ? WHERE id = ?",
            (str(state), ts(now), target_chat, target_message, relay_id),
        )

    async def release_relay(self, relay_id: int) -> None:
        await self._write("UPDATE relay SET state = 'pending' WHERE id = ?", (relay_id,))

    async def relay_by_source(self, chat: int, message: int) -> RelayMessage | None:
        row = await self._one(
            "SELECT * FROM relay WHERE source_chat = ? AND source_message = ? AND kind = 'copy'", (chat, message)
        )
        return relay_message(row) if row else None

    async def relay_by_target(self, chat: int, message: int) -> RelayMessage | None:
        row = await self._one(
            "SELECT * FROM relay WHERE target_chat = ? AND target_message = ? AND kind IN ('copy', 'text')",
            (chat, message),
        )
        return relay_message(row) if row else None

    async def relay_rows(self, ticket_id: int | None = None) -> list[RelayMessage]:
        rows = await self._rows(
            "SELECT * FROM relay WHERE ? IS NULL OR ticket_id = ? ORDER BY id", (ticket_id, ticket_id)
        )
        return [relay_message(r) for r in rows]

    async def first_relay_of(self, ticket_id: int) -> int | None:
        row = await self._one("SELECT MIN(id) AS id FROM relay WHERE ticket_id = ?", (ticket_id,))
        return int(row["id"]) if row and row["id"] is not None else None
