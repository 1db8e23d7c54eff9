"""The console chat, driven through its input: the same engine, numbered buttons, the local SQLite file."""

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, child_env

from handlers.console import run_console


async def test_console_plays_a_conversation_through_its_input(engine):
    stdin = io.StringIO("1\nwann büro offen\n/quit\n")  # [1] 🕒 opening hours: answered, no notice first
    stdout = io.StringIO()
    await run_console(engine, stdin=stdin, stdout=stdout, lang="de")
    out = stdout.getvalue()
    assert "[1] Deutsch" not in out  # a chosen language: no language picker on /start
    assert "[1] 🕒 Öffnungszeiten" in out
    assert "Jetzt offen" in out  # "1" pressed the opening-hours button, then the question was answered
    assert out.rstrip().endswith("👋")


async def test_console_end_of_input_ends_the_chat(engine):
    stdout = io.StringIO()
    await run_console(engine, stdin=io.StringIO(""), stdout=stdout)
    out = stdout.getvalue()
    assert "[1] Deutsch" in out and "ትግርኛ" in out  # first contact: every language in its own script
    assert "🕒" in out and "🔒" not in out  # and the menu; no privacy notice to accept first


def test_willkommen_chat_in_arabic_uses_the_local_sqlite_file(tmp_path: Path):
    db = tmp_path / "chat.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "chat", "--lang", "ar"],
        input="1\nمتى يفتح المكتب؟\nwhere is the office\n/quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env=child_env(WILLKOMMEN_DB=str(db)),
    )
    assert result.returncode == 0, result.stderr
    assert "أوقات" in result.stdout or "مفتوح" in result.stdout or "مغلق" in result.stdout
    assert "Brackeler Hellweg 146" in result.stdout
    assert "Traceback" not in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT language, language_source FROM people").fetchall() == [("ar", "chosen")]


def test_main_job_without_token_opens_the_console_chat(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli"],
        input="/quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env=child_env(WILLKOMMEN_DB=str(tmp_path / "main.sqlite3")),
    )
    assert result.returncode == 0, result.stderr
    assert "lokal willkommen" in result.stdout and (tmp_path / "main.sqlite3").is_file()


async def test_console_messages_to_a_person_are_stored_for_the_team(engine, store):
    # [7] 🙋 Write to a person, [1] ✅ OK to store the messages for the team, then the question
    stdin = io.StringIO("7\n1\nmy question for a person\n/quit\n")
    stdout = io.StringIO()
    await run_console(engine, stdin=stdin, stdout=stdout, lang="en")
    person = await store.get_person("console", "local")
    ticket = await store.open_ticket_of(person.id)
    texts = [r.text for r in await store.relay_rows(ticket.id)]
    assert "my question for a person" in texts and "📨 ✓" in stdout.getvalue()
