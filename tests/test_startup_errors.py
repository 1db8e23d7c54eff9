"""Every start failure an operator can cause ends `willkommen run` with one line naming the cause and the fix,
exit code 2, no traceback, and without hanging: the real process against the fake Bot API server."""

import asyncio
import contextlib
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from telegram_env import start_bot_process

STAFF_ID = -1008888
HANG_LIMIT_SECONDS = 90  # the process imports aiogram and loads the matcher first: seconds, never minutes


async def run_fails(fake, db: Path, **env: str) -> str:
    """Run the real `willkommen run`; it must stop by itself with exit code 2 and exactly one line."""
    process = await start_bot_process(fake, db, **env)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), HANG_LIMIT_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = stderr.decode()
    assert "Traceback" not in text, text
    assert process.returncode == 2, text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


async def test_a_revoked_token(fake, tmp_path: Path):
    line = await run_fails(fake, tmp_path / "db.sqlite3", TELEGRAM_BOT_TOKEN="123456:" + "R" * 35)
    assert "TELEGRAM_BOT_TOKEN" in line and "401" in line and "@BotFather" in line
    assert fake.arrived == ["getMe"]


async def test_an_address_where_no_bot_api_answers(fake, tmp_path: Path):
    runner = web.AppRunner(web.Application())  # a web server without a Bot API: 404 to everything
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        line = await run_fails(fake, tmp_path / "db.sqlite3", TELEGRAM_API_BASE=base)
    finally:
        await runner.cleanup()
    assert f"TELEGRAM_API_BASE {base}" in line and "no Bot API answers there" in line


async def test_the_bot_is_not_in_the_staff_group(fake, tmp_path: Path):
    line = await run_fails(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    assert f"STAFF_CHAT_ID {STAFF_ID}" in line and "not in this group" in line and "add it" in line


async def test_the_bot_left_the_staff_group(fake, tmp_path: Path):
    fake.staff_group(STAFF_ID)
    fake.bot_rights[STAFF_ID] = {"status": "left", "user": fake._me()}
    line = await run_fails(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    assert "not in this group" in line and "add it to the group as admin" in line


async def test_a_staff_group_without_topics(fake, tmp_path: Path):
    fake.staff_group(STAFF_ID, topics=False)
    line = await run_fails(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    assert "topics are off" in line and "turn on Topics" in line


@pytest.mark.parametrize("member", [False, True], ids=["admin-without-topic-right", "plain-member"])
async def test_the_bot_may_not_manage_topics(fake, tmp_path: Path, member: bool):
    fake.staff_group(STAFF_ID, can_manage_topics=False)
    if member:
        fake.bot_rights[STAFF_ID] = {"status": "member", "user": fake._me()}
    line = await run_fails(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    assert "make the bot an admin with the right to manage topics" in line


async def test_an_unexpected_answer_about_the_bots_rights(fake, tmp_path: Path):
    fake.staff_group(STAFF_ID)
    fake.fail("getChatMember", 400, times=100, description="Bad Request: user not found")
    line = await run_fails(fake, tmp_path / "db.sqlite3", STAFF_CHAT_ID=str(STAFF_ID))
    # Telegram's words as the library gives them (python-telegram-bot capitalises their start)
    assert "user not found" in line.lower() and f"STAFF_CHAT_ID {STAFF_ID}" in line and "admin" in line


WEBHOOK = {"TELEGRAM_WEBHOOK_URL": "https://bot.invalid/telegram/hook", "TELEGRAM_WEBHOOK_SECRET": "s" * 32}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_telegram_refuses_the_webhook_url(fake, tmp_path: Path):
    fake.webhook_refusal = "bad webhook: Failed to resolve host: Name or service not known"
    line = await run_fails(fake, tmp_path / "db.sqlite3", WILLKOMMEN_PORT=str(free_port()), **WEBHOOK)
    assert "TELEGRAM_WEBHOOK_URL https://bot.invalid/telegram/hook" in line
    assert "failed to resolve host" in line.lower()
    assert "public https://" in line


async def test_the_webhook_port_is_taken(fake, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = await run_fails(fake, tmp_path / "db.sqlite3", WILLKOMMEN_PORT=str(port), **WEBHOOK)
    assert f"127.0.0.1:{port}" in line and "choose a free port" in line
    assert fake.webhook is None


# -- the database -------------------------------------------------------------------------------------------


async def test_a_file_of_random_bytes(fake, tmp_path: Path):
    db = tmp_path / "db.sqlite3"
    db.write_bytes(os.urandom(64 * 1024))
    line = await run_fails(fake, db)
    assert str(db) in line and "is not an SQLite database" in line and "move this file away" in line
    assert not fake.arrived  # the database is checked before anything is asked of Telegram


async def test_a_database_of_a_newer_program(fake, tmp_path: Path):
    db = tmp_path / "db.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA user_version = 999")
    line = await run_fails(fake, db)
    assert str(db) in line and "newer than this program" in line and "update the program" in line


async def test_a_database_locked_by_another_process(fake, tmp_path: Path):
    db = tmp_path / "db.sqlite3"
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        line = await run_fails(fake, db)
        other.execute("ROLLBACK")
    assert str(db) in line and "locked by another process" in line and "stop the other program" in line


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """The folder as the bot's user cannot write it: a read-only bind mount for root (who may write anything
    else), file modes for anyone else."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if not _mount("--bind", str(folder), str(folder)):
        pytest.skip("cannot make a read-only folder here (no mount)")
    try:
        if not _mount("-o", "remount,ro,bind", str(folder)):
            pytest.skip("cannot make a read-only folder here (no remount)")
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.mark.parametrize("exists", [False, True], ids=["new-file", "existing-file"])
async def test_a_read_only_folder(fake, tmp_path: Path, exists: bool):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "db.sqlite3"
    if exists:
        from storage import open_store

        store = await open_store(str(db))
        await store.close()
    with read_only(folder):
        line = await run_fails(fake, db)
    assert str(db) in line and "let the bot's user write the file and its folder" in line
    assert not fake.arrived


@contextlib.contextmanager
def full_disk(folder: Path) -> Iterator[None]:
    """A small file system at `folder`, filled up to the last byte."""
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)):
        pytest.skip("cannot make a small file system here (needs root and mount)")
    try:
        with contextlib.suppress(OSError), (folder / "filler").open("wb") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


async def test_a_full_disk(fake, tmp_path: Path):
    folder = tmp_path / "small"
    folder.mkdir()
    with full_disk(folder):
        line = await run_fails(fake, folder / "db.sqlite3")
    assert "the disk is full" in line and "free space on its disk" in line


def test_other_commands_say_the_same_about_the_database(tmp_path: Path):
    import sys

    from conftest import ROOT

    db = tmp_path / "db.sqlite3"
    db.write_bytes(os.urandom(8192))
    env = {**os.environ, "WILLKOMMEN_DB": str(db)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "report", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_LIMIT_SECONDS,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert str(db) in line and "is not an SQLite database" in line
