"""Persistence behind a small interface. `open_store` gives the SQLite implementation."""

from datetime import datetime
from typing import Protocol

from bot.models import LanguageSource, Person


class Store(Protocol):
    async def get_person(self, channel: str, user_id: str) -> Person | None: ...

    async def create_person(
        self, channel: str, user_id: str, language: str, source: LanguageSource, now: datetime
    ) -> Person: ...

    async def set_language(self, person_id: int, language: str, source: LanguageSource) -> None: ...

    async def set_office(self, person_id: int, office_id: str | None) -> None: ...

    async def touch(self, person_id: int, now: datetime) -> None: ...

    async def add_unresolved(
        self,
        person_id: int | None,
        text: str,
        language: str,
        office_id: str | None,
        reason: str,
        now: datetime,
    ) -> int: ...

    async def list_unresolved(self, limit: int = 100) -> list[dict[str, object]]: ...

    async def claim_update(self, channel: str, update_id: int, payload: str, boot_id: str, now: datetime) -> bool: ...

    async def finish_update(self, channel: str, update_id: int, ok: bool, now: datetime) -> None: ...

    async def unfinished_updates(self, channel: str, boot_id: str) -> list[tuple[int, str]]: ...

    async def prune_updates(self, before: datetime) -> int: ...

    async def person_by_id(self, person_id: int) -> Person | None: ...

    # appointments (times are aware datetimes; stored as UTC)
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
    ) -> int | None: ...

    async def slot_counts(self, office_id: str, start: datetime, end: datetime) -> dict[datetime, int]: ...

    async def appointment(self, appointment_id: int) -> dict | None: ...

    async def future_appointments(self, person_id: int, now: datetime) -> list[dict]: ...

    async def appointments_between(self, office_id: str | None, start: datetime, end: datetime) -> list[dict]: ...

    async def cancel_appointment(self, appointment_id: int, person_id: int | None, now: datetime) -> bool: ...

    async def set_appointment_status(self, appointment_id: int, status: str, now: datetime) -> bool: ...

    async def request_home_visit(
        self, person_id: int, office_id: str, first_name: str | None, now: datetime
    ) -> int: ...

    async def confirm_home_visit(self, appointment_id: int, slot: datetime, minutes: int, now: datetime) -> bool: ...

    async def block(self, office_id: str, day: str, start_time: str | None, now: datetime) -> bool: ...

    async def unblock(self, office_id: str, day: str, start_time: str | None) -> bool: ...

    async def blocks(self, office_id: str, first_day: str, last_day: str) -> set[tuple[str, str | None]]: ...

    async def watch_day(self, person_id: int, office_id: str, day: str, now: datetime) -> bool: ...

    async def take_watcher(self, office_id: str, day: str, now: datetime) -> int | None: ...

    # outbox: messages the bot sends by itself
    async def enqueue(
        self, key: str, kind: str, person_id: int | None, ref: str | None, due: datetime, now: datetime
    ) -> bool: ...

    async def claim_due(self, now: datetime, boot_id: str, limit: int = 50) -> list[dict]: ...

    async def finish_outbox(self, outbox_id: int, state: str, now: datetime) -> None: ...

    async def release_outbox(self, outbox_id: int) -> None: ...

    async def outbox_rows(self) -> list[dict]: ...

    async def close(self) -> None: ...


async def open_store(path: str) -> "Store":
    from storage.sqlite import SqliteStore

    return await SqliteStore.open(path)
