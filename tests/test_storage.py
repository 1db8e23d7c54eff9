"""Versioned migrations on real SQLite files, and the store's behaviour."""

import sqlite3
from pathlib import Path

import aiosqlite
import pytest
from conftest import berlin

from storage.migrate import bundled_migrations, migrate, schema_version
from storage.sqlite import SqliteStore

NOW = berlin(2026, 11, 24, 10, 0)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_an_empty_file_gets_the_newest_schema(tmp_path: Path):
    path = tmp_path / "new.sqlite3"
    store = await SqliteStore.open(path)
    await store.close()
    newest = bundled_migrations()[-1].version
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == newest
    assert {"people", "unresolved_questions"} <= tables(path)


async def test_an_older_schema_upgrades_and_keeps_its_data(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    first = bundled_migrations()[:1]
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, first) == 1
        await db.execute(
            "INSERT INTO people (channel, user_id, language, language_source, created_at, last_seen_at)"
            " VALUES ('telegram', '42', 'fa', 'chosen', ?, ?)",
            (NOW.isoformat(), NOW.isoformat()),
        )
    assert "unresolved_questions" not in tables(path)

    store = await SqliteStore.open(path)
    person = await store.get_person("telegram", "42")
    assert person is not None and person.language == "fa" and person.language_source == "chosen"
    await store.add_unresolved(person.id, "a question", "fa", None, "weak", NOW)
    assert len(await store.list_unresolved()) == 1
    await store.close()


async def test_migrating_twice_changes_nothing(tmp_path: Path):
    path = tmp_path / "twice.sqlite3"
    for _ in range(2):
        store = await SqliteStore.open(path)
        await store.close()
    async with aiosqlite.connect(path) as db:
        assert await schema_version(db) == bundled_migrations()[-1].version


async def test_a_newer_schema_than_the_program_knows_is_refused(tmp_path: Path):
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 999")
    with pytest.raises(RuntimeError, match="newer than this program knows"):
        await SqliteStore.open(path)


async def test_a_failing_migration_leaves_the_file_at_the_last_whole_version(tmp_path: Path):
    from storage.migrate import Migration

    path = tmp_path / "broken.sqlite3"
    migrations = [*bundled_migrations()[:1], Migration(2, "0002_broken.sql", "CREATE TABLE x (a);\nNOT SQL;")]
    async with aiosqlite.connect(path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, migrations)
        assert await schema_version(db) == 1
    assert "x" not in tables(path)


async def test_people_are_unique_per_channel_and_text_is_stored_verbatim(store):
    a = await store.create_person("telegram", "7", "ar", "detected", NOW)
    again = await store.create_person("telegram", "7", "de", "hint", NOW)
    other = await store.create_person("console", "7", "de", "hint", NOW)
    assert a.id == again.id and again.language == "ar"
    assert other.id != a.id
    tricky = '\'); DROP TABLE people; -- "quoted" مرحبا'
    await store.add_unresolved(a.id, tricky, "ar", None, "weak", NOW)
    [row] = await store.list_unresolved()
    assert row.text == tricky
    assert await store.get_person("telegram", "7") is not None
