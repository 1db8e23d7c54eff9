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

    async def close(self) -> None: ...


async def open_store(path: str) -> "Store":
    from storage.sqlite import SqliteStore

    return await SqliteStore.open(path)
