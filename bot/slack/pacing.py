"""Slack lets an app post about one message per second per channel, with short bursts, and limits each
method workspace-wide by its tier. Pacing here keeps a fan-out (a check-in, nudges, a summary landing
together) inside both instead of earning 429s."""

from __future__ import annotations

import threading
import time
from typing import Callable, Protocol


class ChannelPacer:
    """A token bucket per key (a channel, or a method for a tier): `burst` at once, then one every `interval`."""

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
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._told: dict[str, float] = {}  # key -> the moment after the latest one a refused caller was given

    def _tokens(self, key: str, now: float) -> float:
        tokens, counted = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - counted) / self.interval)

    def _keep(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > 10_000:  # forget quiet channels
            self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < 60}

    def wait(self, channel: str) -> float:
        """Block until a post to `channel` is within the limit; returns how long it waited."""
        with self._lock:  # reserve a slot now, sleep outside the lock so other channels are not held up
            now = self._monotonic()
            tokens = self._tokens(channel, now) - 1
            self._keep(channel, tokens, now)
        delay = -tokens * self.interval if tokens < 0 else 0.0
        if delay:
            self._sleep(delay)
        return delay

    def try_take(self, channel: str) -> float:
        """Take a slot if one is free now and return 0; else take nothing and return how many seconds to come
        back after. A worker with other channels to serve moves on instead of waiting.

        Callers refused together are told moments one interval apart (the first when a slot frees), so a
        channel's queued sends come back one at a time, each to a free slot, instead of all at once to be
        refused again (ten check-ins owed to one channel would otherwise cost 45 refusals, not 7)."""
        with self._lock:
            now = self._monotonic()
            tokens = self._tokens(channel, now)
            if tokens >= 1:
                self._keep(channel, tokens - 1, now)
                return 0.0
            moment = max(now + (1 - tokens) * self.interval, self._told.get(channel, 0.0))
            self._told[channel] = moment + self.interval
            if len(self._told) > 10_000:  # forget channels told long ago
                self._told = {c: at for c, at in self._told.items() if at > now}
            return moment - now

    def give_back(self, channel: str) -> None:
        """Slack refused the call (429): it used none of the limit."""
        with self._lock:
            now = self._monotonic()
            self._keep(channel, min(float(self.burst), self._tokens(channel, now) + 1), now)


# Workspace-wide limits per method (Slack's tiers: Tier 3 about 50 a minute, Tier 4 about 100; chat.postMessage
# is "special": several hundred a minute across the workspace). (burst, seconds between calls).
TIERS: dict[str, tuple[int, float]] = {
    "chat.postMessage": (20, 0.1),
    "conversations.members": (20, 0.6),
    "conversations.history": (10, 1.2),
    "conversations.replies": (10, 1.2),
    "users.info": (20, 0.6),
}


# Seconds a call that waited for its tier's slot goes out after it. Slack counts a call when it arrives, a moment
# after we took its slot; while Slack's bucket sits full (a quiet spell) that moment's refill is lost to it, so it
# runs the first call's latency behind ours from then on, and a later call that arrives faster than that one is
# refused (hundreds of 429s in a fan-out at the tier's pace). Going out this much later absorbs that difference
# without slowing the pace: the slots themselves stay one interval apart.
ARRIVAL_MARGIN = 0.02


class Pacer(Protocol):
    """What the gateway needs of a pacer: ChannelPacer (this process's buckets) or SharedPacer (every replica's)."""

    def wait(self, key: str) -> float: ...

    def try_take(self, key: str) -> float: ...

    def give_back(self, key: str) -> None: ...


class TierPacer:
    """One bucket per rate-limited method, shared by every worker of this process (`bucket`: how one is made,
    e.g. held in the database for every replica; by default in this process)."""

    def __init__(
        self,
        tiers: dict[str, tuple[int, float]] | None = None,
        bucket: Callable[[int, float], Pacer] | None = None,
        **clock,
    ):
        tiers = TIERS if tiers is None else tiers
        bucket = bucket or (lambda burst, interval: ChannelPacer(burst, interval, **clock))
        self._methods = {method: bucket(burst, interval) for method, (burst, interval) in tiers.items()}
        self._monotonic, self._sleep = clock.get("monotonic", time.monotonic), clock.get("sleep", time.sleep)
        self._lock = threading.Lock()
        self._told: dict[tuple[str, str], float] = {}  # (method, for whom) -> the moment that caller was told

    @classmethod
    def unlimited(cls) -> "TierPacer":
        return cls({})

    def wait(self, method: str) -> float:
        """Block until a call is within the method's tier (and ARRIVAL_MARGIN after, if it had to wait)."""
        pacer = self._methods.get(method)
        waited = pacer.wait(method) if pacer else 0.0
        if waited:
            self._sleep(ARRIVAL_MARGIN)
        return waited

    def try_take(self, method: str, on_behalf_of: str | None = None) -> float:
        """0 when a call is within the method's limit now (its slot taken); else seconds to come back after.

        Callers asking for the same thing (`on_behalf_of`: the channel whose member list every one of its
        check-ins needs) are told the same moment, the first one's: one slot does for all of them, and each
        told a later moment of its own would leave that channel's sends waiting behind every other channel's."""
        pacer = self._methods.get(method)
        if pacer is None:
            return 0.0
        with self._lock:
            now = self._monotonic()
            told = self._told.get((method, on_behalf_of), 0.0) if on_behalf_of else 0.0
            if told > now:
                return told - now
        wait = pacer.try_take(method)
        if wait and on_behalf_of:
            with self._lock:
                self._told[(method, on_behalf_of)] = now + wait
                if len(self._told) > 10_000:  # forget moments long past
                    self._told = {key: at for key, at in self._told.items() if at > now}
        return wait

    def give_back(self, method: str) -> None:
        pacer = self._methods.get(method)
        if pacer:
            pacer.give_back(method)
