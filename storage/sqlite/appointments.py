"""Appointments and home visits, blocked slots, and people waiting for a full day."""

from datetime import datetime
from typing import Any

from bot.records import Appointment, AppointmentKind, AppointmentStatus
from storage.sqlite.base import SqliteBase, at, ts, when


def appointment(row: dict[str, Any]) -> Appointment:
    return Appointment(
        id=row["id"],
        person_id=row["person_id"],
        office_id=row["office_id"],
        kind=AppointmentKind(row["kind"]),
        slot=when(row["slot"]),
        minutes=row["minutes"],
        topic=row["topic"],
        interpreter=row["interpreter"],
        first_name=row["first_name"],
        status=AppointmentStatus(row["status"]),
        created_at=at(row["created_at"]),
        changed_at=at(row["changed_at"]),
        language=row.get("language") or "",
    )


class AppointmentRows(SqliteBase):
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
        async with self.transaction():
            cursor = await self._write(
                # OR IGNORE: a second place of the same person in the slot (the unique index of migration
                # 0013) is not booked, like a full slot.
                "INSERT OR IGNORE INTO appointments (person_id, office_id, kind, slot, minutes, topic, interpreter,"
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
                    ts(slot),
                    minutes,
                    topic,
                    interpreter,
                    first_name,
                    ts(now),
                    ts(now),
                    int(blocked),
                    office_id,
                    ts(slot),
                    capacity,
                    person_id,
                    ts(now),
                    replacing,
                    max_future,
                ),
            )
            if cursor.rowcount == 0:
                return None
            new_id = int(cursor.lastrowid or 0)
            if replacing is not None:
                moved = await self._count(
                    "UPDATE appointments SET status = 'cancelled', changed_at = ?"
                    " WHERE id = ? AND person_id = ? AND status = 'booked'",
                    (ts(now), replacing, person_id),
                )
                if moved == 0:
                    raise LookupError("the appointment to move is gone")
            return new_id

    async def slot_counts(self, office_id: str, start: datetime, end: datetime) -> dict[datetime, int]:
        rows = await self._rows(
            "SELECT slot, COUNT(*) AS n FROM appointments WHERE office_id = ? AND slot >= ? AND slot < ?"
            " AND status IN ('booked', 'attended', 'missed') GROUP BY slot",
            (office_id, ts(start), ts(end)),
        )
        return {at(r["slot"]): int(r["n"]) for r in rows}

    async def appointment(self, appointment_id: int) -> Appointment | None:
        row = await self._one(
            "SELECT a.*, p.language FROM appointments a JOIN people p ON p.id = a.person_id WHERE a.id = ?",
            (appointment_id,),
        )
        return appointment(row) if row else None

    async def future_appointments(self, person_id: int, now: datetime) -> list[Appointment]:
        rows = await self._rows(
            "SELECT * FROM appointments WHERE person_id = ? AND ((status = 'booked' AND slot > ?)"
            " OR status = 'requested') ORDER BY slot IS NULL, slot",
            (person_id, ts(now)),
        )
        return [appointment(r) for r in rows]

    async def appointments_between(self, office_id: str | None, start: datetime, end: datetime) -> list[Appointment]:
        rows = await self._rows(
            "SELECT a.*, p.language FROM appointments a JOIN people p ON p.id = a.person_id"
            " WHERE (? IS NULL OR a.office_id = ?) AND a.slot >= ? AND a.slot < ?"
            " AND a.status IN ('booked', 'attended', 'missed') ORDER BY a.slot, a.id",
            (office_id, office_id, ts(start), ts(end)),
        )
        return [appointment(r) for r in rows]

    async def cancel_appointment(self, appointment_id: int, person_id: int | None, now: datetime) -> bool:
        return (
            await self._count(
                "UPDATE appointments SET status = 'cancelled', changed_at = ?"
                " WHERE id = ? AND (? IS NULL OR person_id = ?) AND status IN ('booked', 'requested')",
                (ts(now), appointment_id, person_id, person_id),
            )
            > 0
        )

    async def set_appointment_status(self, appointment_id: int, status: AppointmentStatus, now: datetime) -> bool:
        return (
            await self._count(
                "UPDATE appointments SET status = ?, changed_at = ?"
                " WHERE id = ? AND status IN ('booked', 'attended', 'missed')",
                (str(status), ts(now), appointment_id),
            )
            > 0
        )

    async def request_home_visit(self, person_id: int, office_id: str, first_name: str | None, now: datetime) -> int:
        async with self.transaction():
            existing = await self._one(
                "SELECT id FROM appointments WHERE person_id = ? AND kind = 'home_visit' AND status = 'requested'",
                (person_id,),
            )
            if existing:
                return int(existing["id"])
            cursor = await self._write(
                "INSERT INTO appointments (person_id, office_id, kind, first_name, status, created_at, changed_at)"
                " VALUES (?, ?, 'home_visit', ?, 'requested', ?, ?)",
                (person_id, office_id, first_name, ts(now), ts(now)),
            )
            return int(cursor.lastrowid or 0)

    async def confirm_home_visit(self, appointment_id: int, slot: datetime, minutes: int, now: datetime) -> bool:
        return (
            await self._count(
                "UPDATE appointments SET status = 'booked', slot = ?, minutes = ?, changed_at = ?"
                " WHERE id = ? AND kind = 'home_visit' AND status IN ('requested', 'booked')",
                (ts(slot), minutes, ts(now), appointment_id),
            )
            > 0
        )

    # -- blocked slots and waiting lists ---------------------------------------------------------------------

    async def block(self, office_id: str, day: str, start_time: str | None, now: datetime) -> bool:
        return (
            await self._count(
                "INSERT OR IGNORE INTO blocked_slots (office_id, day, start_time, created_at) VALUES (?, ?, ?, ?)",
                (office_id, day, start_time, ts(now)),
            )
            > 0
        )

    async def unblock(self, office_id: str, day: str, start_time: str | None) -> bool:
        return (
            await self._count(
                "DELETE FROM blocked_slots WHERE office_id = ? AND day = ? AND start_time IS ?",
                (office_id, day, start_time),
            )
            > 0
        )

    async def blocks(self, office_id: str, first_day: str, last_day: str) -> set[tuple[str, str | None]]:
        rows = await self._rows(
            "SELECT day, start_time FROM blocked_slots WHERE office_id = ? AND day >= ? AND day <= ?",
            (office_id, first_day, last_day),
        )
        return {(r["day"], r["start_time"]) for r in rows}

    async def watch_day(self, person_id: int, office_id: str, day: str, now: datetime) -> bool:
        return (
            await self._count(
                "INSERT OR IGNORE INTO slot_watches (person_id, office_id, day, created_at) VALUES (?, ?, ?, ?)",
                (person_id, office_id, day, ts(now)),
            )
            > 0
        )

    async def take_watcher(self, office_id: str, day: str, now: datetime) -> int | None:
        """The person waiting longest for this day, marked as told (each is told once)."""
        async with self.transaction():
            row = await self._one(
                "SELECT id, person_id FROM slot_watches WHERE office_id = ? AND day = ? AND notified_at IS NULL"
                " ORDER BY created_at, id LIMIT 1",
                (office_id, day),
            )
            if row is None:
                return None
            await self._write("UPDATE slot_watches SET notified_at = ? WHERE id = ?", (ts(now), row["id"]))
            return int(row["person_id"])
