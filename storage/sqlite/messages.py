"""The inbox (each update a channel receives is handled once) and the outbox (messages the bot sends by
itself when they are due)."""

from datetime import datetime
from typing import Any

from bot.records import OutboxItem, OutboxKind, SendState
from storage.sqlite.base import SqliteBase, at, ts, when


def outbox_item(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        key=row["key"],
        kind=OutboxKind(row["kind"]),
        person_id=row["person_id"],
        ref=row["ref"],
        due_at=at(row["due_at"]),
        state=SendState(row["state"]),
        attempts=row["attempts"],
        created_at=at(row["created_at"]),
        sent_at=when(row["sent_at"]),
    )


class MessageRows(SqliteBase):
    # -- inbox -------------------------------------------------------------------------------------------------

    async def claim_update(self, channel: str, update_id: int, payload: str, boot_id: str, now: datetime) -> bool:
        """Claim an update for handling. False: it was handled already, or is being handled by this run."""
        return (
            await self._count(
                "INSERT INTO inbox (channel, update_id, state, payload, boot_id, received_at)"
                " VALUES (?, ?, 'processing', ?, ?, ?)"
                " ON CONFLICT (channel, update_id) DO UPDATE SET boot_id = excluded.boot_id,"
                " received_at = excluded.received_at"
                " WHERE inbox.state = 'processing' AND inbox.boot_id != excluded.boot_id",
                (channel, update_id, payload, boot_id, ts(now)),
            )
            > 0
        )

    async def finish_update(self, channel: str, update_id: int, ok: bool, now: datetime) -> None:
        await self._write(
            "UPDATE inbox SET state = ?, payload = NULL, finished_at = ? WHERE channel = ? AND update_id = ?",
            ("done" if ok else "failed", ts(now), channel, update_id),
        )

    async def unfinished_updates(self, channel: str, boot_id: str) -> list[tuple[int, str]]:
        """Updates a previous run claimed but did not finish (it stopped or crashed while handling them)."""
        rows = await self._rows(
            "SELECT update_id, payload FROM inbox WHERE channel = ? AND state = 'processing' AND boot_id != ?"
            " AND payload IS NOT NULL ORDER BY update_id",
            (channel, boot_id),
        )
        return [(int(r["update_id"]), str(r["payload"])) for r in rows]

    async def prune_updates(self, before: datetime) -> int:
        return await self._count("DELETE FROM inbox WHERE state != 'processing' AND received_at < ?", (ts(before),))

    # -- outbox ------------------------------------------------------------------------------------------------

    async def enqueue(
        self, key: str, kind: OutboxKind, person_id: int | None, ref: str | None, due: datetime, now: datetime
    ) -> bool:
        return (
            await self._count(
                "INSERT OR IGNORE INTO outbox (key, kind, person_id, ref, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, str(kind), person_id, ref, ts(due), ts(now)),
            )
            > 0
        )

    async def claim_due(self, now: datetime, boot_id: str, limit: int = 50) -> list[OutboxItem]:
        """Due messages, marked as being sent by this run (a crashed run's are taken over)."""
        rows = await self._rows(
            "UPDATE outbox SET state = 'sending', boot_id = ?, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM outbox WHERE due_at <= ? AND"
            " (state = 'pending' OR (state = 'sending' AND boot_id != ?)) ORDER BY due_at, id LIMIT ?)"
            " RETURNING *",
            (boot_id, ts(now), boot_id, limit),
        )
        return sorted((outbox_item(r) for r in rows), key=lambda item: (item.due_at, item.id))

    async def finish_outbox(self, outbox_id: int, state: SendState, now: datetime) -> None:
        await self._write("UPDATE outbox SET state = ?, sent_at = ? WHERE id = ?", (str(state), ts(now), outbox_id))

    async def release_outbox(self, outbox_id: int) -> None:
        """Put a message back to be tried again later (sending failed for now)."""
        await self._write("UPDATE outbox SET state = 'pending' WHERE id = ?", (outbox_id,))

    async def outbox_rows(self) -> list[OutboxItem]:
        return [outbox_item(r) for r in await self._rows("SELECT * FROM outbox ORDER BY id")]
