"""Versioned schema migrations: `NNNN_name.sql` files applied in order, the version kept in user_version.

An empty file and a file at any older version both end at the newest schema. Each migration runs in its
own transaction together with the version bump, so a crash leaves the file at a whole version.
"""

import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaTooNew(RuntimeError):
    """The file was written by a newer version of the program."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _statements(sql: str) -> list[str]:
    # Our migration files hold plain DDL/DML; no triggers, so ';' ends a statement.
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


async def migrate(db: aiosqlite.Connection, migrations: list[Migration] | None = None) -> int:
    """Bring the schema to the newest version; return that version."""
    migrations = bundled_migrations() if migrations is None else migrations
    current = await schema_version(db)
    newest = migrations[-1].version if migrations else 0
    if current > newest:
        raise SchemaTooNew(
            f"the database is at schema version {current}, newer than this program knows ({newest}); update the program"
        )
    for migration in migrations:
        if migration.version <= current:
            continue
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migration.sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {migration.version:d}")
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    return await schema_version(db)
