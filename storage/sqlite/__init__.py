"""The SQLite store (one file, aiosqlite): every port of `bot.ports` over one shared connection.

Each module holds the statements of one aggregate, on top of `base.SqliteBase` (connection, lock,
transactions). Every statement is parameterised.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

from storage.sqlite.announcements import AnnouncementRows
from storage.sqlite.appointments import AppointmentRows
from storage.sqlite.base import DEFAULT_TIMEZONE
from storage.sqlite.channel_messages import ChannelMessageRows
from storage.sqlite.events import EventRows
from storage.sqlite.figures import FigureRows
from storage.sqlite.messages import MessageRows
from storage.sqlite.people import PeopleRows
from storage.sqlite.privacy import PrivacyRows
from storage.sqlite.tickets import TicketRows


class SqliteStore(
    ChannelMessageRows,
    PeopleRows,
    AppointmentRows,
    TicketRows,
    MessageRows,
    EventRows,
    AnnouncementRows,
    PrivacyRows,
    FigureRows,
):
    @classmethod
    async def open(cls, path: str | Path, timezone: ZoneInfo = DEFAULT_TIMEZONE) -> "SqliteStore":
        return cls(await cls.connect(path), str(path), timezone)

    async def table_rows(self) -> dict[str, list[dict]]:
        """Every row of every table: for consistency and erasure checks (small databases only)."""
        tables = await self._rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        result = {}
        for table in tables:
            name = table["name"]
            # The name comes from sqlite_master itself, not from outside: safe to quote into the statement.
            result[name] = await self._rows(f'SELECT * FROM "{name}"')
        return result


__all__ = ["SqliteStore"]
