"""Slack lets an app post about one message per second per channel, with short bursts. Pacing here
keeps a fan-out (a check-in, nudges, a summary landing together) inside that instead of earning 429s."""

from __future__ import annotations

import threading
import time
from typing import Callable


class ChannelPacer:
    """A token bucket per channel: `burst` posts at once, then one every `interval` seconds."""

    def __init__(
        self,
        burst: int = 3,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.burst, self.interval = burst, interval
        self._monotonic, self._sleep = monotonic, sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when counted)

    def wait(self, channel: str) -> float:
        """Block until a post to `channel` is within the limit; returns how long it waited."""
        with self._lock:  # reserve a slot now, sleep outside the lock so other channels are not held up
            now = self._monotonic()
            tokens, counted = self._buckets.get(channel, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - counted) / self.interval) - 1
            self._buckets[channel] = (tokens, now)
            if len(self._buckets) > 10_000:  # forget quiet channels
                self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < 60}
        delay = -tokens * self.interval if tokens < 0 else 0.0
        if delay:
            self._sleep(delay)
        return delay
