"""The inbox (each update a channel receives is handled once) and the outbox (messages the bot sends by
itself when they are due)."""

from datetime import datetime
from typing import Any

from bot.records import OutboxItem, OutboxKind, ReplyDraft, SendState, StoredReply
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


def stored_reply(row: dict[str, Any]) -> StoredReply:
    return StoredReply(
        id=row["id"],
        channel=row["channel"],
        chat=row["chat"],
        thread=row["thread"],
        edit_message=row["edit_message"],
        body=row["body"] or "",
        attempts=row["attempts"],
        created_at=at(row["created_at"]),
    )


_CLAIM = (
    "INSERT INTO inbox (channel, update_id, state, payload, boot_id, received_at)"
    " VALUES (?, ?, 'processing', ?, ?, ?)"
    " ON CONFLICT (channel, update_id) DO UPDATE SET boot_id = excluded.boot_id,"
    " received_at = excluded.received_at"
    " WHERE inbox.state = 'processing' AND inbox.boot_id != excluded.boot_id"
)
_FINISH = "UPDATE inbox SET state = ?, payload = NULL, finished_at = ? WHERE channel = ? AND update_id = ?"


class MessageRows(SqliteBase):
    # -- inbox -------------------------------------------------------------------------------------------------

    async def claim_update(self, channel: str, update_id: int, payload: str, boot_id: str, now: datetime) -> bool:
        """Claim an update for handling. False: it was handled already, or is being handled by this run."""
        return await self._count(_CLAIM, (channel, update_id, payload, boot_id, ts(now))) > 0

    async def claim_updates(
        self, channel: str, updates: list[tuple[int, str]], boot_id: str, now: datetime
    ) -> list[int]:
        claimed = []
        async with self.transaction():
            for update_id, payload in updates:
                if await self._count(_CLAIM, (channel, update_id, payload, boot_id, ts(now))) > 0:
                    claimed.append(update_id)
        return claimed

    async def finish_update(self, channel: str, update_id: int, ok: bool, now: datetime) -> None:
        await self._write(_FINISH, ("done" if ok else "failed", ts(now), channel, update_id))

    async def complete_update(
        self, channel: str, update_id: int, replies: list[ReplyDraft], boot_id: str, now: datetime
    ) -> list[int]:
        ids = []
        async with self.transaction():
            for reply in replies:
                rows = await self._rows(
                    "INSERT INTO replies (channel, chat, thread, edit_message, body, state, boot_id, due_at,"
                    " created_at) VALUES (?, ?, ?, ?, ?, 'sending', ?, ?, ?) RETURNING id",
                    (
                        reply.channel,
                        reply.chat,
                        reply.thread,
                        reply.edit_message,
                        reply.body,
                        boot_id,
                        ts(now),
                        ts(now),
                    ),
                )
                ids.append(int(rows[0]["id"]))
            await self._write(_FINISH, ("done", ts(now), channel, update_id))
        return ids

    # -- replies -----------------------------------------------------------------------------------------------

    async def claim_replies(self, now: datetime, boot_id: str, limit: int = 50) -> list[StoredReply]:
        """Due replies, marked as being sent by this run (a crashed run's are taken over)."""
        rows = await self._rows(
            "UPDATE replies SET state = 'sending', boot_id = ?"
            " WHERE id IN (SELECT id FROM replies WHERE"
            " (state = 'pending' AND due_at <= ?) OR (state = 'sending' AND boot_id != ?) ORDER BY id LIMIT ?)"
            " RETURNING *",
            (boot_id, ts(now), boot_id, limit),
        )
        return sorted((stored_reply(r) for r in rows), key=lambda r: r.id)

    async def replies_by_id(self, ids: list[int]) -> list[StoredReply]:
        found = [await self._one("SELECT * FROM replies WHERE id = ?", (reply_id,)) for reply_id in ids]
        return [stored_reply(row) for row in found if row is not None]

    async def reply_sent(self, reply_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE replies SET state = 'sent', body = NULL, chat = '', attempts = attempts + 1, sent_at = ? WHERE id = ?",
            (ts(now), reply_id),
        )

    async def reply_later(self, reply_id: int, due: datetime) -> None:
        await self._write(
            "UPDATE replies SET state = 'pending', attempts = attempts + 1, due_at = ? WHERE id = ?",
            (ts(due), reply_id),
        )

    async def reply_undeliverable(self, reply_id: int, now: datetime) -> None:
        await self._write(
            "UPDATE replies SET state = 'undeliverable', body = NULL, chat = '', attempts = attempts + 1, sent_at = ?"
            " WHERE id = ?",
            (ts(now), reply_id),
        )

    async def prune_replies(self, before: datetime) -> int:
        return await self._count(
            "DELETE FROM replies WHERE state IN ('sent', 'undeliverable') AND created_at < ?", (ts(before),)
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
