"""Numbers for message ids that are not numbers (WhatsApp's wamids), and the delivery status each got."""

from datetime import datetime

from storage.sqlite.base import SqliteBase, ts


class ChannelMessageRows(SqliteBase):
    async def number_message(
        self, channel: str, external_id: str, direction: str, now: datetime, person_id: int | None = None
    ) -> int:
        """The message's number (the same number when it is seen again)."""
        async with self.transaction():
            await self._write(
                "INSERT OR IGNORE INTO channel_messages (channel, external_id, person_id, direction, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (channel, external_id, person_id, direction, ts(now)),
            )
            if person_id is not None:
                await self._write(
                    "UPDATE channel_messages SET person_id = ? WHERE channel = ? AND external_id = ?"
                    " AND person_id IS NULL",
                    (person_id, channel, external_id),
                )
            row = await self._one(
                "SELECT id FROM channel_messages WHERE channel = ? AND external_id = ?", (channel, external_id)
            )
        assert row is not None
        return int(row["id"])

    async def message_external_id(self, channel: str, number: int) -> str | None:
        row = await self._one(
            "SELECT external_id FROM channel_messages WHERE channel = ? AND id = ?", (channel, number)
        )
        return str(row["external_id"]) if row else None

    async def message_number(self, channel: str, external_id: str) -> int | None:
        row = await self._one(
            "SELECT id FROM channel_messages WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        return int(row["id"]) if row else None

    async def set_message_status(
        self, channel: str, external_id: str, status: str, error_code: int | None, now: datetime
    ) -> int | None:
        """Record what the platform reports for a message we sent; the person it went to, if known.

        Statuses can arrive out of order (read before delivered): a later one never goes back to an earlier."""
        await self._write(
            "UPDATE channel_messages SET status = ?, error_code = ?, changed_at = ?"
            " WHERE channel = ? AND external_id = ? AND (status IS NULL OR status = 'failed'"
            " OR (CASE ? WHEN 'failed' THEN 9 WHEN 'read' THEN 3 WHEN 'played' THEN 3 WHEN 'delivered' THEN 2"
            " ELSE 1 END) > (CASE status WHEN 'read' THEN 3 WHEN 'played' THEN 3 WHEN 'delivered' THEN 2 ELSE 1 END))",
            (status, error_code, ts(now), channel, external_id, status),
        )
        row = await self._one(
            "SELECT person_id FROM channel_messages WHERE channel = ? AND external_id = ?", (channel, external_id)
        )
        return int(row["person_id"]) if row and row["person_id"] is not None else None

    async def message_status(self, channel: str, external_id: str) -> tuple[str | None, int | None]:
        row = await self._one(
            "SELECT status, error_code FROM channel_messages WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
        return (row["status"], row["error_code"]) if row else (None, None)

    async def prune_channel_messages(self, before: datetime) -> int:
        cursor = await self._write("DELETE FROM channel_messages WHERE created_at < ?", (ts(before),))
        return int(cursor.rowcount or 0)
