"""A person's rights over their data (everything about them, erasure), retention, and the audit log."""

from datetime import datetime

from bot.records import AuditEntry, Erasure
from storage.sqlite.appointments import appointment
from storage.sqlite.base import SqliteBase, at, ts
from storage.sqlite.figures import FigureRows


class PrivacyRows(FigureRows, SqliteBase):
    async def export_person(self, person_id: int) -> dict[str, list[dict]]:
        """Everything stored about one person, table by table (for /mydata)."""
        one = (person_id,)
        by_ticket = "SELECT * FROM relay WHERE ticket_id IN (SELECT id FROM tickets WHERE person_id = ?) ORDER BY id"
        async with self._exclusive():
            return {
                table: await self._rows(sql, one)
                for table, sql in (
                    ("people", "SELECT * FROM people WHERE id = ?"),
                    ("consents", "SELECT purpose, given_at FROM consents WHERE person_id = ? ORDER BY purpose"),
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

    async def erase_person(self, person_id: int, now: datetime, keep_counts: bool = True) -> Erasure | None:
        """Remove a person and everything linked to them; their part of the figures stays as counts only.

        Returns what staff must be told (the topic to close, the future appointments that were cancelled,
        the open tickets), or None if the person did not exist.
        """
        async with self.transaction():
            row = await self._one(
                "SELECT channel, user_id, topic_chat, topic_thread FROM people WHERE id = ?", (person_id,)
            )
            if row is None:
                return None
            cancelled = await self._rows(
                "SELECT * FROM appointments"
                " WHERE person_id = ? AND status IN ('booked', 'requested') AND (slot IS NULL OR slot > ?)",
                (person_id, ts(now)),
            )
            open_tickets = await self._rows(
                "SELECT id FROM tickets WHERE person_id = ? AND state = 'open' ORDER BY id", (person_id,)
            )
            # Counted inside the transaction: nothing the person adds meanwhile can slip past the counts.
            if keep_counts:
                await self.add_figure_counts(await self.person_figures(person_id))
            # Everything else hangs on people (ON DELETE CASCADE): appointments, tickets and their relay,
            # answers, questions, reminders, deliveries, outbox rows.
            await self._write("DELETE FROM people WHERE id = ?", (person_id,))
            # Replies not sent yet are addressed by the channel's id, not linked to the person's row.
            await self._write("DELETE FROM replies WHERE channel = ? AND chat = ?", (row["channel"], row["user_id"]))
        topic = (int(row["topic_chat"]), int(row["topic_thread"])) if row["topic_thread"] is not None else None
        return Erasure(
            topic=topic,
            cancelled=tuple(appointment(r) for r in cancelled),
            open_tickets=tuple(int(r["id"]) for r in open_tickets),
        )

    async def scrub(self) -> None:
        """Move everything written into the database file and empty the write-ahead log: deleted rows are then
        gone from the disk too (secure_delete overwrites them in the file, see base.py)."""
        async with self._exclusive():
            if not self._in_transaction:  # inside a unit of work: its caller scrubs after the commit
                await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def inactive_people(self, before: datetime, limit: int = 500) -> list[int]:
        rows = await self._rows("SELECT id FROM people WHERE last_seen_at < ? ORDER BY id LIMIT ?", (ts(before), limit))
        return [int(r["id"]) for r in rows]

    async def purge_contents(self, before: datetime) -> dict[str, int]:
        """Clear message content older than `before`; counts stay for the figures."""
        cut = (ts(before),)
        async with self.transaction():
            return {
                "ticket_texts": await self._count(
                    "UPDATE relay SET text = NULL, buttons = NULL, media = NULL"
                    " WHERE (text IS NOT NULL OR media IS NOT NULL) AND ticket_id IN"
                    " (SELECT id FROM tickets WHERE state = 'closed' AND closed_at < ?)",
                    cut,
                ),
                "ticket_subjects": await self._count(
                    "UPDATE tickets SET subject = NULL, note = NULL"
                    " WHERE state = 'closed' AND closed_at < ? AND (subject IS NOT NULL OR note IS NOT NULL)",
                    cut,
                ),
                "questions": await self._count(
                    "UPDATE unresolved_questions SET text = '' WHERE text != '' AND created_at < ?", cut
                ),
                "first_names": await self._count(
                    "UPDATE appointments SET first_name = NULL"
                    " WHERE first_name IS NOT NULL AND coalesce(slot, changed_at) < ?",
                    cut,
                ),
                "outbox": await self._count(
                    "DELETE FROM outbox WHERE state IN ('sent', 'skipped', 'failed') AND due_at < ?", cut
                ),
                "channel_messages": await self._count("DELETE FROM channel_messages WHERE created_at < ?", cut),
            }

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
            (ts(now), actor_id, actor_name, action, target, office_id),
        )

    async def audit_entries(self, limit: int = 20) -> list[AuditEntry]:
        rows = await self._rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [
            AuditEntry(
                at=at(r["at"]),
                actor_id=r["actor_id"],
                actor_name=r["actor_name"],
                action=r["action"],
                target=r["target"],
                office_id=r["office_id"],
            )
            for r in rows
        ]
