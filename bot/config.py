"""Configuration from environment variables and an optional `.env` file.

Bad configuration stops the start with one line that names the variable and what is wrong with it.
"""

from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.languages import LANGUAGES


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

    @field_validator("default_language")
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

    @property
    def content_path(self) -> Path:
        return self.content_dir or bundled_content_dir()


_ENV_NAMES = {
    "db_path": "WILLKOMMEN_DB",
    "content_dir": "WILLKOMMEN_CONTENT",
    "default_language": "WILLKOMMEN_DEFAULT_LANGUAGE",
    "telegram_token": "TELEGRAM_BOT_TOKEN",
}


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read the settings; raise ConfigError with one line per wrong variable (never the secret value)."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field_name = str(error["loc"][0]) if error["loc"] else "?"
            name = _ENV_NAMES.get(field_name, field_name)
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"Configuration error: {name} {message}")
        raise ConfigError("\n".join(lines)) from None
