"""Every exchange between the bot and the playground's Slack, newest first, for the inspector panel."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Callable


class Inspector:
    def __init__(self, clock, keep: int = 500):
        self.clock = clock
        self._entries: deque[dict] = deque(maxlen=keep)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.listeners: list[Callable[[dict], None]] = []

    def api_call(self, call, status: int, body: dict | None, seconds: float) -> None:
        """A Web API call the bot made (a FakeSlack observer)."""
        ok = status == 200 and (body is None or body.get("ok", True))
        self._add(
            direction="api",
            name=call.method,
            request=call.args,
            status=status,
            answer=body if body is not None else "ok",
            ms=seconds * 1000,
            error=not ok,
        )

    def bot_request(self, kind: str, payload: dict, status: int, answer: str, seconds: float) -> None:
        """A request the playground sent to the bot on /slack/events, and the bot's ack."""
        self._add(
            direction="bot",
            name=kind,
            request=payload,
            status=status,
            answer=answer,
            ms=seconds * 1000,
            error=status != 200,
        )

    def entries(self) -> list[dict]:
        with self._lock:
            return list(reversed(self._entries))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
        self._notify({"kind": "inspector"})

    def _add(self, **entry) -> None:
        entry.update(id=next(self._ids), at=self.clock.now().isoformat(timespec="seconds"))
        with self._lock:
            self._entries.append(entry)
        self._notify({"kind": "inspector", "error": entry["error"]})

    def _notify(self, event: dict) -> None:
        for listener in list(self.listeners):
            listener(event)
