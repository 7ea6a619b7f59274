"""Slack's rate limits as the fake enforces them: a burst then a pace per channel (posts) and per method (the
workspace-wide tiers), and random refusals. A refused call counts against no limit. Standard library only."""

from __future__ import annotations

import math
import random
import time
from collections import Counter

# Methods limited per channel as well as per workspace (Slack: about one post a second per channel).
PER_CHANNEL = ("chat.postMessage",)


class Bucket:
    """Slack's limits as the fake enforces them: `burst` calls at once, then `per_second`."""

    def __init__(self, burst: float, per_second: float):
        self.burst, self.per_second = burst, per_second
        self.tokens, self.counted = float(burst), time.monotonic()

    def wait(self) -> float:
        """Seconds until a call would be within the limit (0: now)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.counted) * self.per_second)
        self.counted = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class Limits:
    """What the fake refuses with 429; not thread-safe on its own (the fake holds its lock around it)."""

    def __init__(self) -> None:
        self.rate_limited = 0  # 429s answered because a limit was exceeded (not scripted or random ones)
        self.refusals: Counter[str] = Counter()  # those 429s and the random ones, by cause (the bench's --trace)
        self.channel_limit: tuple[float, float] | None = None
        self.channel_buckets: dict[str, Bucket] = {}
        self.method_buckets: dict[str, Bucket] = {}
        self.random_429: dict[str, tuple[float, int]] = {}
        self.random = random.Random(0)

    def per_channel(self, burst: float, per_second: float) -> None:
        self.channel_limit = (burst, per_second)
        self.channel_buckets.clear()

    def per_method(self, method: str, burst: float, per_second: float) -> None:
        self.method_buckets[method] = Bucket(burst, per_second)

    def at_random(self, method: str, fraction: float, retry_after: int, seed: int) -> None:
        self.random_429[method] = (fraction, retry_after)
        self.random = random.Random(seed)

    def retry_after(self, method: str, args: dict) -> int | None:
        """The Retry-After of a 429 this call earns, or None when it may go through (and is counted)."""
        chance = self.random_429.get(method)
        if chance and self.random.random() < chance[0]:
            self.refusals["random"] += 1
            return chance[1]
        buckets = {"workspace": self.method_buckets.get(method)}
        channel = args.get("channel")
        if self.channel_limit and method in PER_CHANNEL and isinstance(channel, str):
            buckets["channel"] = self.channel_buckets.setdefault(channel, Bucket(*self.channel_limit))
        waits = {cause: bucket.wait() for cause, bucket in buckets.items() if bucket is not None}
        wait = max(waits.values(), default=0.0)
        if wait:  # a refused call counts against no limit
            self.rate_limited += 1
            self.refusals[" and ".join(cause for cause, w in waits.items() if w)] += 1
            return max(1, math.ceil(wait))
        for cause in waits:
            buckets[cause].tokens -= 1
        return None
