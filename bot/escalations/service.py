"""The rules of escalations: raise, move through the lifecycle, targets, recurrence, metrics. No Slack."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from bot.actions import service as actions
from bot.actions.models import Action
from bot.celebrations import service as celebrations
from bot.claims import schedule_send
from bot.errors import BadInput, UserError
from bot.escalations import sla
from bot.escalations.lifecycle import ACTIVE, ALLOWED, STATES, who_text
from bot.escalations.models import CATEGORIES, ROOT_CAUSES, Escalation, Transition
from bot.gather import Gather
from bot.numbering import add_numbered, by_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import form_errors, roles_toward
from bot.partnerships.targets import SEVERITIES, parse_target
from bot.validation import Typed
from bot.workdays import WorkCalendar, local_date

RECURRENCE_WINDOW = timedelta(days=60)
RECURRENCE_COUNT = 3


class EscalationForm(BaseModel):
    title: Typed = Field(min_length=1, max_length=150)
    severity: str
    category: str
    description: Typed = Field(min_length=1, max_length=3000)
    impact: Typed = Field(default="", max_length=2000)

    @field_validator("severity")
    @classmethod
    def _severity(cls, value: str):
        if value not in SEVERITIES:
            raise ValueError("Choose a severity.")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str):
        if value not in CATEGORIES:
            raise ValueError("Choose a category.")
        return value


class ResolveForm(BaseModel):
    root_cause_category: str
    root_cause: Typed = Field(min_length=1, max_length=3000)
    corrective_action: Typed = Field(min_length=1, max_length=3000)

    @field_validator("root_cause_category")
    @classmethod
    def _known(cls, value: str):
        if value not in ROOT_CAUSES:
            raise ValueError("Choose a root-cause category.")
        return value


def parse_form(model: type[BaseModel], values: dict) -> tuple[BaseModel | None, dict[str, str]]:
    data = {key: ("" if value is None else value) for key, value in values.items()}
    try:
        return model(**data), {}
    except ValidationError as exc:
        return None, form_errors(exc)


@dataclass(frozen=True)
class Raised:
    escalation: Escalation
    recurring: list[Escalation]  # the escalations that make a recurring issue, when this one completes it
    action: Action | None


def targets(partnership: Partnership, severity: str):
    """The charter's (acknowledge, resolve) targets for a severity."""
    charter = partnership.charter.escalation_targets[severity]
    return (parse_target(charter["ack"]), parse_target(charter["resolve"]))


def raise_escalation(
    session: Session,
    partnership: Partnership,
    raiser: Member,
    form: EscalationForm,
    calendar: WorkCalendar,
    now: datetime,
) -> Raised:
    ack_target, resolve_target = targets(partnership, form.severity)
    escalation = Escalation(
        partnership_id=partnership.id,
        title=form.title,
        severity=form.severity,
        category=form.category,
        description=form.description,
        impact=form.impact,
        state="open",
        raised_by_team=raiser.team_id,
        raised_by_user=raiser.user_id,
        raised_at=now,
        ack_due_at=sla.due_at(now, form.severity, ack_target, calendar),
        resolve_due_at=sla.due_at(now, form.severity, resolve_target, calendar),
    )
    add_numbered(session, escalation)
    _record(session, escalation, raiser, None, "open", now, "raised")
    _owe_target_sends(session, escalation, "ack", now, ack_target, calendar)
    _owe_target_sends(session, escalation, "resolve", now, resolve_target, calendar)
    recurring, action = _recurrence(session, partnership, escalation, now)
    if escalation.severity == "P1":  # the days-without-a-P1 count starts again
        celebrations.owe_no_p1(session, partnership, now)
    return Raised(escalation, recurring, action)


def _owe_target_sends(session: Session, escalation: Escalation, kind: str, start: datetime, target, calendar) -> None:
    """A reminder before the target and a breach notice at it; keyed by the due time, so a reopen that moves
    the target owes new ones and each is sent once."""
    due = escalation.ack_due_at if kind == "ack" else escalation.resolve_due_at
    payload = {"target": kind, "due": due.isoformat()}
    schedule_send(
        session,
        key=f"esc:{escalation.id}:{kind}:remind:{due.isoformat()}",
        kind="esc_reminder",
        due_at=sla.remind_at(start, escalation.severity, target, calendar),
        subject_id=escalation.id,
        payload=payload,
    )
    schedule_send(
        session,
        key=f"esc:{escalation.id}:{kind}:breach:{due.isoformat()}",
        kind="esc_breach",
        due_at=due,
        subject_id=escalation.id,
        payload=payload,
    )


def _recurrence(
    session: Session, partnership: Partnership, escalation: Escalation, now: datetime
) -> tuple[list[Escalation], Action | None]:
    """The third escalation of one category within 60 days asks the leads for a correction plan, once a window."""
    recent = list(
        session.scalars(
            select(Escalation)
            .where(
                Escalation.partnership_id == partnership.id,
                Escalation.category == escalation.category,
                Escalation.state != "duplicate",
                Escalation.raised_at >= now - RECURRENCE_WINDOW,
            )
            .order_by(Escalation.number)
        )
    )
    if len(recent) < RECURRENCE_COUNT:
        return [], None
    key = f"recurrence:{escalation.category}"
    already = session.scalar(
        select(Action.id).where(
            Action.partnership_id == partnership.id,
            Action.source_key == key,
            Action.created_at >= now - RECURRENCE_WINDOW,
        )
    )
    if already:
        return [], None
    numbers = ", ".join(f"#{e.number}" for e in recent)
    action = actions.create_action(
        session,
        partnership,
        source="recurrence",
        source_key=key,
        created_by="partnerbot",
        now=now,
        title=f"Root-cause correction plan for recurring {CATEGORIES[escalation.category].lower()} escalations "
        f"({numbers})",
        due_date=local_date(now, partnership.timezone) + timedelta(days=14),
    )
    return recent, action


def _record(
    session: Session, escalation: Escalation, actor: Member, source: str | None, to: str, now: datetime, note: str
) -> None:
    session.add(
        Transition(
            escalation_id=escalation.id,
            team_id=actor.team_id,
            user_id=actor.user_id,
            at=now,
            from_state=source,
            to_state=to,
            note=note,
            ack_due_at=escalation.ack_due_at,
            resolve_due_at=escalation.resolve_due_at,
        )
    )


def check_move(escalation: Escalation, actor: Member, to: str, *, council: bool = False) -> None:
    """Raise a UserError unless `actor` may move `escalation` to `to` now. Changes nothing. `council`: the
    actor sits on the governance council (bot.governance decides who does)."""
    allowed = ALLOWED.get((escalation.state, to))
    if allowed is None:
        raise UserError(
            f"Escalation #{escalation.number} is {STATES[escalation.state].lower()}: it cannot be "
            f"moved to {STATES[to].lower()}."
        )
    roles = roles_toward(
        actor,
        owner=(escalation.owner_team, escalation.owner_user),
        raiser=(escalation.raised_by_team, escalation.raised_by_user),
    ) | ({"council"} if council else set())
    if not roles & allowed:
        raise UserError(f"Only {who_text(allowed)} can move escalation #{escalation.number} to {STATES[to].lower()}.")


def check_duplicate(escalation: Escalation, duplicate_of: Escalation | None) -> None:
    if (
        duplicate_of is None
        or duplicate_of.id == escalation.id
        or duplicate_of.partnership_id != escalation.partnership_id
    ):
        raise UserError("Name another escalation of this partnership, e.g. #3.")


def move(
    session: Session,
    escalation: Escalation,
    actor: Member,
    to: str,
    now: datetime,
    *,
    note: str = "",
    owner: Member | None = None,
    resolution: ResolveForm | None = None,
    duplicate_of: Escalation | None = None,
    calendar: WorkCalendar | None = None,
    council: bool = False,
) -> None:
    check_move(escalation, actor, to, council=council)
    source = escalation.state
    if to == "in_progress":
        if owner is None:
            raise UserError("Choose the owner.")
        escalation.owner_team, escalation.owner_user = owner.team_id, owner.user_id
    if to in ("acknowledged", "in_progress", "resolved", "referred") and escalation.acknowledged_at is None:
        escalation.acknowledged_at = now  # taking it on, or fixing it, acknowledges it
    if to == "resolved":
        if resolution is None:
            raise UserError("Resolving needs a root-cause category, the root cause and a corrective action.")
        escalation.root_cause_category = resolution.root_cause_category
        escalation.root_cause = resolution.root_cause
        escalation.corrective_action = resolution.corrective_action
        escalation.resolved_at = now
    if to == "closed":
        escalation.closed_at = now
        escalation.acknowledged_at = escalation.acknowledged_at or now
    if to == "duplicate":
        check_duplicate(escalation, duplicate_of)
        escalation.duplicate_of_id = duplicate_of.id
        note = note or f"duplicate of #{duplicate_of.number}"
    if to == "open":  # reopened: the resolve clock starts again from now
        partnership = escalation.partnership
        _, resolve_target = targets(partnership, escalation.severity)
        escalation.resolved_at = escalation.closed_at = escalation.resolve_breached_at = None
        escalation.duplicate_of_id = None
        escalation.resolve_due_at = sla.due_at(now, escalation.severity, resolve_target, calendar)
        _owe_target_sends(session, escalation, "resolve", now, resolve_target, calendar)
    escalation.state = to
    _record(session, escalation, actor, source, to, now, note)


def find_escalation(session: Session, partnership: Partnership, number_text: str) -> Escalation:
    found = by_number(session, Escalation, partnership.id, number_text)
    if found is None:
        raise BadInput(f"There is no escalation {number_text} here.")
    return found


@dataclass(frozen=True)
class Page:
    escalations: list[Escalation]  # newest first, without their descriptions
    total: int  # how many match, shown or not


def list_escalations(
    session: Session, partnership: Partnership, *, only_open: bool, severity: str | None, size: int
) -> Page:
    """One page of the newest escalations and how many match: a partnership may hold years of them."""
    query = select(Escalation).where(Escalation.partnership_id == partnership.id)
    if only_open:
        query = query.where(Escalation.state.in_(ACTIVE))
    if severity:
        query = query.where(Escalation.severity == severity)
    page = session.scalars(
        query.options(defer(Escalation.description), defer(Escalation.impact))
        .order_by(Escalation.raised_at.desc(), Escalation.number.desc())
        .limit(size)
    )
    total = session.scalar(query.with_only_columns(func.count()).order_by(None))
    return Page(escalations=list(page), total=total)


def is_overdue(escalation: Escalation, now: datetime) -> bool:
    if escalation.state not in ACTIVE:
        return False
    return (escalation.acknowledged_at is None and now > escalation.ack_due_at) or now > escalation.resolve_due_at


@dataclass(frozen=True)
class SeverityMetrics:
    severity: str
    open_count: int
    overdue: int
    median_ack: timedelta | None
    median_resolve: timedelta | None
    breaches: int


@dataclass(frozen=True)
class Overview:
    severities: list[SeverityMetrics]
    by_category: dict[str, int]  # raised within the window


def overview_read(gather: Gather, partnership: Partnership, now: datetime, days: int = 90) -> Callable[[], Overview]:
    """Open escalations and the window's medians, from one read of the columns they need (in a gathered read)."""
    since = now - timedelta(days=days)
    found = gather.rows(
        lambda p: select(
            Escalation.severity,
            Escalation.category,
            Escalation.state,
            Escalation.raised_at,
            Escalation.acknowledged_at,
            Escalation.resolved_at,
            Escalation.ack_due_at,
            Escalation.resolve_due_at,
            Escalation.ack_breached_at,
            Escalation.resolve_breached_at,
        ).where(
            Escalation.partnership_id == p.pid,
            or_(Escalation.state.in_(ACTIVE), Escalation.raised_at >= p.since),
        ),
        pid=partnership.id,
        since=since,
    )
    return lambda: _overview(found.get(), now, since)


def _overview(every: list, now: datetime, since: datetime) -> Overview:
    result = []
    for severity in SEVERITIES:
        mine = [e for e in every if e.severity == severity]
        recent = [e for e in mine if e.raised_at >= since]
        acks = [e.acknowledged_at - e.raised_at for e in recent if e.acknowledged_at]
        fixes = [e.resolved_at - e.raised_at for e in recent if e.resolved_at]
        result.append(
            SeverityMetrics(
                severity=severity,
                open_count=sum(e.state in ACTIVE for e in mine),
                overdue=sum(is_overdue(e, now) for e in mine),
                median_ack=statistics.median(acks) if acks else None,
                median_resolve=statistics.median(fixes) if fixes else None,
                breaches=sum(bool(e.ack_breached_at) + bool(e.resolve_breached_at) for e in recent),
            )
        )
    by_category = Counter(e.category for e in every if e.raised_at >= since)
    return Overview(severities=result, by_category=dict(sorted(by_category.items())))
