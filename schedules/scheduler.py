"""APScheduler only ticks; what is due lives in our tables, and every send is claimed in the database.

APScheduler 3 must not share a job store between processes, so each replica runs its own in-memory
ticker and the database decides who sends what (see bot.claims)."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy import ColumnElement, select

from bot import logs
from bot.errors import DatabaseUnavailable
from bot.runtime import Runtime
from schedules.dispatcher import WORKERS, Leases, Performer, run_due_sends

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

# A planner looks at the rows of its area and owes the sends that have come due (schedule_send).
Planner = Callable[[Runtime, datetime], None]
# Whether a planner has anything to look at now: a boolean SQL expression, one seek into its index whatever the
# plan (bot.moments.any_due).
Probe = Callable[[datetime], ColumnElement[bool]]


def probed(probe: Probe) -> Callable[[Planner], Planner]:
    """A planner run only when `probe` finds something for it: the probes of all planners are one statement in one
    read transaction, so an idle tick does not open a transaction per planner."""

    def attach(plan: Planner) -> Planner:
        plan.probe = probe
        return plan

    return attach


# What one planner plans in a tick, at most: the sends it owes go out before the next tick plans more.
PLAN_BATCH = 200
# On shutdown, how long sends already under way may take to finish before they are given back to other replicas.
SHUTDOWN_GRACE = 5.0


class Scheduler:
    def __init__(
        self,
        rt: Runtime,
        jobs: Callable[[], tuple[list[Planner], dict[str, Performer]]],
        interval_seconds: float = 10,
        workers: int = WORKERS,
    ):
        self.rt = rt
        self._jobs = jobs
        self._jobs_loaded: tuple[list[Planner], dict[str, Performer]] | None = None
        self._loading = threading.Lock()
        self.interval_seconds = interval_seconds
        self.workers = workers
        # Once ticking for real, each tick keeps sending what a rate limit put back for up to an interval,
        # so a send put back for Retry-After goes out then, not a whole tick later.
        self.linger = 0.0
        # A tick run by hand (a command, a test) sends one at a time, in due order; ticking for real uses the pool.
        self.pool = 1
        self.leases = Leases()
        self._ticker: BackgroundScheduler | None = None
        self._database_down = False  # told once when an outage begins and once when it ends
        self._runs = 0  # ticks and run_due calls under way
        self._idle = threading.Condition()
        self._stopped_at: float | None = None

    @property
    def planners(self) -> list[Planner]:
        return self._loaded()[0]

    @property
    def performers(self) -> dict[str, Performer]:
        return self._loaded()[1]

    def _loaded(self) -> tuple[list[Planner], dict[str, Performer]]:
        """The jobs, loaded once on first use (a tick and a command's run_due may both be first)."""
        with self._loading:
            if self._jobs_loaded is None:
                self._jobs_loaded = self._jobs()
            return self._jobs_loaded

    def tick(self) -> int:
        """Plan what has come due, then perform every due send. Safe to run in several replicas at once.
        While the database is unreachable a tick does nothing, and the outage is logged once, not every tick."""
        if self.leases.closing.is_set():
            return 0
        try:
            with self._busy():
                performed = self._plan_and_send()
        except DatabaseUnavailable as error:
            if not self._database_down:
                self._database_down = True
                log.error("database unreachable (%s): nothing is planned or sent until it is back", error)
            return 0
        if self._database_down:
            self._database_down = False
            log.info("database reachable again: planning and sending resumed")
        return performed

    def _plan_and_send(self) -> int:
        self.leases.give_back(self.rt)  # sends whose outcome an earlier outage kept us from recording
        now = self.rt.clock.now()
        self._plan(now)
        more = self._plan if self.linger else None  # ticking for real: plan the next batch while this one goes out
        return run_due_sends(
            self.rt, self.performers, now, workers=self.pool, linger=self.linger, leases=self.leases, plan=more
        )

    def _plan(self, now: datetime) -> None:
        idle = None  # probed when the first probed planner's turn comes
        for plan in self.planners:
            if getattr(plan, "probe", None):
                idle = self._idle_planners(now) if idle is None else idle
                if plan in idle:
                    continue
            try:
                with logs.context():  # a planner's lines are about what it looks up, not the last planner's
                    plan(self.rt, now)
            except DatabaseUnavailable:
                raise
            except Exception:
                log.exception("planner %s failed; the next tick tries again", plan.__name__)
                self.rt.metrics.planner_failed(plan.__name__)

    def _idle_planners(self, now: datetime) -> list[Planner]:
        """The probed planners that have nothing to look at now (one statement for all)."""
        probed_ = [plan for plan in self.planners if getattr(plan, "probe", None)]
        if not probed_:
            return []
        with self.rt.db.snapshot() as session:
            found = session.execute(select(*(plan.probe(now) for plan in probed_))).one()
        return [plan for plan, due in zip(probed_, found, strict=True) if not due]

    def run_due(self) -> int:
        """Perform what is owed right now (e.g. `/partner rhythm run N`) without waiting for the tick."""
        with self._busy():
            return run_due_sends(self.rt, self.performers, self.rt.clock.now(), workers=self.pool, leases=self.leases)

    @contextmanager
    def _busy(self) -> Iterator[None]:
        """Counts the runs under way, which a shutdown waits for."""
        with self._idle:
            self._runs += 1
        try:
            yield
        finally:
            with self._idle:
                self._runs -= 1
                self._idle.notify_all()

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler  # not needed to take requests: imported late

        if self.leases.closing.is_set():  # stopped before it started (it may be started on a thread of its own)
            return
        self.linger, self.pool = self.interval_seconds, self.workers
        ticker = self._ticker = BackgroundScheduler(timezone=timezone.utc)
        # One tick at a time per process; a late tick runs once, however late (the default grace is 1 s).
        ticker.add_job(
            self.tick,
            "interval",
            seconds=self.interval_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(timezone.utc),
        )
        ticker.start()
        if self.leases.closing.is_set():  # stopped while it was starting: shutdown may have missed this ticker
            ticker.shutdown(wait=False)
            return
        log.info("scheduler ticking every %ss", self.interval_seconds)

    @property
    def busy(self) -> bool:
        """A tick (or a run_due) is under way."""
        with self._idle:
            return self._runs > 0

    def stop(self) -> None:
        """Take no new work from now on: no tick starts, no send is claimed. Safe in a signal handler."""
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
        self.leases.closing.set()

    def shutdown(self, grace: float = SHUTDOWN_GRACE) -> int:
        """Stop, let the sends under way finish for up to `grace` seconds after `stop()`, then give back at once
        every send this process still holds, so another replica takes it over without waiting out its lease.
        Returns how many were given back."""
        self.stop()
        if self._ticker is not None:
            self._ticker.shutdown(wait=False)
            self._ticker = None
        deadline = self._stopped_at + grace
        with self._idle:
            self._idle.wait_for(lambda: self._runs == 0, timeout=max(0.0, deadline - time.monotonic()))
        try:
            given = self.leases.give_back(self.rt, working_too=True)
        except DatabaseUnavailable as error:
            log.error("could not give back the sends under way (%s): they go out when their lease runs out", error)
            return 0
        if given:
            log.warning("gave back %s send(s) still under way: another replica takes them over now", given)
        return given
