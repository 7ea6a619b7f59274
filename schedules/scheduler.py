"""APScheduler only ticks; what is due lives in our tables, and every send is claimed in the database.

APScheduler 3 must not share a job store between processes, so each replica runs its own in-memory
ticker and the database decides who sends what (see bot.claims)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot import logs
from bot.runtime import Runtime
from schedules.dispatcher import WORKERS, Performer, run_due_sends

log = logging.getLogger(__name__)

# A planner looks at the rows of its area and owes the sends that have come due (schedule_send).
Planner = Callable[[Runtime, datetime], None]
# What one planner plans in a tick, at most: the sends it owes go out before the next tick plans more.
PLAN_BATCH = 200


class Scheduler:
    def __init__(
        self,
        rt: Runtime,
        planners: list[Planner],
        performers: dict[str, Performer],
        interval_seconds: float = 10,
        workers: int = WORKERS,
    ):
        self.rt = rt
        self.planners = planners
        self.performers = performers
        self.interval_seconds = interval_seconds
        self.workers = workers
        # Once ticking for real, each tick keeps sending what a rate limit put back for up to an interval,
        # so a send put back for Retry-After goes out then, not a whole tick later.
        self.linger = 0.0
        # A tick run by hand (a command, a test) sends one at a time, in due order; ticking for real uses the pool.
        self.pool = 1
        self._ticker: BackgroundScheduler | None = None

    def tick(self) -> int:
        """Plan what has come due, then perform every due send. Safe to run in several replicas at once."""
        now = self.rt.clock.now()
        for plan in self.planners:
            try:
                with logs.context():  # a planner's lines are about what it looks up, not the last planner's
                    plan(self.rt, now)
            except Exception:
                log.exception("planner %s failed; the next tick tries again", plan.__name__)
                self.rt.metrics.planner_failed(plan.__name__)
        return run_due_sends(self.rt, self.performers, now, workers=self.pool, linger=self.linger)

    def run_due(self) -> int:
        """Perform what is owed right now (e.g. `/partner rhythm run N`) without waiting for the tick."""
        return run_due_sends(self.rt, self.performers, self.rt.clock.now(), workers=self.pool)

    def start(self) -> None:
        self.linger, self.pool = self.interval_seconds, self.workers
        self._ticker = BackgroundScheduler(timezone=timezone.utc)
        # One tick at a time per process; a late tick runs once, however late (the default grace is 1 s).
        self._ticker.add_job(
            self.tick,
            "interval",
            seconds=self.interval_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(timezone.utc),
        )
        self._ticker.start()
        log.info("scheduler ticking every %ss", self.interval_seconds)

    def shutdown(self) -> None:
        if self._ticker is not None:
            self._ticker.shutdown(wait=True)
            self._ticker = None
