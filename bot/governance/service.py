"""Governance rules: the health facts of a window, the council, and the governance rhythm's settings. No Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.errors import UserError
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.feedback.service import scores_visible
from bot.governance.health import TREND_DAYS, WINDOW_DAYS, Health, HealthFacts, health_score
from bot.governance.models import APPRAISAL_CADENCES, DIGEST_CADENCES, CouncilSeat
from bot.kudos.models import Kudos
from bot.partnerships.models import CharterEdit, Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.rhythms.models import Answer, Checkin
from bot.workdays import local_date

COUNCIL_USAGE = "/partner council add|remove @user"


# -- health ----------------------------------------------------------------------------------------------


def health_facts(session: Session, partnership: Partnership, end: datetime, days: int = WINDOW_DAYS) -> HealthFacts:
    """What the `days` before `end` held, as it stood at `end` (so the same function gives the past score)."""
    start = end - timedelta(days=days)
    return HealthFacts(
        **_checkin_facts(session, partnership, start, end),
        **_escalation_facts(session, partnership, start, end),
        feedback_scores=_feedback_scores(session, partnership, start, end),
        **_action_facts(session, partnership, start, end),
        repeated_points=_repeated_points(session, partnership, start, end),
        **_kudos_facts(session, partnership, start, end),
    )


def _checkin_facts(session: Session, partnership: Partnership, start: datetime, end: datetime) -> dict:
    in_window = (
        Checkin.partnership_id == partnership.id,
        Checkin.status == "sent",
        Checkin.closes_at > start,
        Checkin.closes_at <= end,
    )
    expected = {cid: {(p["team"], p["user"]) for p in people} for cid, people in session.execute(
        select(Checkin.id, Checkin.expected).where(*in_window)
    ).all()}  # fmt: skip
    on_time: set[tuple[int, str, str]] = set()
    seen: set[tuple[int, str, str]] = set()
    rows = session.execute(
        select(Answer.checkin_id, Answer.team_id, Answer.user_id, Answer.late)
        .join(Checkin, Checkin.id == Answer.checkin_id)
        .where(*in_window)
        .order_by(Answer.checkin_id, Answer.answered_at)
    )
    for checkin_id, team, user, late in rows:
        key = (checkin_id, team, user)
        if key in seen:
            continue  # a person's first answer decides their standing
        seen.add(key)
        if not late and (team, user) in expected[checkin_id]:
            on_time.add(key)
    return {"checkins_expected": sum(len(people) for people in expected.values()), "checkins_on_time": len(on_time)}


def _escalation_facts(session: Session, partnership: Partnership, start: datetime, end: datetime) -> dict:
    rows = session.execute(
        select(
            Escalation.raised_at,
            Escalation.ack_due_at,
            Escalation.resolve_due_at,
            Escalation.acknowledged_at,
            Escalation.resolved_at,
            Escalation.closed_at,
        ).where(
            Escalation.partnership_id == partnership.id,
            Escalation.state != "duplicate",
            Escalation.raised_at <= end,
            or_(Escalation.raised_at > start, Escalation.resolved_at.is_(None), Escalation.resolved_at > start),
        )
    ).all()
    due = met = overdue = 0
    for raised, ack_due, resolve_due, acked, resolved, closed in rows:
        acked = acked if acked and acked <= end else None
        resolved = resolved or (closed if closed else None)
        resolved = resolved if resolved and resolved <= end else None
        if raised > start:
            for target, done in ((ack_due, acked), (resolve_due, resolved)):
                if target <= end or done is not None:  # fell due, or was met before it did
                    due += 1
                    met += done is not None and done <= target
        if resolved is None and ((acked is None and ack_due < end) or resolve_due < end):
            overdue += 1
    return {"targets_due": due, "targets_met": met, "escalations_overdue": overdue}


def _feedback_scores(
    session: Session, partnership: Partnership, start: datetime, end: datetime
) -> tuple[float | None, ...]:
    cycles = session.execute(
        select(FeedbackCycle.id, FeedbackCycle.anonymous).where(
            FeedbackCycle.partnership_id == partnership.id,
            FeedbackCycle.closes_at > start,
            FeedbackCycle.closes_at <= end,
        )
    ).all()
    if not cycles:
        return ()
    overall = (
        FeedbackResponse.quality
        + FeedbackResponse.communication
        + FeedbackResponse.responsiveness
        + FeedbackResponse.proactivity
    ) / 4.0
    sums = {
        (cycle_id, side): (count, mean)
        for cycle_id, side, count, mean in session.execute(
            select(FeedbackResponse.cycle_id, FeedbackResponse.giver_side, func.count(), func.avg(overall))
            .where(FeedbackResponse.cycle_id.in_([c for c, _ in cycles]), FeedbackResponse.given_at <= end)
            .group_by(FeedbackResponse.cycle_id, FeedbackResponse.giver_side)
        ).all()
    }
    scores: list[float | None] = []
    for cycle_id, anonymous in cycles:
        for side in ("client", "vendor"):
            count, mean = sums.get((cycle_id, side), (0, None))
            if count == 0:
                scores.append(None)  # silence counts against
            elif scores_visible(anonymous, count):
                scores.append(float(mean))
    return tuple(scores)


def _action_facts(session: Session, partnership: Partnership, start: datetime, end: datetime) -> dict:
    first_day, last_day = local_date(start, partnership.timezone), local_date(end, partnership.timezone)
    still_open = or_(Action.done_at.is_(None), Action.done_at > end)
    due, overdue = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((and_(Action.due_date < last_day, still_open), 1), else_=0)), 0),
        ).where(
            Action.partnership_id == partnership.id,
            Action.created_at <= end,
            Action.due_date <= last_day,
            or_(Action.due_date > first_day, still_open),
        )
    ).one()
    return {"actions_due": due, "actions_overdue": overdue}


def _repeated_points(session: Session, partnership: Partnership, start: datetime, end: datetime) -> int:
    return session.scalar(
        select(func.count())
        .select_from(FeedbackPoint)
        .join(FeedbackCycle, FeedbackCycle.id == FeedbackPoint.cycle_id)
        .where(
            FeedbackCycle.partnership_id == partnership.id,
            FeedbackCycle.status == "closed",
            FeedbackCycle.closes_at > start,
            FeedbackCycle.closes_at <= end,
            FeedbackPoint.kind == "change",
            FeedbackPoint.times_raised >= 2,
        )
    )


def _kudos_facts(session: Session, partnership: Partnership, start: datetime, end: datetime) -> dict:
    counts = dict(
        ((giver, receiver), n)
        for giver, receiver, n in session.execute(
            select(Kudos.giver_side, Kudos.receiver_side, func.count())
            .where(Kudos.partnership_id == partnership.id, Kudos.given_at > start, Kudos.given_at <= end)
            .group_by(Kudos.giver_side, Kudos.receiver_side)
        ).all()
    )
    return {
        "kudos_client_to_vendor": counts.get(("client", "vendor"), 0),
        "kudos_vendor_to_client": counts.get(("vendor", "client"), 0),
    }


@dataclass(frozen=True)
class HealthReading:
    """The score now and 30 days earlier, each over its own 90-day window."""

    now: Health
    before: Health

    @property
    def change(self) -> int:
        return self.now.score - self.before.score


def health_at(session: Session, partnership: Partnership, moment: datetime) -> Health:
    return health_score(health_facts(session, partnership, moment))


def reading(session: Session, partnership: Partnership, now: datetime) -> HealthReading:
    return HealthReading(
        now=health_at(session, partnership, now),
        before=health_at(session, partnership, now - timedelta(days=TREND_DAYS)),
    )


def health_trend(session: Session, partnership: Partnership, end: datetime, points: int, step: timedelta) -> list:
    """[(moment, score)] oldest first, `points` readings `step` apart ending at `end`."""
    moments = [end - step * i for i in reversed(range(points))]
    return [(moment, health_at(session, partnership, moment).score) for moment in moments]


# -- the council ------------------------------------------------------------------------------------------


def council(session: Session, partnership: Partnership) -> list[Member]:
    """Leads and sponsors of both sides, plus those leads added, minus those leads removed."""
    seats = {
        user: seated
        for user, seated in session.execute(
            select(CouncilSeat.user_id, CouncilSeat.seated).where(CouncilSeat.partnership_id == partnership.id)
        ).all()
    }
    return [m for m in partnership.members if seats.get(m.user_id, m.role in ("lead", "sponsor"))]


def is_council(session: Session, partnership: Partnership, member: Member) -> bool:
    return any(m.id == member.id for m in council(session, partnership))


def require_council(session: Session, partnership: Partnership, member: Member, what: str) -> None:
    if not is_council(session, partnership, member):
        raise UserError(f"Only members of the governance council can {what}.", usage="/partner council")


def change_seat(
    session: Session, partnership: Partnership, actor: Member, member: Member, *, seated: bool, now: datetime
) -> bool:
    """A lead adds someone to the council or removes them. False when that changes nothing."""
    require_lead(actor, "change the governance council")
    if is_council(session, partnership, member) == seated:
        return False
    seat = session.scalar(
        select(CouncilSeat).where(CouncilSeat.partnership_id == partnership.id, CouncilSeat.user_id == member.user_id)
    )
    if seat is None:
        seat = CouncilSeat(partnership_id=partnership.id, team_id=member.team_id, user_id=member.user_id)
        session.add(seat)
    seat.seated, seat.changed_by, seat.changed_at = seated, actor.user_id, now
    return True


# -- the governance rhythm's settings (kept on the charter, logged like any charter edit) -------------------


class GovernanceSettings(BaseModel):
    appraisal_cadence: Literal["monthly", "quarterly", "half_yearly"]
    next_appraisal_on: date | None = None
    digest_cadence: Literal["weekly", "biweekly", "monthly", "off"]


def settings_of(partnership: Partnership) -> GovernanceSettings:
    charter = partnership.charter
    return GovernanceSettings(
        appraisal_cadence=charter.appraisal_cadence,
        next_appraisal_on=charter.next_appraisal_on,
        digest_cadence=charter.digest_cadence,
    )


def settings_from_form(values: dict, today: date) -> tuple[GovernanceSettings | None, dict[str, str]]:
    try:
        settings = GovernanceSettings(**{k: v or None for k, v in values.items()})
    except ValidationError as exc:
        return None, {field: "Choose one." if field != "next_appraisal_on" else message
                      for field, message in form_errors(exc).items()}  # fmt: skip
    if settings.next_appraisal_on is not None and settings.next_appraisal_on <= today:
        return None, {"next_appraisal_on": "Choose a day after today."}
    return settings, {}


def change_settings(
    session: Session, partnership: Partnership, actor: Member, settings: GovernanceSettings, now: datetime
) -> dict:
    """A lead sets the appraisal cadence, the next meeting and the digest's cadence; logged as a charter edit."""
    require_lead(actor, "change the governance rhythm")
    assert settings.appraisal_cadence in APPRAISAL_CADENCES and settings.digest_cadence in DIGEST_CADENCES
    before, after = settings_of(partnership).model_dump(mode="json"), settings.model_dump(mode="json")
    changes = {name: {"from": before[name], "to": after[name]} for name in after if before[name] != after[name]}
    if changes:
        for name in changes:
            setattr(partnership.charter, name, getattr(settings, name))
        session.add(
            CharterEdit(
                partnership_id=partnership.id,
                team_id=actor.team_id,
                user_id=actor.user_id,
                edited_at=now,
                changes=changes,
            )
        )
    return changes
