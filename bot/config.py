"""Settings: read once from the environment and `.env`, validated before anything starts."""

from __future__ import annotations

import hashlib
import hmac
import logging

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.zones import zone_named

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
    "METRICS_PORT": "give a TCP port number between 1 and 65535 (Socket Mode serves /healthz and /metrics there)",
    "LOG_LEVEL": "use one of DEBUG, INFO, WARNING, ERROR",
    "LOG_FORMAT": "use text (the default) or json (one JSON object a line)",
    "DEFAULT_TIMEZONE": "use an IANA timezone name such as Europe/London or America/New_York",
}


class ConfigError(Exception):
    """Settings are missing or malformed; the message names each one and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    database_url: str = Field(default="sqlite:///partnerbot.db", alias="DATABASE_URL")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(default=3000, ge=1, le=65535, alias="PORT")
    # Socket Mode only (HTTP mode serves them on PORT): where /healthz and /metrics are. The same default as
    # PORT, so a health check or a scrape configuration does not change with the mode.
    metrics_port: int = Field(default=3000, ge=1, le=65535, alias="METRICS_PORT")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_format: str = Field(default="text", alias="LOG_FORMAT")
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

    @field_validator("log_format")
    @classmethod
    def _log_format_known(cls, value: str):
        if value.lower() not in ("text", "json"):
            raise ValueError(f"unknown format {value!r}")
        return value.lower()

    @field_validator("default_timezone")
    @classmethod
    def _timezone_known(cls, value: str):
        if zone_named(value) is None:
            raise ValueError(f"unknown timezone {value!r}")
        return value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def missing_for_slack(self) -> list[str]:
        """The settings serving Slack needs that are not set: a bot token, and in HTTP mode the signing secret."""
        missing = ["SLACK_BOT_TOKEN"] if self.slack_bot_token is None else []
        if not self.socket_mode and self.slack_signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET")
        return missing

    def require_slack(self) -> None:
        problems = [_missing(name) for name in self.missing_for_slack()]
        if problems:
            raise ConfigError(_report(problems))


def _missing(name: str) -> str:
    return f"{name} is not set: {HOW_TO_GET[name]}."


def _report(problems: list[str]) -> str:
    """One line for one problem; every problem on a line of its own when there are more, so a person fixes
    them all in one go instead of one per start."""
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} settings need fixing:\n" + "\n".join(f"  - {problem}" for problem in problems)


def load_settings(*, require_slack: bool = False, **overrides) -> Settings:
    """Build settings, naming every malformed setting (and with `require_slack`, every missing one) at once."""
    problems, broken = [], set()
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
            reason = error["msg"].removeprefix("Value error, ")
            broken.add(name)
            problems.append(f"{name} is malformed ({reason}): {HOW_TO_GET.get(name, 'see .env.example')}.")
        # The rest is still checked: the broken ones stand at their defaults for that (never used otherwise).
        defaults = {f.alias: f.default for f in Settings.model_fields.values() if f.alias in broken}
        settings = Settings(**{**overrides, **defaults})
    if require_slack:
        problems += [_missing(name) for name in settings.missing_for_slack() if name not in broken]
    if problems:
        raise ConfigError(_report(problems))
    return settings


def configure_logging(settings: Settings) -> None:
    from bot.logs import handler

    secrets = [s.get_secret_value() for s in (settings.slack_bot_token, settings.slack_signing_secret) if s]
    secrets += [settings.slack_app_token.get_secret_value()] if settings.slack_app_token else []
    logging.basicConfig(level=getattr(logging, settings.log_level), handlers=[handler(settings.log_format, secrets)])
    # Alembic announces its plugins on import; that says nothing about our migrations.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
