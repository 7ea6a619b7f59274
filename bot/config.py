"""Settings: read once from the environment and `.env`, validated before anything starts."""

from __future__ import annotations

import hashlib
import hmac
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# How to obtain each setting, used in the one-line start-up errors.
HOW_TO_GET = {
    "SLACK_BOT_TOKEN": "create the app from manifest.yml (README, 'Create the Slack app'), install it, "
    "and copy 'Bot User OAuth Token' (xoxb-...) from OAuth & Permissions into .env",
    "SLACK_SIGNING_SECRET": "copy 'Signing Secret' from the app's Basic Information page into .env",
    "SLACK_APP_TOKEN": "create an app-level token with the connections:write scope on the app's "
    "Basic Information page (xapp-...), or leave it unset to serve HTTP",
    "DATABASE_URL": "use sqlite:///partnerbot.db or postgresql+psycopg://user:pass@host:5432/dbname",
    "SLACK_API_URL": "leave it unset for Slack's public Web API, or give an http(s) URL ending in /api/",
    "PORT": "give a TCP port number between 1 and 65535",
    "LOG_LEVEL": "use one of DEBUG, INFO, WARNING, ERROR",
    "DEFAULT_TIMEZONE": "use an IANA timezone name such as Europe/London or America/New_York",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    database_url: str = Field(default="sqlite:///partnerbot.db", alias="DATABASE_URL")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(default=3000, ge=1, le=65535, alias="PORT")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    default_timezone: str = Field(default="UTC", alias="DEFAULT_TIMEZONE")

    def answer_key_secret(self) -> bytes:
        """The key behind the keys that let a person replace their own anonymous answer. Derived from the
        signing secret (HTTP mode) or the app-level token (Socket Mode) — one of them is always required, and
        neither is in the database — so a database dump cannot tie an answer to a member."""
        source = self.slack_signing_secret or self.slack_app_token
        if source is None:
            raise ValueError("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is needed to key anonymous feedback")
        return hmac.new(source.get_secret_value().encode(), b"partnerbot anonymous answers", hashlib.sha256).digest()

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None):
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None):
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str):
        if not value.startswith(("sqlite://", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str):
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("log_level")
    @classmethod
    def _log_level_known(cls, value: str):
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"unknown level {value!r}")
        return level

    @field_validator("default_timezone")
    @classmethod
    def _timezone_known(cls, value: str):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def require_slack(self) -> None:
        """Serving needs a bot token, and HTTP mode also needs the signing secret."""
        if self.slack_bot_token is None:
            raise ConfigError(_missing("SLACK_BOT_TOKEN"))
        if not self.socket_mode and self.slack_signing_secret is None:
            raise ConfigError(_missing("SLACK_SIGNING_SECRET"))


def _missing(name: str) -> str:
    return f"{name} is not set: {HOW_TO_GET[name]}."


def load_settings(**overrides) -> Settings:
    """Build settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        reason = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name} is malformed ({reason}): {HOW_TO_GET.get(name, 'see .env.example')}.") from None


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic announces its plugins on import; that says nothing about our migrations.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
