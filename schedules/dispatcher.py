"""Runs the sends that are due: claim each one, perform it, and record what happened.

A Slack error never drops a send: 429s and 5xx are retried in-line by the gateway, and if Slack still
says no, the send goes back to pending with a later due time. Only errors that no retry can fix
(the channel is gone, the bot was removed) end a send as failed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable
from urllib.error import URLError

from bot.claims import SendJob, claim_send, due_send_ids, finish_send, retry_send
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

log = logging.getLogger(__name__)

# A performer does the Slack work of one send. It returns "dropped" when the send is no longer wanted.
Performer = Callable[[Runtime, SendJob], "str | None"]

# Longer than the slowest send: the gateway's in-line retries honour Retry-After several times over.
LEASE = timedelta(minutes=15)
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


def run_due_sends(rt: Runtime, performers: dict[str, Performer], now: datetime, batch: int = 100) -> int:
    """Perform every send due at `now`, including sends that performing others created. Returns how many."""
    performed = 0
    while True:
        with rt.db.session() as session:
            ids = due_send_ids(session, now, batch)
        claimed = 0
        for send_id in ids:
            with rt.db.session() as session:
                job = claim_send(session, send_id, rt.clock.now(), LEASE)
            if job is None:
                continue  # another replica has it
            claimed += 1
            perform(rt, performers, job, now)
        performed += claimed
        if claimed == 0:
            return performed


def perform(rt: Runtime, performers: dict[str, Performer], job: SendJob, now: datetime) -> None:
    try:
        outcome = performers[job.kind](rt, job) or "sent"
    except SlackApiError as exc:
        error = exc.response.get("error") or f"http {exc.response.status_code}"
        permanent = error in PERMANENT_ERRORS
        _give_up_or_retry(rt, job, now, error, permanent)
    except (URLError, TimeoutError, ConnectionError) as exc:
        _give_up_or_retry(rt, job, now, f"network: {exc}", False)
    except Exception as exc:  # a bug in one send must not stop the others, nor lose this one
        log.exception("send %s (%s) raised", job.key, job.kind)
        _give_up_or_retry(rt, job, now, f"{type(exc).__name__}: {exc}", False)
    else:
        with rt.db.session() as session:
            if not finish_send(session, job, rt.clock.now(), outcome):
                log.warning("send %s outlived its lease; another worker took it over", job.key)


def _give_up_or_retry(rt: Runtime, job: SendJob, now: datetime, error: str, permanent: bool) -> None:
    with rt.db.session() as session:
        if permanent or job.attempts >= MAX_ATTEMPTS:
            log.error("send %s failed for good after %s attempt(s): %s", job.key, job.attempts, error)
            finish_send(session, job, now, "failed", error)
        else:
            log.warning("send %s will be retried: %s", job.key, error)
            retry_send(session, job, now + backoff(job.attempts), error)
