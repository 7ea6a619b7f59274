"""Log lines: plain text, or one JSON object a line (`LOG_FORMAT=json`, python-json-logger) for a log
pipeline. Each line carries the partnership, channel and request or send key being worked on, where there is
one (context variables set where a request arrives, a send is performed and a partnership is looked up), and
no line ever carries a token or a secret: Slack tokens, response URLs and the configured secrets are redacted
from the whole line, exceptions and URLs included."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Iterator

from pythonjsonlogger.json import JsonFormatter

PARTNERSHIP: ContextVar[int | None] = ContextVar("partnership", default=None)
CHANNEL: ContextVar[str | None] = ContextVar("channel", default=None)
REQUEST: ContextVar[str | None] = ContextVar("request", default=None)
SEND: ContextVar[str | None] = ContextVar("send", default=None)
FIELDS = {"partnership": PARTNERSHIP, "channel": CHANNEL, "request": REQUEST, "send": SEND}

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Bot, user and app tokens, and response URLs (whose path is itself a credential for 30 minutes).
_TOKENS = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+|https://hooks\.slack\.com/[^\s\"'<>]+")


@contextmanager
def context(**values) -> Iterator[None]:
    """What the lines logged inside are about; every field not given is cleared, and all are restored after
    (a worker thread's next job starts clean)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"no log field {sorted(unknown)}")
    tokens = [(var, var.set(values.get(name))) for name, var in FIELDS.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def note(**values) -> None:
    """Add to what the current request or send is about (e.g. the partnership, once it is looked up)."""
    for name, value in values.items():
        FIELDS[name].set(value)


class InContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in FIELDS.items():
            setattr(record, name, var.get())
        return True


class Redactor:
    def __init__(self, secrets: list[str]):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = _TOKENS.sub(lambda m: f"{m.group(1)}-[redacted]" if m.group(1) else "[redacted url]", text)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


class TextLines(logging.Formatter):
    def __init__(self, redact: Redactor):
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonLines(JsonFormatter):
    def __init__(self, redact: Redactor):
        super().__init__(
            ["asctime", "levelname", "name", "message"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
        self._redact = redact

    def process_log_record(self, log_data: dict) -> dict:
        return {key: value for key, value in log_data.items() if value is not None}

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def handler(log_format: str, secrets: list[str], stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `log_format` ("text" or "json") lines to `stream` (stderr), with context, redacted."""
    redact = Redactor(secrets)
    out = logging.StreamHandler(stream)
    out.setFormatter(JsonLines(redact) if log_format == "json" else TextLines(redact))
    out.addFilter(InContext())
    return out
