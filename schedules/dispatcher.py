"""Runs the sends that are due: claim each one, perform it on a small pool of workers, record what happened.

A Slack error never drops a send. A 429 (or a channel already at its pace) puts the send back for
`Retry-After` and the workers move on to other channels; a 5xx or a lost answer puts it back marked
unsure, so the next attempt looks for the post (by its key in Slack's message metadata) before posting
again. Only errors that no retry can fix (the channel is gone, the bot was removed) end a send as failed."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Callable

from bot import logs
from bot.claims import SendJob, claim_send, due_send_ids, finish_send, give_back, next_due_at, retry_send
from bot.errors import DatabaseUnavailable
from bot.runtime import Runtime
from bot.slack.gateway import NETWORK_ERRORS, RateLimited, SlackApiError, owed_work

log = logging.getLogger(__name__)

# A performer does the Slack work of one send. It returns "dropped" when the send is no longer wanted.
Performer = Callable[[Runtime, SendJob], "str | None"]

# Longer than the slowest send (a few timed-out attempts and a look through history).
LEASE = timedelta(minutes=15)
# Sends in flight at once: Slack's limits, which the gateway paces, bound throughput, not these threads.
WORKERS = 4
# Planning again while sends are under way, at most this often (seconds): when few sends are due (the rest wait on
# a rate limit, or all are out), a tick's next batch is owed then, not once this one has all gone out.
PLAN_PAUSE = 1.0
MAX_ATTEMPTS = 25
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_auth",
        "invalid_blocks",
        "is_archived",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "token_revoked",
        "user_disabled",
        "user_not_found",
    }
)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 900))


class Leases:
    """The sends this process holds: claimed, their outcome not recorded yet. What it holds but no longer works
    on (the outcome could not be recorded in a database outage; a shutdown stopped waiting for it) is given back,
    so this or another replica sends it at once instead of when its lease runs out."""

    def __init__(self) -> None:
        self.closing = threading.Event()  # set when the process shuts down: claim nothing more
        self._lock = threading.Lock()
        self._working: dict[int, SendJob] = {}
        self._dropped: dict[int, SendJob] = {}

    def took(self, job: SendJob) -> None:
        with self._lock:
            self._working[job.id] = job

    def done(self, job: SendJob) -> None:
        with self._lock:
            self._working.pop(job.id, None)

    def dropped(self, job: SendJob) -> None:
        with self._lock:
            if self._working.pop(job.id, None) is not None:
                self._dropped[job.id] = job

    def give_back(self, rt: Runtime, *, working_too: bool = False) -> int:
        """Free what this process dropped (and, shutting down, what is still being worked on) in one transaction.
        Raises DatabaseUnavailable when that cannot be recorded: the caller tries again later or lets leases run out.
        """
        with self._lock:
            dropped, working = [*self._dropped.values()], [*(self._working.values() if working_too else ())]
        jobs = dropped + working
        if not jobs:
            return 0
        with rt.db.session() as session:
            # A send still being worked on may have a post on its way to Slack that lands after the next holder
            # looked for it in the channel's history: until that call would have timed out, a look that finds
            # nothing does not let it post. What was dropped had its answer (only recording it failed).
            landing_by = rt.clock.now() + timedelta(seconds=rt.gateway.timeout)
            given = give_back(session, dropped) + give_back(session, working, landing_by)
        with self._lock:
            for job in jobs:
                self._dropped.pop(job.id, None)
                self._working.pop(job.id, None)
        return given


def run_due_sends(
    rt: Runtime,
    performers: dict[str, Performer],
    now: datetime,
    *,
    workers: int = WORKERS,
    linger: float = 0.0,
    leases: Leases | None = None,
    plan: Callable[[datetime], None] | None = None,
) -> int:
    """Perform every send due at `now`, including sends that performing others created, on `workers` threads.
    With `linger` (seconds), keep going while sends put back for a rate limit come due within it of the latest
    send performed (a tick ending earlier would leave them to the next tick, up to an interval later). With `plan`
    (the tick's planners), owe more whenever fewer sends are due than workers could take (PLAN_PAUSE apart).
    Returns how many sends were attempted. Once `leases.closing` is set, nothing more is claimed."""
    leases = leases or Leases()
    performed = 0
    in_flight: dict[Future, int] = {}
    broken: set[int] = set()  # sends that could not even be claimed or recorded: their leases decide, not this run
    until = time.monotonic() + linger
    plan_at = time.monotonic() + PLAN_PAUSE  # the tick has just planned
    with ThreadPoolExecutor(workers, thread_name_prefix="send") as pool:
        while True:
            room = 0 if leases.closing.is_set() else 2 * workers - len(in_flight)
            if room > 0:
                skip = frozenset(in_flight.values()) | broken
                ids = _due(rt, now, room, skip)
                if len(ids) < room and plan is not None and time.monotonic() >= plan_at:
                    plan(rt.clock.now())
                    plan_at = time.monotonic() + PLAN_PAUSE
                    ids = _due(rt, now, room, skip)  # with what it owed that is due now
                for send_id in ids:
                    in_flight[pool.submit(attempt, rt, performers, send_id, now, leases)] = send_id
            if not in_flight:
                if not _soon_due(rt, until, leases.closing):
                    return performed
                continue
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                send_id = in_flight.pop(future)
                outcome = future.result()
                if outcome == BROKEN:
                    broken.add(send_id)
                else:
                    performed += outcome
                    if outcome:  # the linger runs from the latest send: the next tick may be an interval away
                        until = time.monotonic() + linger


def _due(rt: Runtime, now: datetime, room: int, skip: frozenset[int]) -> list[int]:
    with rt.db.session() as session:
        return due_send_ids(session, max(now, rt.clock.now()), room, skip=skip)


def _soon_due(rt: Runtime, until: float, closing: threading.Event) -> bool:
    """Wait for the next pending send if it comes due before `until` (monotonic); False when none will."""
    left = until - time.monotonic()
    if left <= 0 or closing.is_set():
        return False
    with rt.db.session() as session:
        due = next_due_at(session)
    if due is None:
        return False
    gap = (due - rt.clock.now()).total_seconds()
    if gap > left:
        return False
    closing.wait(min(max(gap, 0.01), left))
    return True


BROKEN = -1  # what `attempt` returns when the database failed it: not tried again in the same run


def attempt(rt: Runtime, performers: dict[str, Performer], send_id: int, now: datetime, leases: Leases) -> int:
    """Claim one send and perform it; 0 when another worker or replica has it, or the process is closing.
    Never raises: a send whose outcome a database outage kept from being recorded is given back when the database
    answers again (Leases); one that failed otherwise waits for its lease to run out. Either way it is tried
    again, looking for the post first."""
    job = None
    try:
        if leases.closing.is_set():
            return 0
        with rt.db.session() as session:
            job = claim_send(session, send_id, rt.clock.now(), LEASE)
        if job is None:
            return 0
        leases.took(job)
        with logs.context(send=job.key):
            perform(rt, performers, job, now)
        leases.done(job)
        return 1
    except DatabaseUnavailable as exc:  # the scheduler tells the outage once; no trace for each send
        log.warning("send %s stopped: database unreachable (%s); tried again when it is back", send_id, exc)
        if job is not None:
            leases.dropped(job)  # given back at the first tick the database answers
    except Exception:
        log.exception("send %s could not be claimed or recorded; its lease will run out and it is retried", send_id)
        if job is not None:
            leases.done(job)  # not an outage: its lease decides, so a send that always fails never spins
    return BROKEN


def perform(rt: Runtime, performers: dict[str, Performer], job: SendJob, now: datetime) -> None:
    try:
        with owed_work():
            outcome = performers[job.kind](rt, job) or "sent"
    except RateLimited as limited:
        with rt.db.session() as session:
            at = rt.clock.now() + timedelta(seconds=limited.retry_after)
            retry_send(session, job, at, "ratelimited", counted=False)
        rt.metrics.send_done(job.kind, "ratelimited")
    except SlackApiError as exc:
        error = exc.response.get("error") or f"http {exc.response.status_code}"
        permanent = error in PERMANENT_ERRORS
        _give_up_or_retry(rt, job, now, error, permanent, unsure=exc.response.status_code >= 500)
    except NETWORK_ERRORS as exc:
        _give_up_or_retry(rt, job, now, f"network: {exc}", False, unsure=True)
    except DatabaseUnavailable:
        raise  # no fault of the send's: nothing to count against it, and nothing could be recorded anyway
    except Exception as exc:  # a bug in one send must not stop the others, nor lose this one
        log.exception("send %s (%s) raised", job.key, job.kind)
        _give_up_or_retry(rt, job, now, f"{type(exc).__name__}: {exc}", False, unsure=True)
    else:
        with rt.db.session() as session:
            if not finish_send(session, job, rt.clock.now(), outcome):
                log.warning("send %s outlived its lease; another worker took it over", job.key)
        rt.metrics.send_done(job.kind, outcome)


def _give_up_or_retry(rt: Runtime, job: SendJob, now: datetime, error: str, permanent: bool, unsure: bool) -> None:
    with rt.db.session() as session:
        if permanent or job.attempts >= MAX_ATTEMPTS:
            log.error("send %s failed for good after %s attempt(s): %s", job.key, job.attempts, error)
            finish_send(session, job, now, "failed", error)
        else:
            log.warning("send %s will be retried: %s", job.key, error)
            retry_send(session, job, now + backoff(job.attempts), error, unsure=unsure)
    rt.metrics.send_done(job.kind, "failed" if permanent or job.attempts >= MAX_ATTEMPTS else "retry")
