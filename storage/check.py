"""Can the bot use its database file? Checked once at start, before anything else touches the file, so that
an unusable file ends the start with one line naming the cause and the fix instead of a traceback.

The check uses the sqlite3 module directly, in this thread and with a bounded wait for locks: it cannot
leave a worker thread behind (aiosqlite's) that keeps a failed process alive.
"""

import sqlite3
from pathlib import Path

from bot.ports import StoreUnusable

LOCK_WAIT_SECONDS = 5.0

# SQLite's own words (sqlite3_errstr) for the faults an operator can cause, what they mean and the fix.
_CAUSES = (
    (
        "file is not a database",
        "is not an SQLite database",
        "point WILLKOMMEN_DB to the bot's database, or move this file away to start with a new one",
    ),
    (
        "database disk image is malformed",
        "is damaged",
        "restore it from a backup, or move it away to start with a new one",
    ),
    (
        "readonly database",
        "is read-only",
        "let the bot's user write the file and its folder (SQLite adds -wal and -shm files next to it)",
    ),
    (
        "unable to open database file",
        "cannot be opened or created",
        "let the bot's user write the file and its folder (SQLite adds -wal and -shm files next to it)",
    ),
    ("database or disk is full", "cannot grow: the disk is full", "free space on its disk"),
    ("database is locked", "is locked by another process", "stop the other program that uses it"),
    ("disk i/o error", "cannot be read or written (disk I/O error)", "check the disk and the file system"),
)


def explain(path: str | Path, exc: BaseException) -> StoreUnusable:
    """The operator's one line for a fault of the database file."""
    words = str(exc).lower()
    for pattern, cause, fix in _CAUSES:
        if pattern in words:
            return StoreUnusable(f"Database {path} {cause} ({exc}): {fix}, then start again.")
    return StoreUnusable(f"Database {path} cannot be used ({type(exc).__name__}: {exc}): check WILLKOMMEN_DB.")


def check_database(path: str | Path) -> None:
    """Open the file (made if missing), read its schema and write its header once: raises StoreUnusable."""
    try:
        db = sqlite3.connect(str(path), timeout=LOCK_WAIT_SECONDS, isolation_level=None)
    except sqlite3.Error as exc:
        raise explain(path, exc) from None
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        (version,) = db.execute("PRAGMA user_version").fetchone()
        # Writing the version it has changes nothing, but needs the write lock and a page written: a
        # read-only file or folder, a full disk or another writer shows here and not in the middle of a task.
        db.execute("BEGIN IMMEDIATE")
        db.execute(f"PRAGMA user_version = {int(version):d}")
        db.execute("COMMIT")
    except (sqlite3.Error, OSError) as exc:
        raise explain(path, exc) from None
    finally:
        db.close()
