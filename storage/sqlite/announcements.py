"""Announcements with their texts and one delivery row per person, and the staff's drafts of guided flows."""

import json
from datetime import datetime

from bot.records import Announcement, AnnouncementStatus, Draft, DraftKind, SendState
from storage.sqlite.base import SqliteBase, at, ts, when


class AnnouncementRows(SqliteBase):
    # -- staff drafts (guided flows) ---------------------------------------------------------------------------

    async def draft(self, chat_id: int, user_id: int) -> Draft | None:
        row = await self._one("SELECT * FROM staff_drafts WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))
        return Draft(DraftKind(row["kind"]), json.loads(row["data"])) if row else None

    async def save_draft(self, chat_id: int, user_id: int, kind: DraftKind, data: dict, now: datetime) -> None:
        await self._write(
            "INSERT INTO staff_drafts (chat_id, user_id, kind, data, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, user_id) DO UPDATE SET kind = excluded.kind, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (chat_id, user_id, str(kind), json.dumps(data, ensure_ascii=False), ts(now)),
        )

    async def drop_draft(self, chat_id: int, user_id: int) -> None:
        await self._write("DELETE FROM staff_drafts WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))

    async def take_draft(self, chat_id: int, user_id: int, data: dict) -> bool:
        return (
            await self._count(
                "DELETE FROM staff_drafts WHERE chat_id = ? AND user_id = ? AND data = ?",
                (chat_id, user_id, json.dumps(data, ensure_ascii=False)),
            )
            > 0
        )

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
        async with self.transaction():
            cursor = await self._write(
                "INSERT INTO announcements (audience, status, total, created_at) VALUES (?, 'sending', ?, ?)",
                (audience, len(people), ts(now)),
            )
            announcement_id = int(cursor.lastrowid or 0)
            await self._many(
                "INSERT INTO announcement_texts (announcement_id, lang, text) VALUES (?, ?, ?)",
                [(announcement_id, lang, text) for lang, text in texts.items()],
            )
            await self._many(
                "INSERT INTO deliveries (announcement_id, person_id) VALUES (?, ?)",
                [(announcement_id, person_id) for person_id in people],
            )
            return announcement_id

    async def announcement(self, announcement_id: int) -> Announcement | None:
        async with self._exclusive():  # the row, texts and counts as of one moment
            row = await self._one("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
            if row is None:
                return None
            texts = await self._rows(
                "SELECT lang, text FROM announcement_texts WHERE announcement_id = ?", (announcement_id,)
            )
            counts = await self._rows(
                "SELECT state, COUNT(*) AS n FROM deliveries WHERE announcement_id = ? GROUP BY state",
                (announcement_id,),
            )
        return Announcement(
            id=row["id"],
            audience=row["audience"],
            status=AnnouncementStatus(row["status"]),
            total=row["total"],
            texts={t["lang"]: t["text"] for t in texts},
            counts={SendState(c["state"]): int(c["n"]) for c in counts},
            progress_chat=row["progress_chat"],
            progress_message=row["progress_message"],
            created_at=at(row["created_at"]),
            finished_at=when(row["finished_at"]),
        )

    async def sending_announcements(self) -> list[int]:
        rows = await self._rows("SELECT id FROM announcements WHERE status = 'sending' ORDER BY id")
        return [int(r["id"]) for r in rows]

    async def set_announcement_progress(self, announcement_id: int, chat: int, message: int) -> None:
        await self._write(
            "UPDATE announcements SET progress_chat = ?, progress_message = ? WHERE id = ?",
            (chat, message, announcement_id),
        )

    async def finish_announcement(self, announcement_id: int, status: AnnouncementStatus, now: datetime) -> bool:
        return (
            await self._count(
                "UPDATE announcements SET status = ?, finished_at = ? WHERE id = ? AND status = 'sending'",
                (str(status), ts(now), announcement_id),
            )
            > 0
        )

    async def claim_deliveries(self, announcement_id: int, boot_id: str, limit: int) -> list[int]:
        """The next people to send to. A run that died while sending left rows 'sending': taken over."""
        rows = await self._rows(
            "UPDATE deliveries SET state = 'sending', boot_id = ? WHERE rowid IN ("
            " SELECT d.rowid FROM deliveries d WHERE d.announcement_id = ? AND (d.state = 'pending'"
            " OR (d.state = 'sending' AND d.boot_id != ?)) ORDER BY d.person_id LIMIT ?)"
            " RETURNING person_id",
            (boot_id, announcement_id, boot_id, limit),
        )
        return sorted(int(r["person_id"]) for r in rows)

    async def finish_delivery(self, announcement_id: int, person_id: int, state: SendState, now: datetime) -> None:
        await self._write(
            "UPDATE deliveries SET state = ?, sent_at = ? WHERE announcement_id = ? AND person_id = ?",
            (str(state), ts(now), announcement_id, person_id),
        )

    async def release_delivery(self, announcement_id: int, person_id: int) -> None:
        await self._write(
            "UPDATE deliveries SET state = 'pending' WHERE announcement_id = ? AND person_id = ?",
            (announcement_id, person_id),
        )
