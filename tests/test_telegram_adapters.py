"""TELEGRAM_LIBRARY picks the Telegram adapter, and the other library is never imported (issue 17): a real
`willkommen run` process against the fake Bot API, with an import hook that refuses the library not
chosen (and matplotlib, which only /stats needs), answers a person and stops cleanly."""

import asyncio
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from telegram_env import agreed, answer_once_then_stop, bot_process_env

from bot.config import DEFAULT_TELEGRAM_LIBRARY, ConfigError, load_settings

OTHER = {"ptb": "telegram", "aiogram": "aiogram"}
REFUSE_IMPORTS = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in REFUSED:
            sys.stderr.write(f"refused import: {name}\\n")
            raise ImportError(f"{name} must not be imported here")

REFUSED = set(sys.argv[1].split(","))
sys.meta_path.insert(0, Refuse())
from handlers.cli import main
sys.exit(main(["run"]))
"""


async def test_only_the_chosen_library_is_imported(fake, tmp_path: Path):
    chosen = fake.library
    refused = [OTHER["aiogram" if chosen == "ptb" else "ptb"], "matplotlib"]
    db = tmp_path / "db.sqlite3"
    user = fake.user(9101, "Lazy", "en")
    await agreed(fake, user, db=db)
    env = bot_process_env(fake, db)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", REFUSE_IMPORTS, ",".join(refused), cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    stderr, _ = await answer_once_then_stop(fake, process, user, "where is the office")
    assert process.returncode == 0, stderr.decode()
    assert b"refused import" not in stderr and b"Traceback" not in stderr


def test_the_library_setting(monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_LIBRARY", raising=False)
    assert load_settings(env_file=None).telegram_library == DEFAULT_TELEGRAM_LIBRARY
    for written, meant in (("aiogram", "aiogram"), (" PTB ", "ptb"), ("", DEFAULT_TELEGRAM_LIBRARY)):
        monkeypatch.setenv("TELEGRAM_LIBRARY", written)
        assert load_settings(env_file=None).telegram_library == meant
    monkeypatch.setenv("TELEGRAM_LIBRARY", "telebot")
    with pytest.raises(ConfigError, match="TELEGRAM_LIBRARY must be one of ptb, aiogram"):
        load_settings(env_file=None)
