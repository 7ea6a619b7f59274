"""Pacing shared by every replica through PostgreSQL: Slack's limits are the workspace's (per method tier) and
each channel's, not one process's, so replicas pacing on their own would together overshoot them and earn 429s.

Each limit is one row: GCRA's "theoretical arrival time" (`tat`, the moment the bucket would be full again if
nothing more were taken), which is the token bucket of `ChannelPacer` kept in a single number. A take is one
atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` in autocommit: the row is locked for that statement only,
never across a Slack call, and the database's clock is the one clock of every replica (theirs may drift apart).

SQLite serves a single process (README, "Running it in production"), so there the in-process pacers suffice;
a budget in its file could not be taken anyway while a performer's own transaction holds the write lock."""

from __future__ import annotations

import time
from typing import Callable

from sqlalchemy import Float, String, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.slack.pacing import TierPacer


class RateBudget(Base):
    """One limit's state: a channel's pace, a method's workspace tier or a person's Home."""

    __tablename__ = "rate_budgets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)  # seconds since the epoch, by the database's clock
    # The moment after the latest one a refused caller was told to come back at (as ChannelPacer._told).
    told: Mapped[float] = mapped_column(Float, default=0.0)
    # What the latest try_take answered: 0 when it took a slot, else seconds to come back after. RETURNING shows
    # the new row only, and this is what tells a taken slot from a refusal there.
    answer: Mapped[float] = mapped_column(Float, default=0.0)


_NOW = "extract(epoch from statement_timestamp())::float8"  # one value for the whole statement

# A free slot is one the bucket holds now: max(tat, now) + interval - now <= burst * interval.
_TRY_TAKE = text(
    f"""
    INSERT INTO rate_budgets AS b (key, tat, told, answer) VALUES (:key, {_NOW} + :interval, 0, 0)
    ON CONFLICT (key) DO UPDATE SET
      tat = CASE WHEN greatest(b.tat, {_NOW}) <= {_NOW} + :slack THEN greatest(b.tat, {_NOW}) + :interval
                 ELSE b.tat END,
      told = CASE WHEN greatest(b.tat, {_NOW}) <= {_NOW} + :slack THEN b.told
                  ELSE greatest(b.tat - :slack, b.told) + :interval END,
      answer = CASE WHEN greatest(b.tat, {_NOW}) <= {_NOW} + :slack THEN 0
                    ELSE greatest(b.tat - :slack, b.told) - {_NOW} END
    RETURNING b.answer
    """
)
# A reservation, taken whether or not a slot is free now: the caller sleeps until its slot.
_RESERVE = text(
    f"""
    INSERT INTO rate_budgets AS b (key, tat, told, answer) VALUES (:key, {_NOW} + :interval, 0, 0)
    ON CONFLICT (key) DO UPDATE SET tat = greatest(b.tat, {_NOW}) + :interval
    RETURNING greatest(b.tat - {_NOW} - :burst * :interval, 0)
    """
)
_GIVE_BACK = text("UPDATE rate_budgets SET tat = tat - :interval WHERE key = :key")


class SharedPacer:
    """ChannelPacer's contract (wait, try_take, give_back), its buckets held in the database for all replicas."""

    def __init__(
        self,
        engine: Engine,
        burst: int = 3,
        interval: float = 1.0,
        prefix: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.burst, self.interval = burst, interval
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")  # each take is one statement
        self._prefix, self._sleep = prefix, sleep

    def _run(self, statement, key: str, **values) -> float:
        with self._engine.connect() as connection:
            found = connection.execute(statement, {"key": self._prefix + key, "interval": self.interval, **values})
            return float(found.scalar_one()) if found.returns_rows else 0.0

    def wait(self, key: str) -> float:
        """Block until a call for `key` is within the limit; returns how long it waited."""
        delay = self._run(_RESERVE, key, burst=self.burst)
        if delay > 0:
            self._sleep(delay)
        return delay

    def try_take(self, key: str) -> float:
        """0 when a slot was free and is now taken; else seconds to come back after (nothing taken). Callers
        refused together, in any replica, are told moments one interval apart."""
        return self._run(_TRY_TAKE, key, slack=(self.burst - 1) * self.interval)

    def give_back(self, key: str) -> None:
        """Slack refused the call (429): it used none of the limit."""
        self._run(_GIVE_BACK, key)


def shared_pacers(engine: Engine) -> tuple[SharedPacer, TierPacer]:
    """The channel pacer and the method tiers of every replica on this database."""
    return SharedPacer(engine), TierPacer(bucket=lambda burst, interval: SharedPacer(engine, burst, interval, "tier:"))
