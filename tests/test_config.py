"""Configuration from the environment: bad values stop the start with one clear line."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, child_env

from bot.config import ConfigError, load_settings


def run_cli(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(**env),
        timeout=60,
    )


def test_defaults(monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    for name in ("WILLKOMMEN_DB", "WILLKOMMEN_CONTENT", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(env_file=None)
    assert settings.db_path == Path("willkommen.sqlite3")
    assert (settings.content_path / "offices.yaml").is_file()
    assert settings.telegram_token is None


def test_env_file_is_read(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("WILLKOMMEN_DB", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"WILLKOMMEN_DB={tmp_path / 'from-env-file.sqlite3'}\n", encoding="utf-8")
    assert load_settings(env_file=env_file).db_path == tmp_path / "from-env-file.sqlite3"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WILLKOMMEN_DB", "/no/such/folder/x.sqlite3", "WILLKOMMEN_DB folder /no/such/folder does not exist"),
        ("WILLKOMMEN_CONTENT", "/no/such/content", "WILLKOMMEN_CONTENT /no/such/content is not a folder"),
        ("WILLKOMMEN_DEFAULT_LANGUAGE", "fr", "WILLKOMMEN_DEFAULT_LANGUAGE must be one of de, en, ar, fa, ti"),
        ("TELEGRAM_BOT_TOKEN", "hunter2", "TELEGRAM_BOT_TOKEN does not look like a token"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert str(caught.value).startswith(f"Configuration error: {message}")
    assert "\n" not in str(caught.value)


def test_bad_configuration_stops_the_start_with_one_line(tmp_path: Path):
    result = run_cli(["chat"], {"WILLKOMMEN_DB": str(tmp_path / "missing" / "db.sqlite3")})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Configuration error: WILLKOMMEN_DB folder {tmp_path / 'missing'} does not exist"
    ]


def test_a_token_never_appears_in_the_error(tmp_path: Path):
    result = run_cli(["chat"], {"TELEGRAM_BOT_TOKEN": "secret-value-123", "WILLKOMMEN_DB": str(tmp_path / "d")})
    assert result.returncode == 2 and "secret-value-123" not in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STAFF_CHAT_ID": "12345"}, "STAFF_CHAT_ID must be a group's id, a negative number"),
        ({"STAFF_CHAT_ID": "staff"}, "STAFF_CHAT_ID must be a whole number"),
        ({"WILLKOMMEN_PORT": "99999"}, "WILLKOMMEN_PORT"),
        ({"TELEGRAM_API_BASE": "api.telegram.org"}, "TELEGRAM_API_BASE must be a URL"),
        (
            {"TELEGRAM_WEBHOOK_URL": "http://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": "x" * 20},
            "TELEGRAM_WEBHOOK_URL must be an https:// URL",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"},
            "TELEGRAM_WEBHOOK_SECRET must be set in webhook mode",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": "short"},
            "TELEGRAM_WEBHOOK_SECRET must be 16-256 characters",
        ),
    ],
)
def test_telegram_settings_are_validated(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert message in str(caught.value)


def test_staff_chat_id_and_webhook_settings_are_read(monkeypatch):
    monkeypatch.setenv("STAFF_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/tg/hook")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "a-long-enough_secret")
    settings = load_settings(env_file=None)
    assert settings.staff_chat_id == -1001234567890
    assert settings.webhook_url == "https://bot.example.org/tg/hook"


def test_whatsapp_needs_all_four_settings_and_names_the_missing(monkeypatch, tmp_path):
    from bot.config import ConfigError, load_settings

    monkeypatch.setenv("WILLKOMMEN_DB", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("WHATSAPP_PHONE_ID", "106540352242922")
    monkeypatch.setenv("WHATSAPP_TOKEN", "EAAtoken")
    with pytest.raises(ConfigError, match="missing: WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"):
        load_settings(env_file=None)
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "secret")
    monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", "verify")
    settings = load_settings(env_file=None)
    assert settings.whatsapp_enabled and settings.whatsapp_api_base == "https://graph.facebook.com"
    monkeypatch.setenv("WHATSAPP_PHONE_ID", "+49 231")
    with pytest.raises(ConfigError, match="WHATSAPP_PHONE_ID must be the phone number's id"):
        load_settings(env_file=None)
