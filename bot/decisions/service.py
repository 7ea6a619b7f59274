"""The rules of decisions: share, answer (aligned, not aligned, agree, decline), amend, withdraw, refer,
and the window that decides by silence or lets a request for agreement expire. No Slack."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.claims import schedule_send
from bot.decisions.lifecycle import (
    ACTIVE,
    ALLOWED,
    AUTHOR,
    EVENTS,
    LEAD,
    OTHER_LEAD,
    OTHER_SIDE,
    STATES,
    WINDOW,
)
from bot.decisions.models import Decision, DecisionMove
from bot.errors import BadInput, UserError
from bot.escalations import sla
from bot.gather import Gather, Handle, gathered
from bot.numbering import add_numbered, by_number
from bot.partnerships.models import Member, Partnership, other_side
from bot.partnerships.service import form_errors
from bot.partnerships.targets import Target
from bot.validation import Typed
from bot.workdays import WorkCalendar

DEFAULT_WINDOW_DAYS = 2
WINDOW_CHOICES = (1, 2, 3, 5, 10)
NEEDS_A_REASON = ("objected", "declined")


class DecisionForm(BaseModel):
    what: Typed = Field(min_length=1, max_length=2000)
    why: Typed = Field(min_length=1, max_length=2000)
    scope: Literal["within", "agreement"]
    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, ge=1, le=10)


class AmendForm(BaseModel):
    what: Typed = Field(min_length=1, max_length=2000)
    why: Typed = Field(min_length=1, max_length=2000)


def parse_form(model: type[BaseModel], values: dict) -> tuple[BaseModel | None, dict[str, str]]:
    data = {key: value for key, value in values.items() if value is not None}
    try:
        return model(**data), {}
    except ValidationError as exc:
        errors = form_errors(exc)
        if "scope" in errors:
            errors["scope"] = "Say whether this is within your side's scope or needs the other side's agreement."
        return None, errors


def scope_text(partnership: Partnership, side: str) -> str:
    """What the charter says `side` may decide alone."""
    charter = partnership.charter
    return charter.client_decisions if side == "client" else charter.vendor_decisions


def window_end(start: datetime, days: int, calendar: WorkCalendar, fraction: float = 1.0) -> datetime:
    """`days` business days after `start` (the clock pauses on weekends and holidays), or that fraction of them."""
    target = Target(days, "bd")
    return (
        sla.remind_at(start, "P3", target, calendar, fraction)
        if fraction < 1
        else sla.due_at(start, "P3", target, calendar)
    )


def share_decision(
    session: Session,
    partnership: Partnership,
    author: Member,
    form: DecisionForm,
    calendar: WorkCalendar,
    now: datetime,
) -> Decision:
    decision = Decision(
        partnership_id=partnership.id,
        what=form.what,
        why=form.why,
        scope=form.scope,
        side=author.side,
        author_team=author.team_id,
        author_user=author.user_id,
        window_days=form.window_days,
        state="open" if form.scope == "within" else "awaiting",
        shared_at=now,
        window_opened_at=now,
        closes_at=window_end(now, form.window_days, calendar),
    )
    add_numbered(session, decision)
    _record(session, decision, author, "shared", None, now, form.why)
    _owe_window(session, decision, calendar)
    return decision


def _owe_window(session: Session, decision: Decision, calendar: WorkCalendar) -> None:
    """The window's end, and for a request for agreement a reminder halfway; keyed by the closing time, so an
    amendment that opens the window again owes new ones and the old ones find themselves stale."""
    closes = decision.closes_at.isoformat()
    payload = {"closes_at": closes}
    schedule_send(
        session,
        key=f"decision:{decision.id}:close:{closes}",
        kind="decision_close",
        due_at=decision.closes_at,
        subject_id=decision.id,
        payload=payload,
    )
    if decision.scope == "agreement":
        schedule_send(
            session,
            key=f"decision:{decision.id}:remind:{closes}",
            kind="decision_remind",
            due_at=window_end(decision.window_opened_at, decision.window_days, calendar, 0.5),
            subject_id=decision.id,
            payload=payload,
        )


def _record(
    session: Session,
    decision: Decision,
    actor: Member | None,
    event: str,
    source: str | None,
    now: datetime,
    note: str = "",
) -> DecisionMove:
    move = DecisionMove(
        decision_id=decision.id,
        team_id=actor.team_id if actor else None,
        user_id=actor.user_id if actor else None,
        at=now,
        event=event,
        from_state=source,
        to_state=decision.state,
        note=note,
        what=decision.what,
    )
    session.add(move)
    session.flush()
    return move


def roles_toward(decision: Decision, actor: Member) -> set[str]:
    """What `actor` is to a decision; every permission on decisions is decided on these."""
    roles = set()
    if (actor.team_id, actor.user_id) == (decision.author_team, decision.author_user):
        roles.add(AUTHOR)
    if actor.side != decision.side:
        roles.add(OTHER_SIDE)
        if actor.role == "lead":
            roles.add(OTHER_LEAD)
    if actor.role == "lead":
        roles.add(LEAD)
    return roles


WHO_WORDS = {
    AUTHOR: "the person who shared it",
    OTHER_SIDE: "the {other} side",
    OTHER_LEAD: "a lead of the {other} side",
    LEAD: "a lead",
}


def check_event(decision: Decision, actor: Member, event: str) -> None:
    """Raise a UserError unless `actor` may cause `event` on `decision` now. Changes nothing."""
    move = ALLOWED.get((decision.state, event))
    if move is None or move.who == WINDOW:
        raise UserError(
            f"Decision {decision.number} is {STATES[decision.state].lower()}: it can no longer be "
            f"{EVENTS[event].removeprefix('said ')}."
        )
    if move.who not in roles_toward(decision, actor):
        who = WHO_WORDS[move.who].format(other=other_side(decision.side))
        raise UserError(f"Only {who} can do that to decision {decision.number}.")


def answer(
    session: Session, decision: Decision, actor: Member, event: str, now: datetime, *, note: str = ""
) -> DecisionMove:
    """Aligned, not aligned, agree, decline, withdraw or refer: a person's move on a decision."""
    check_event(decision, actor, event)
    if event in NEEDS_A_REASON and not note.strip():
        raise UserError("Say why.")
    source = decision.state
    decision.state = ALLOWED[(source, event)].to
    if decision.state not in ACTIVE:
        decision.settled_at = now
    move = _record(session, decision, actor, event, source, now, note.strip())
    if event == "objected":  # both sides' leads hear of it, once per objection
        schedule_send(
            session,
            key=f"decision:{decision.id}:objection:{move.id}",
            kind="decision_objection",
            due_at=now,
            subject_id=move.id,
        )
    if event == "referred":
        schedule_send(
            session,
            key=f"decision:{decision.id}:referral:{move.id}",
            kind="decision_referral",
            due_at=now,
            subject_id=move.id,
        )
    return move


def amend(
    session: Session, decision: Decision, actor: Member, form: AmendForm, calendar: WorkCalendar, now: datetime
) -> DecisionMove:
    """The author changes what or why: the objection window opens again from now (the earlier text stays in
    the history)."""
    check_event(decision, actor, "amended")
    source = decision.state
    decision.state = ALLOWED[(source, "amended")].to
    decision.what, decision.why = form.what, form.why
    decision.window_opened_at = now
    decision.closes_at = window_end(now, decision.window_days, calendar)
    _owe_window(session, decision, calendar)
    return _record(session, decision, actor, "amended", source, now, form.why)


def close_window(session: Session, decision: Decision, closes_at: str, now: datetime) -> str | None:
    """The window that closed at `closes_at` ends: decided by silence, or expired undecided. None when the
    decision has moved on (answered, withdrawn, amended to a later window)."""
    if decision.closes_at.isoformat() != closes_at:
        return None
    source = decision.state
    event = {"open": "decided", "awaiting": "expired"}.get(source)
    if event is None:
        return None
    decision.state = ALLOWED[(source, event)].to
    decision.settled_at = now
    _record(session, decision, None, event, source, now)
    return event


def still_awaiting(decision: Decision, closes_at: str) -> bool:
    return decision.state == "awaiting" and decision.closes_at.isoformat() == closes_at


def find_decision(session: Session, partnership: Partnership, number_text: int | str) -> Decision:
    found = by_number(session, Decision, partnership.id, number_text)
    if found is None:
        raise BadInput(f"There is no decision {number_text} here.")
    return found


def list_decisions(session: Session, partnership: Partnership, *, only_open: bool) -> list[Decision]:
    query = select(Decision).where(Decision.partnership_id == partnership.id)
    if only_open:
        query = query.where(Decision.state.in_(ACTIVE))
    return list(session.scalars(query.order_by(Decision.number.desc())))


def open_states_read(gather: Gather, partnership: Partnership) -> Handle[list]:
    """The state of each decision still in play (what `/partner status` counts), in a gathered read."""
    return gather.rows(
        lambda p: select(Decision.state).where(Decision.partnership_id == p.pid, Decision.state.in_(ACTIVE)),
        pid=partnership.id,
    )


def awaiting_side(session: Session, partnership: Partnership, side: str) -> list[Decision]:
    """Decisions waiting on `side`: the other side's decisions open for objection or awaiting agreement, and
    `side`'s own decisions objected to. What a digest or App Home shows a side (the governance issue's seam)."""
    active = list_decisions(session, partnership, only_open=True)
    return [
        d
        for d in active
        if (d.side != side and d.state in ("open", "awaiting")) or (d.side == side and d.state == "objected")
    ]


def awaiting_member(session: Session, partnership: Partnership, member: Member) -> list[Decision]:
    """What awaits `member` on their App Home: what awaits their side, less the decisions they already said
    Aligned to in the window now open (saying it keeps the decision open for the rest of their side)."""
    found = awaiting_side(session, partnership, member.side)
    if not found:
        return []
    said = set(
        session.scalars(
            select(DecisionMove.decision_id)
            .join(Decision, Decision.id == DecisionMove.decision_id)
            .where(
                DecisionMove.decision_id.in_([d.id for d in found]),
                DecisionMove.team_id == member.team_id,
                DecisionMove.user_id == member.user_id,
                DecisionMove.event == "aligned",
                DecisionMove.at >= Decision.window_opened_at,
            )
        )
    )
    return [d for d in found if d.id not in said]


ANSWERS = ("aligned", "objected", "agreed", "declined")


def answers_open_to(decision: Decision, actor: Member) -> list[str]:
    """The answers (aligned, not aligned, agree, decline) `actor` may give `decision` now: the buttons a Home
    shows them. The same table and roles as check_event."""
    roles = roles_toward(decision, actor)
    return [
        event
        for event in ANSWERS
        if (move := ALLOWED.get((decision.state, event))) is not None and move.who != WINDOW and move.who in roles
    ]


def of_period(session: Session, partnership: Partnership, start: datetime, end: datetime) -> list[Decision]:
    """Decisions shared or settled in (start, end], and those shared before and still in play: the appraisal
    pre-read's, oldest first."""
    return gathered(session, lambda gather: of_period_read(gather, partnership, start, end))


def of_period_read(gather: Gather, partnership: Partnership, start: datetime, end: datetime) -> Handle[list[Decision]]:
    """`of_period` in a gathered read (transient copies, for reading)."""
    return gather.entities(
        Decision,
        lambda p: select(Decision).where(
            Decision.partnership_id == p.pid,
            ((Decision.shared_at > p.start) & (Decision.shared_at <= p.end))
            | ((Decision.settled_at > p.start) & (Decision.settled_at <= p.end))
            | (Decision.state.in_(ACTIVE) & (Decision.shared_at <= p.end)),
        ),
        sort=lambda d: d.number,
        pid=partnership.id,
        start=start,
        end=end,
    )
