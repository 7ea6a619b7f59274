"""Once-only work: each Slack event and each scheduled send is claimed by a unique key first."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Index, String, delete, false, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, UTCDateTime, insert_many_once, insert_once


class ProcessedEvent(Base):
    """Slack retries events it thinks we missed; the event_id says whether we have seen one. A claim is
    provisional (`done_at` empty) until the event's work is done: a worker cut off by an outage or a crash
    cannot give its claim back, so a provisional claim older than EVENT_LEASE is taken over by Slack's retry."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it was (last) claimed
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Slack retries an event about at once, then after 1 and 5 minutes. An event's work takes well under this,
# so a claim still provisional this long after it was taken belongs to a worker that is gone.
EVENT_LEASE = timedelta(seconds=30)


def claim_event(session: Session, *, event_id: str, event_type: str, now: datetime) -> bool:
    """True when this delivery does the work: the first one, or a retry taking over from a worker that is gone.
    False for a retry of an event done (or being done right now: `event_is_done` tells which)."""
    if insert_once(session, ProcessedEvent.__table__, event_id=event_id, event_type=event_type, received_at=now):
        return True
    taken_over = session.execute(
        update(ProcessedEvent)
        .where(
            ProcessedEvent.event_id == event_id,
            ProcessedEvent.done_at.is_(None),
            ProcessedEvent.received_at < now - EVENT_LEASE,
        )
        .values(received_at=now)
    ).rowcount
    return taken_over == 1


def event_is_done(session: Session, *, event_id: str) -> bool:
    return session.scalar(select(ProcessedEvent.done_at).where(ProcessedEvent.event_id == event_id)) is not None


def event_done(session: Session, *, event_id: str, now: datetime) -> None:
    """The event's work is done: from now on every retry of it is only acknowledged."""
    session.execute(update(ProcessedEvent).where(ProcessedEvent.event_id == event_id).values(done_at=now))


def release_event(session: Session, *, event_id: str) -> None:
    """The work of an event failed: forget its claim so Slack's retry of it is handled, not dropped."""
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == event_id, ProcessedEvent.done_at.is_(None)))


class ScheduledSend(Base):
    """A message the scheduler owes someone. The unique key is the claim: planning the same occurrence
    twice (a restart, a second replica) finds the row already there and adds nothing. A lease lets one
    worker at a time attempt it; Slack errors push `due_at` back instead of dropping the send."""

    __tablename__ = "scheduled_sends"
    __table_args__ = (Index("ix_scheduled_sends_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]  # the row the send is about (a check-in, an escalation, ...)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending, sent, failed, dropped
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(32))  # who holds the lease: only they may finish it
    # An earlier attempt may have reached Slack without our knowing (a lost answer, a lease that ran out):
    # the next one looks for the post (by its key in Slack's message metadata) before posting.
    unsure: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Given back while its holder's post may still have been on its way (a shutdown): until then, a look through
    # the channel's history that finds nothing proves nothing, so nobody posts it before looking again after.
    landing_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True)
class SendJob:
    """A claimed send, detached from its session: performers get this, not the row."""

    id: int
    key: str
    kind: str
    subject_id: int | None
    payload: dict
    due_at: datetime
    attempts: int
    lease_token: str
    maybe_sent: bool = False  # an earlier attempt may have posted: look for it first (SlackGateway.post_message)
    landing_in: float = 0.0  # seconds an earlier holder's post may still take to reach Slack (ScheduledSend.landing_by)

    @property
    def once(self) -> dict:
        """What the gateway needs to make this send's post exactly once: `post_message(..., **job.once)`."""
        return {"send_key": self.key, "maybe_sent": self.maybe_sent, "landing_in": self.landing_in}


def schedule_send(
    session: Session,
    *,
    key: str,
    kind: str,
    due_at: datetime,
    subject_id: int | None = None,
    payload: dict | None = None,
) -> bool:
    """Owe a send once. True if this call created it; False if it was already owed (or done)."""
    return schedule_sends(session, [Owed(key, kind, due_at, subject_id, payload)]) == 1


@dataclass(frozen=True)
class Owed:
    """A send to owe, for `schedule_sends`."""

    key: str
    kind: str
    due_at: datetime
    subject_id: int | None = None
    payload: dict | None = None


def schedule_sends(session: Session, sends: list[Owed]) -> int:
    """Owe each send once, all in a statement (a planner owing a batch of partnerships theirs): how many of them
    this call created."""
    rows = [
        {
            "key": send.key,
            "kind": send.kind,
            "due_at": send.due_at,
            "subject_id": send.subject_id,
            "payload": send.payload or {},
            "status": "pending",
            "attempts": 0,
        }
        for send in sends
    ]
    return len(insert_many_once(session, ScheduledSend.__table__, rows)) if rows else 0


def owe_post(
    session: Session,
    *,
    key: str,
    due_at: datetime,
    channel: str,
    text: str,
    thread_ts: str | None = None,
    blocks: list[dict] | None = None,
    subject_id: int | None = None,
) -> bool:
    """Owe one message to a channel (or a thread in it), sent once by the scheduler's "post" performer."""
    return schedule_send(
        session,
        key=key,
        kind="post",
        due_at=due_at,
        subject_id=subject_id,
        payload={"channel": channel, "thread_ts": thread_ts, "text": text, "blocks": blocks},
    )


def due_send_ids(session: Session, now: datetime, limit: int, skip: frozenset[int] = frozenset()) -> list[int]:
    query = (
        select(ScheduledSend.id)
        .where(
            ScheduledSend.status == "pending",
            ScheduledSend.due_at <= now,
            or_(ScheduledSend.lease_until.is_(None), ScheduledSend.lease_until < now),
        )
        .order_by(ScheduledSend.due_at, ScheduledSend.id)
        .limit(limit + len(skip))
    )
    return [send_id for send_id in session.scalars(query) if send_id not in skip][:limit]


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending send comes due (leased ones included: their holder may give them back)."""
    return session.scalar(
        select(ScheduledSend.due_at).where(ScheduledSend.status == "pending").order_by(ScheduledSend.due_at).limit(1)
    )


def claim_send(session: Session, send_id: int, now: datetime, lease: timedelta) -> SendJob | None:
    """Take the lease on a due send; None when another worker holds it or it is no longer pending.
    `now` is the moment of claiming, so a lease taken late in a long tick still lasts its full length."""
    token = secrets.token_hex(16)
    taken = session.execute(
        update(ScheduledSend)
        .where(
            ScheduledSend.id == send_id,
            ScheduledSend.status == "pending",
            or_(ScheduledSend.lease_until.is_(None), ScheduledSend.lease_until < now),
        )
        .values(
            lease_until=now + lease,
            lease_token=token,
            attempts=ScheduledSend.attempts + 1,
            # a lease that ran out while held: its holder may have posted and then failed to record it
            unsure=or_(ScheduledSend.unsure, ScheduledSend.lease_token.is_not(None)),
        )
    ).rowcount
    if taken != 1:
        return None
    row = session.get(ScheduledSend, send_id)
    landing_in = max(0.0, (row.landing_by - now).total_seconds()) if row.landing_by else 0.0
    return SendJob(
        row.id,
        row.key,
        row.kind,
        row.subject_id,
        dict(row.payload),
        row.due_at,
        row.attempts,
        token,
        bool(row.unsure),
        landing_in,
    )


def _held(job: SendJob):
    return update(ScheduledSend).where(ScheduledSend.id == job.id, ScheduledSend.lease_token == job.lease_token)


def finish_send(session: Session, job: SendJob, now: datetime, status: str, error: str | None = None) -> bool:
    """sent (done), dropped (no longer wanted, e.g. the window closed) or failed (Slack will never take it).
    False when the lease was lost meanwhile (another worker took the send over): then it is theirs to finish."""
    return (
        session.execute(
            _held(job).values(
                status=status,
                done_at=now,
                lease_until=None,
                lease_token=None,
                last_error=error[:200] if error else None,
            )
        ).rowcount
        == 1
    )


def give_back(session: Session, jobs: list[SendJob], landing_by: datetime | None = None) -> int:
    """This holder stops working on `jobs` (it is shutting down, or could not record their outcome): free them
    for anyone at once, instead of when the lease runs out. Each may have posted, so the next attempt looks first;
    `landing_by`: a post of theirs may still be on its way until then. The attempt is not counted. Returns how
    many were still held by this holder."""
    values = dict(lease_until=None, lease_token=None, unsure=True, attempts=ScheduledSend.attempts - 1)
    if landing_by is not None:
        values["landing_by"] = landing_by
    return sum(session.execute(_held(job).values(**values)).rowcount for job in jobs)


def retry_send(
    session: Session, job: SendJob, at: datetime, error: str, *, unsure: bool = False, counted: bool = True
) -> None:
    """Slack said not now (429, 5xx, network): try again later, never drop it. `unsure`: the attempt may have
    posted (its answer was lost), so the next looks first. Not `counted`: a rate limit, which is no failure."""
    values = dict(due_at=at, lease_until=None, lease_token=None, last_error=error[:200])
    if unsure:
        values["unsure"] = True
    if not counted:
        values["attempts"] = ScheduledSend.attempts - 1
    session.execute(_held(job).values(**values))
