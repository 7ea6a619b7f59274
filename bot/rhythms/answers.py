"""Check-in answers (thread replies and the form), blockers named in them, and summaries at close."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.errors import UserError
from bot.gather import Gather
from bot.partnerships.models import Partnership
from bot.partnerships.time_off import out_of_office_on
from bot.rhythms.models import Answer, Blocker, Checkin, Rhythm

_BLOCKER_REPLY = re.compile(r"^\s*(?:blocker|blocked)\s*[:\-]\s*(.+)", re.IGNORECASE | re.DOTALL)
_NOTHING = {"", "-", "n/a", "na", "no", "none", "nope", "nothing", "no blockers", "no risks", "all good"}


def latest_checkin(session: Session, partnership: Partnership) -> Checkin | None:
    return session.scalar(
        select(Checkin)
        .where(Checkin.partnership_id == partnership.id, Checkin.status == "sent")
        .order_by(Checkin.sent_at.desc(), Checkin.id.desc())
        .limit(1)
    )


def blocker_in_reply(text: str) -> str | None:
    """A thread reply names a blocker when it starts with 'blocker:' or carries :construction:."""
    match = _BLOCKER_REPLY.match(text)
    if match:
        return match.group(1).strip()
    return text.strip() if ":construction:" in text else None


def record_answer(
    session: Session,
    checkin: Checkin,
    *,
    team_id: str,
    user_id: str,
    text: str,
    source: str,
    now: datetime,
    message_ts: str | None = None,
    blocker: str | None = None,
) -> Answer | None:
    """Store an answer with its latency; None when this thread reply was already recorded."""
    if message_ts and session.scalar(
        select(Answer.id).where(Answer.checkin_id == checkin.id, Answer.message_ts == message_ts)
    ):
        return None
    answer = Answer(
        checkin=checkin,
        team_id=team_id,
        user_id=user_id,
        text=text,
        source=source,
        message_ts=message_ts,
        answered_at=now,
        latency_seconds=max(0, int((now - (checkin.sent_at or checkin.scheduled_for)).total_seconds())),
        late=now > checkin.closes_at,
    )
    session.add(answer)
    session.flush()
    blocker = blocker if blocker is not None else blocker_in_reply(text)
    if blocker:
        _raise_blocker(session, checkin, answer, blocker, now)
    return answer


def _raise_blocker(session: Session, checkin: Checkin, answer: Answer, text: str, now: datetime) -> None:
    session.add(
        Blocker(
            partnership_id=checkin.partnership_id,
            answer_id=answer.id,
            team_id=answer.team_id,
            user_id=answer.user_id,
            text=text,
            raised_at=now,
        )
    )


def edit_answer(session: Session, checkin: Checkin, message_ts: str, text: str, now: datetime) -> Answer | None:
    answer = session.scalar(select(Answer).where(Answer.checkin_id == checkin.id, Answer.message_ts == message_ts))
    if answer is None:
        return None
    answer.text, answer.edited_at = text, now
    blocker = session.scalar(select(Blocker).where(Blocker.answer_id == answer.id))
    named = blocker_in_reply(text)
    if named and blocker is None:
        _raise_blocker(session, checkin, answer, named, now)
    elif blocker is not None and blocker.cleared_at is None:
        if named:
            blocker.text = named
        else:
            session.delete(blocker)
    return answer


def withdraw_answer(session: Session, checkin: Checkin, message_ts: str) -> bool:
    """A thread answer deleted in Slack is withdrawn, with the blocker it named: the person counts as not having
    answered (unless another answer of theirs stands). False when that message was no answer."""
    answer = session.scalar(select(Answer).where(Answer.checkin_id == checkin.id, Answer.message_ts == message_ts))
    if answer is None:
        return False
    session.execute(delete(Blocker).where(Blocker.answer_id == answer.id))
    session.delete(answer)
    session.flush()
    session.expire(checkin, ["answers"])
    return True


def modal_answer(questions: list[str], replies: list[str]) -> tuple[str, str | None]:
    """The modal's replies as one answer text, and the blocker named under the blockers question."""
    lines, blocker = [], None
    for question, reply in zip(questions, replies, strict=True):
        reply = (reply or "").strip()
        if reply:
            lines.append(f"*{question}*\n{reply}")
        if "blocker" in question.lower() and reply.lower().strip(".! ") not in _NOTHING:
            blocker = reply
    return "\n".join(lines), blocker


def open_blockers_read(gather: Gather, partnership: Partnership, shown: int) -> Callable[[], tuple[list[Blocker], int]]:
    """The first `shown` open blockers, oldest first (transient copies), and how many are open: a gathered read."""
    first = gather.entities(
        Blocker,
        lambda p: select(Blocker).where(*_blocking(p.pid)).order_by(Blocker.raised_at, Blocker.id).limit(p.shown),
        first=shown,
        sort=lambda b: (b.raised_at, b.id),
        pid=partnership.id,
        shown=shown,
    )
    total = gather.scalar(
        lambda p: select(func.count()).select_from(Blocker).where(*_blocking(p.pid)), pid=partnership.id
    )
    return lambda: (first.get(), total.get() or 0)


def _blocking(partnership_id) -> tuple:
    return Blocker.partnership_id == partnership_id, Blocker.cleared_at.is_(None)


def clear_blocker(session: Session, partnership: Partnership, blocker_id: int, user_id: str, now: datetime) -> Blocker:
    blocker = session.get(Blocker, blocker_id)
    if blocker is None or blocker.partnership_id != partnership.id:
        raise UserError("That blocker is not in this partnership.")
    if blocker.cleared_at is not None:
        raise UserError(f"That blocker was already cleared by <@{blocker.cleared_by}>.")
    blocker.cleared_by, blocker.cleared_at = user_id, now
    return blocker


# -- summaries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinSummary:
    on_time: list[str]
    late: list[str]
    missing: list[str]
    away: list[str]
    others: list[str]  # answered without being asked
    median_seconds: float | None

    @property
    def answered_count(self) -> int:
        return len(self.on_time) + len(self.late)

    @property
    def expected_count(self) -> int:
        return self.answered_count + len(self.missing)


ON_TIME, LATE, MISSING, AWAY = "on_time", "late", "missing", "away"

Person = tuple[str, str]  # (team, user)


def standings(checkin: Checkin, away: set[Person] = frozenset()) -> dict[Person, str]:
    """Each expected person's standing: on time or late by their first answer; otherwise away when in
    `away` (out of office), else missing."""
    first: dict[Person, Answer] = {}
    for answer in checkin.answers:
        first.setdefault((answer.team_id, answer.user_id), answer)
    result = {}
    for person in ((p["team"], p["user"]) for p in checkin.expected):
        answer = first.get(person)
        if answer is not None:
            result[person] = LATE if answer.late else ON_TIME
        else:
            result[person] = AWAY if person in away else MISSING
    return result


def summarize(checkin: Checkin, partnership: Partnership, day: date) -> CheckinSummary:
    standing = standings(checkin, out_of_office_on(partnership, day))
    first: dict[Person, Answer] = {}
    for answer in checkin.answers:
        first.setdefault((answer.team_id, answer.user_id), answer)

    def users(wanted: str) -> list[str]:
        return [user for (_, user), state in standing.items() if state == wanted]

    return CheckinSummary(
        on_time=users(ON_TIME),
        late=users(LATE),
        missing=users(MISSING),
        away=[p["user"] for p in checkin.away] + users(AWAY),
        others=[a.user_id for key, a in first.items() if key not in standing],
        median_seconds=statistics.median(a.latency_seconds for a in first.values()) if first else None,
    )


def perfect(checkin: Checkin) -> bool:
    """Everyone expected answered on time (and someone was expected)."""
    return (
        checkin.status == "sent"
        and bool(checkin.expected)
        and all(state == ON_TIME for state in standings(checkin).values())
    )


def next_and_last_read(
    gather: Gather, partnership: Partnership, now: datetime
) -> Callable[[], tuple[Rhythm | None, Checkin | None]]:
    """`next_and_last` as part of a gathered read: transient copies, the check-in given its rhythm and answers."""
    pid = partnership.id
    upcoming = gather.entities(
        Rhythm,
        lambda p: (
            select(Rhythm)
            .where(Rhythm.partnership_id == p.pid, Rhythm.next_run_at.is_not(None))
            .order_by(Rhythm.next_run_at)
        ),
        first=1,
        pid=pid,
    )
    last = gather.entities(
        Checkin, lambda p: select(Checkin).where(Checkin.id == _last_closed(p.pid, p.now)), first=1, pid=pid, now=now
    )
    its_rhythm = gather.entities(
        Rhythm,
        lambda p: select(Rhythm).where(
            Rhythm.id
            == select(Checkin.rhythm_id)
            .where(Checkin.id == _last_closed(p.pid, p.now))
            .correlate(None)
            .scalar_subquery()
        ),
        first=1,
        pid=pid,
        now=now,
    )
    its_answers = gather.entities(
        Answer,
        lambda p: select(Answer).where(Answer.checkin_id == _last_closed(p.pid, p.now)),
        sort=lambda a: (a.answered_at, a.id),
        pid=pid,
        now=now,
    )

    def finish() -> tuple[Rhythm | None, Checkin | None]:
        checkin = next(iter(last.get()), None)
        if checkin is not None:
            # Set as loaded, both ways, without the attribute events an assignment fires for every answer's
            # backref: these are copies, not changes (the rhythm's own list of check-ins is left unread).
            answers = its_answers.get()
            for answer in answers:
                set_committed_value(answer, "checkin", checkin)
            set_committed_value(checkin, "answers", answers)
            set_committed_value(checkin, "rhythm", its_rhythm.get()[0])
        return next(iter(upcoming.get()), None), checkin

    return finish


def _last_closed(partnership_id, now):
    """The id of the last check-in that closed by `now`."""
    return (
        select(Checkin.id)
        .where(Checkin.partnership_id == partnership_id, Checkin.status == "sent", Checkin.closes_at <= now)
        .order_by(Checkin.closes_at.desc())
        .limit(1)
        .correlate(None)
        .scalar_subquery()
    )
