"""Configuration from environment variables and an optional `.env` file.

Bad configuration stops the start with one line that names the variable and what is wrong with it.
"""

import re
from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.languages import LANGUAGES

TELEGRAM_LIBRARIES = ("ptb", "aiogram")
DEFAULT_TELEGRAM_LIBRARY = "ptb"


class ConfigError(Exception):
    """A configuration problem, worded for the person starting the bot."""


def bundled_content_dir() -> Path:
    import content

    return Path(content.__file__).parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    db_path: Path = Field(Path("./willkommen.sqlite3"), validation_alias=AliasChoices("WILLKOMMEN_DB"))
    content_dir: Path | None = Field(None, validation_alias=AliasChoices("WILLKOMMEN_CONTENT"))
    default_language: str = Field("de", validation_alias=AliasChoices("WILLKOMMEN_DEFAULT_LANGUAGE"))
    telegram_token: str | None = Field(None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN"))
    telegram_api_base: str = Field("https://api.telegram.org", validation_alias=AliasChoices("TELEGRAM_API_BASE"))
    # Which library runs the Telegram channel (the default and why: README, "Telegram libraries").
    telegram_library: str = Field(DEFAULT_TELEGRAM_LIBRARY, validation_alias=AliasChoices("TELEGRAM_LIBRARY"))
    webhook_url: str | None = Field(None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL"))
    webhook_secret: str | None = Field(None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET"))
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("WILLKOMMEN_HOST"))
    port: int = Field(8080, ge=1, le=65535, validation_alias=AliasChoices("WILLKOMMEN_PORT"))
    staff_chat_id: int | None = Field(None, validation_alias=AliasChoices("STAFF_CHAT_ID"))
    staff_language: str = Field("de", validation_alias=AliasChoices("WILLKOMMEN_STAFF_LANGUAGE"))
    reminder_hours_raw: str = Field("24,3", validation_alias=AliasChoices("WILLKOMMEN_REMINDER_HOURS"))
    agenda_time_raw: str = Field("07:30", validation_alias=AliasChoices("WILLKOMMEN_AGENDA_TIME"))
    keep_messages_days: int = Field(90, ge=1, le=3650, validation_alias=AliasChoices("WILLKOMMEN_KEEP_MESSAGES_DAYS"))
    keep_inactive_days: int = Field(365, ge=30, le=3650, validation_alias=AliasChoices("WILLKOMMEN_KEEP_INACTIVE_DAYS"))
    staff_ids_raw: str = Field("", validation_alias=AliasChoices("WILLKOMMEN_STAFF_IDS"))
    whatsapp_phone_id: str | None = Field(None, validation_alias=AliasChoices("WHATSAPP_PHONE_ID"))
    whatsapp_token: str | None = Field(None, validation_alias=AliasChoices("WHATSAPP_TOKEN"))
    whatsapp_app_secret: str | None = Field(None, validation_alias=AliasChoices("WHATSAPP_APP_SECRET"))
    whatsapp_verify_token: str | None = Field(None, validation_alias=AliasChoices("WHATSAPP_VERIFY_TOKEN"))
    whatsapp_api_base: str = Field("https://graph.facebook.com", validation_alias=AliasChoices("WHATSAPP_API_BASE"))
    whatsapp_host: str | None = Field(None, validation_alias=AliasChoices("WHATSAPP_HOST"))
    whatsapp_port: int = Field(8081, ge=0, le=65535, validation_alias=AliasChoices("WHATSAPP_PORT"))
    whatsapp_path: str = Field("/whatsapp", validation_alias=AliasChoices("WHATSAPP_PATH"))

    @field_validator("db_path")
    @classmethod
    def _db_parent_exists(cls, value: Path) -> Path:
        if str(value).strip() == "":
            raise ValueError("must not be empty")
        parent = value.expanduser().resolve().parent
        if not parent.is_dir():
            raise ValueError(f"folder {parent} does not exist")
        if value.exists() and value.is_dir():
            raise ValueError(f"{value} is a folder, not a file")
        return value.expanduser()

    @field_validator("content_dir")
    @classmethod
    def _content_dir_exists(cls, value: Path | None) -> Path | None:
        if value is None or str(value).strip() == "":
            return None
        value = value.expanduser()
        if not value.is_dir():
            raise ValueError(f"{value} is not a folder")
        return value

    @field_validator("reminder_hours_raw")
    @classmethod
    def _hours_list(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= 24 * 14 for p in parts):
            raise ValueError("must be hours before the appointment, separated by commas, e.g. 24,3")
        return value

    @field_validator("agenda_time_raw")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError("must be a time like 07:30")
        return value.strip()

    @field_validator("staff_ids_raw")
    @classmethod
    def _id_list(cls, value: str) -> str:
        if not all(p.strip().isdigit() for p in value.split(",") if p.strip()):
            raise ValueError("must be Telegram user ids separated by commas, e.g. 12345,67890")
        return value

    @property
    def staff_ids(self) -> frozenset[int]:
        """Allowed staff user ids; empty: every member of the staff group is staff."""
        return frozenset(int(p) for p in self.staff_ids_raw.split(",") if p.strip())

    @property
    def reminder_hours(self) -> tuple[int, ...]:
        return tuple(sorted({int(p) for p in self.reminder_hours_raw.split(",") if p.strip()}, reverse=True))

    @property
    def agenda_time(self) -> tuple[int, int]:
        hour, minute = self.agenda_time_raw.split(":")
        return int(hour), int(minute)

    @field_validator("default_language", "staff_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        bot_id, _, secret = value.partition(":")
        if not bot_id.isdigit() or len(secret) < 20:
            raise ValueError("does not look like a token from @BotFather (digits, a colon, then the secret)")
        return value

    @field_validator("telegram_library", mode="before")
    @classmethod
    def _known_library(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return DEFAULT_TELEGRAM_LIBRARY
        if not isinstance(value, str) or value.strip().lower() not in TELEGRAM_LIBRARIES:
            raise ValueError(f"must be one of {', '.join(TELEGRAM_LIBRARIES)}")
        return value.strip().lower()

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base_is_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
            raise ValueError("must be a URL like https://api.telegram.org")
        return value

    @field_validator("webhook_url", "webhook_secret", "staff_chat_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_is_https(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https://[^\s/]+(/[^\s]*)?", value.strip()):
            raise ValueError("must be an https:// URL (Telegram only calls webhooks over HTTPS)")
        return value.strip() if value else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str | None) -> str | None:
        # Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("staff_chat_id")
    @classmethod
    def _group_id(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("must be a group's id, a negative number such as -1001234567890")
        return value

    @field_validator(
        "whatsapp_phone_id",
        "whatsapp_token",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "whatsapp_host",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("whatsapp_phone_id")
    @classmethod
    def _phone_id_digits(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().isdigit():
            raise ValueError("must be the phone number's id from the WhatsApp API setup page (digits only)")
        return value.strip() if value else None

    @field_validator("whatsapp_api_base")
    @classmethod
    def _graph_base_is_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
            raise ValueError("must be a URL like https://graph.facebook.com")
        return value

    @field_validator("whatsapp_path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9/_.-]*", value.strip()):
            raise ValueError("must be a URL path such as /whatsapp")
        return value.strip()

    @model_validator(mode="after")
    def _whatsapp_complete(self) -> "Settings":
        values = {
            "WHATSAPP_PHONE_ID": self.whatsapp_phone_id,
            "WHATSAPP_TOKEN": self.whatsapp_token,
            "WHATSAPP_APP_SECRET": self.whatsapp_app_secret,
            "WHATSAPP_VERIFY_TOKEN": self.whatsapp_verify_token,
        }
        missing = [name for name, value in values.items() if not value]
        if 0 < len(missing) < len(values):
            raise ValueError(f"WhatsApp needs all four of {', '.join(values)}; missing: {', '.join(missing)}")
        return self

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_phone_id and self.whatsapp_token and self.whatsapp_app_secret)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode (TELEGRAM_WEBHOOK_URL is set)")
        return self

    @property
    def content_path(self) -> Path:
        return self.content_dir or bundled_content_dir()


_ENV_NAMES = {
    "telegram_api_base": "TELEGRAM_API_BASE",
    "webhook_url": "TELEGRAM_WEBHOOK_URL",
    "webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "host": "WILLKOMMEN_HOST",
    "port": "WILLKOMMEN_PORT",
    "staff_chat_id": "STAFF_CHAT_ID",
    "staff_language": "WILLKOMMEN_STAFF_LANGUAGE",
    "reminder_hours_raw": "WILLKOMMEN_REMINDER_HOURS",
    "agenda_time_raw": "WILLKOMMEN_AGENDA_TIME",
    "keep_messages_days": "WILLKOMMEN_KEEP_MESSAGES_DAYS",
    "keep_inactive_days": "WILLKOMMEN_KEEP_INACTIVE_DAYS",
    "staff_ids_raw": "WILLKOMMEN_STAFF_IDS",
    "db_path": "WILLKOMMEN_DB",
    "content_dir": "WILLKOMMEN_CONTENT",
    "default_language": "WILLKOMMEN_DEFAULT_LANGUAGE",
    "telegram_token": "TELEGRAM_BOT_TOKEN",
    "telegram_library": "TELEGRAM_LIBRARY",
    "whatsapp_phone_id": "WHATSAPP_PHONE_ID",
    "whatsapp_token": "WHATSAPP_TOKEN",
    "whatsapp_app_secret": "WHATSAPP_APP_SECRET",
    "whatsapp_verify_token": "WHATSAPP_VERIFY_TOKEN",
    "whatsapp_api_base": "WHATSAPP_API_BASE",
    "whatsapp_host": "WHATSAPP_HOST",
    "whatsapp_port": "WHATSAPP_PORT",
    "whatsapp_path": "WHATSAPP_PATH",
}


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read the settings; raise ConfigError with one line per wrong variable (never the secret value)."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if not error["loc"]:  # a rule across variables names them itself
                lines.append(f"Configuration error: {message}")
                continue
            field_name = str(error["loc"][0])
            name = _ENV_NAMES.get(field_name, field_name)
            if error["type"] in ("int_parsing", "int_type"):
                message = "must be a whole number"
            lines.append(f"Configuration error: {name} {message}")
        raise ConfigError("\n".join(lines)) from None
