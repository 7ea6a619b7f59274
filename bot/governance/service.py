"""Governance rules: the health facts of a window, the council, and the governance rhythm's settings. No Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Callable, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.errors import UserError
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.feedback.service import scores_visible
from bot.gather import Gather, gathered
from bot.governance.health import TREND_DAYS, WINDOW_DAYS, Health, HealthFacts, health_score
from bot.governance.models import APPRAISAL_CADENCES, DIGEST_CADENCES, CouncilSeat
from bot.kudos.models import Kudos
from bot.partnerships.models import CharterEdit, Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.rhythms.models import Answer, Checkin
from bot.workdays import local_date

COUNCIL_USAGE = "/partner council add|remove @user"


# -- health ----------------------------------------------------------------------------------------------


@dataclass
class HealthRows:
    """The rows a stretch of time holds, loaded once; facts for any window inside it are computed from them (so a
    score, its value 30 days earlier and a week-by-week trend cost one set of queries)."""

    checkins: list[tuple[int, datetime, set]]  # id, closes_at, expected (team, user)
    first_answers: dict[tuple[int, str, str], bool]  # (checkin, team, user) -> late
    escalations: list[tuple]
    cycles: list[tuple[int, bool, datetime]]  # id, anonymous, closes_at
    responses: list[tuple[int, str, float, datetime]]  # cycle, side, overall score, given_at
    repeated: list[datetime]  # closes_at of the cycle of each "what should change" point raised again
    actions: list[tuple[date, datetime, datetime | None]]  # due_date, created_at, done_at
    kudos: list[tuple[datetime, str, str]]  # given_at, giver side, receiver side

    @cached_property
    def checkin_counts(self) -> list[tuple[datetime, int, int]]:
        """Each check-in's closing time, how many were asked and how many answered on time: counted once for
        every window a trend computes from these rows."""
        return [
            (closes, len(people), sum(self.first_answers.get((checkin_id, *person)) is False for person in people))
            for checkin_id, closes, people in self.checkins
        ]

    @cached_property
    def by_direction(self) -> dict[tuple[int, str], list[tuple[float, datetime]]]:
        """Each cycle's scores by the side that gave them."""
        grouped: dict[tuple[int, str], list[tuple[float, datetime]]] = {}
        for cycle_id, side, score, at in self.responses:
            grouped.setdefault((cycle_id, side), []).append((score, at))
        return grouped


def health_rows(session: Session, partnership: Partnership, start: datetime, end: datetime) -> HealthRows:
    """Everything the windows ending between `start + 90 days` and `end` need: one statement."""
    return gathered(session, lambda gather: health_rows_read(gather, partnership, start, end))


def health_rows_read(
    gather: Gather, partnership: Partnership, start: datetime, end: datetime
) -> Callable[[], HealthRows]:
    """`health_rows` as part of a gathered read (so status reads them with every other area's lines)."""
    first_day, last_day = local_date(start, partnership.timezone), local_date(end, partnership.timezone)
    span = {"pid": partnership.id, "start": start, "end": end}
    checkins = gather.rows(
        lambda p: select(Checkin.id, Checkin.closes_at, Checkin.expected).where(*_checkins_in(p)), **span
    )
    answers = gather.rows(
        lambda p: (
            select(Answer.checkin_id, Answer.team_id, Answer.user_id, Answer.late, Answer.answered_at, Answer.id)
            .join(Checkin, Checkin.id == Answer.checkin_id)
            .where(*_checkins_in(p))
        ),
        sort=lambda a: (a.checkin_id, a.answered_at, a.id),
        **span,
    )
    escalations = gather.rows(
        lambda p: select(
            Escalation.raised_at,
            Escalation.ack_due_at,
            Escalation.resolve_due_at,
            Escalation.acknowledged_at,
            Escalation.resolved_at,
            Escalation.closed_at,
        ).where(
            Escalation.partnership_id == p.pid,
            Escalation.state != "duplicate",
            Escalation.raised_at <= p.end,
            or_(Escalation.raised_at > p.start, Escalation.resolved_at.is_(None), Escalation.resolved_at > p.start),
        ),
        **span,
    )
    cycles = gather.rows(
        lambda p: select(FeedbackCycle.id, FeedbackCycle.anonymous, FeedbackCycle.closes_at).where(*_cycles_in(p)),
        **span,
    )
    responses = gather.rows(
        lambda p: select(
            FeedbackResponse.cycle_id,
            FeedbackResponse.giver_side,
            (
                FeedbackResponse.quality
                + FeedbackResponse.communication
                + FeedbackResponse.responsiveness
                + FeedbackResponse.proactivity
            )
            / 4.0,
            FeedbackResponse.given_at,
        ).where(FeedbackResponse.cycle_id.in_(select(FeedbackCycle.id).where(*_cycles_in(p)))),
        **span,
    )
    repeated = gather.rows(
        lambda p: (
            select(FeedbackCycle.closes_at)
            .join(FeedbackPoint, FeedbackPoint.cycle_id == FeedbackCycle.id)
            .where(
                *_cycles_in(p),
                FeedbackCycle.status == "closed",
                FeedbackPoint.kind == "change",
                FeedbackPoint.times_raised >= 2,
            )
        ),
        **span,
    )
    actions = gather.rows(
        lambda p: select(Action.due_date, Action.created_at, Action.done_at).where(
            Action.partnership_id == p.pid,
            Action.created_at <= p.end,
            Action.due_date <= p.last_day,
            or_(Action.due_date > p.first_day, Action.done_at.is_(None), Action.done_at > p.start),
        ),
        first_day=first_day,
        last_day=last_day,
        **span,
    )
    kudos = gather.rows(
        lambda p: select(Kudos.given_at, Kudos.giver_side, Kudos.receiver_side).where(
            Kudos.partnership_id == p.pid, Kudos.given_at > p.start, Kudos.given_at <= p.end
        ),
        **span,
    )

    def finish() -> HealthRows:
        first: dict[tuple[int, str, str], bool] = {}
        for checkin_id, team, user, late, *_ in answers.get():
            first.setdefault((checkin_id, team, user), late)  # a person's first answer decides their standing
        return HealthRows(
            checkins=[
                (cid, closes, {(p["team"], p["user"]) for p in people}) for cid, closes, people in checkins.get()
            ],
            first_answers=first,
            escalations=escalations.get(),
            cycles=cycles.get(),
            responses=responses.get(),
            repeated=[closes for (closes,) in repeated.get()],
            actions=actions.get(),
            kudos=kudos.get(),
        )

    return finish


def _checkins_in(p) -> tuple:
    return (
        Checkin.partnership_id == p.pid,
        Checkin.status == "sent",
        Checkin.closes_at > p.start,
        Checkin.closes_at <= p.end,
    )


def _cycles_in(p) -> tuple:
    return FeedbackCycle.partnership_id == p.pid, FeedbackCycle.closes_at > p.start, FeedbackCycle.closes_at <= p.end


def facts_from(rows: HealthRows, timezone: str, end: datetime, days: int = WINDOW_DAYS) -> HealthFacts:
    """The facts of the `days` before `end`, as they stood at `end`."""
    start = end - timedelta(days=days)
    expected = on_time = 0
    for closes, asked, answered in rows.checkin_counts:
        if start < closes <= end:
            expected += asked
            on_time += answered
    due = met = overdue = 0
    for raised, ack_due, resolve_due, acked, resolved, closed in rows.escalations:
        if raised > end:
            continue
        acked = acked if acked and acked <= end else None
        resolved = resolved or closed
        resolved = resolved if resolved and resolved <= end else None
        if resolved is not None and resolved <= start:
            continue
        if raised > start:
            for target, done in ((ack_due, acked), (resolve_due, resolved)):
                if target <= end or done is not None:  # fell due, or was met before it did
                    due += 1
                    met += done is not None and done <= target
        if resolved is None and ((acked is None and ack_due < end) or resolve_due < end):
            overdue += 1
    scores: list[float | None] = []
    by_direction = rows.by_direction
    for cycle_id, anonymous, closes in rows.cycles:
        if not start < closes <= end:
            continue
        for side in ("client", "vendor"):
            given = [score for score, at in by_direction.get((cycle_id, side), ()) if at <= end]
            if not given:
                scores.append(None)  # silence counts against
            elif scores_visible(anonymous, len(given)):
                scores.append(float(sum(given)) / len(given))
    first_day, last_day = local_date(start, timezone), local_date(end, timezone)
    actions_due = actions_overdue = 0
    for due_date, created, done in rows.actions:
        still_open = done is None or done > end
        if created <= end and due_date <= last_day and (due_date > first_day or still_open):
            actions_due += 1
            actions_overdue += still_open and due_date < last_day
    kudos = [(g, r) for at, g, r in rows.kudos if start < at <= end]
    return HealthFacts(
        checkins_expected=expected,
        checkins_on_time=on_time,
        targets_due=due,
        targets_met=met,
        escalations_overdue=overdue,
        feedback_scores=tuple(scores),
        actions_due=actions_due,
        actions_overdue=actions_overdue,
        repeated_points=sum(start < closes <= end for closes in rows.repeated),
        kudos_client_to_vendor=kudos.count(("client", "vendor")),
        kudos_vendor_to_client=kudos.count(("vendor", "client")),
    )


def health_facts(session: Session, partnership: Partnership, end: datetime, days: int = WINDOW_DAYS) -> HealthFacts:
    """What the `days` before `end` held, as it stood at `end` (so the same function gives the past score)."""
    rows = health_rows(session, partnership, end - timedelta(days=days), end)
    return facts_from(rows, partnership.timezone, end, days)


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
    return gathered(session, lambda gather: reading_read(gather, partnership, now))


def reading_read(gather: Gather, partnership: Partnership, now: datetime) -> Callable[[], HealthReading]:
    """The score now and 30 days earlier, as part of a gathered read."""
    moments = [now, now - timedelta(days=TREND_DAYS)]
    rows = health_rows_read(gather, partnership, min(moments) - timedelta(days=WINDOW_DAYS), max(moments))

    def finish() -> HealthReading:
        loaded = rows()
        current, before = (health_score(facts_from(loaded, partnership.timezone, moment)) for moment in moments)
        return HealthReading(now=current, before=before)

    return finish


def health_trend(
    session: Session, partnership: Partnership, end: datetime, points: int, step: timedelta
) -> tuple[list[tuple[datetime, int]], HealthReading]:
    """[(moment, score)] oldest first, `points` readings `step` apart ending at `end`; and the reading at `end`
    (its score and the one 30 days earlier), from the same rows."""
    return gathered(session, lambda gather: health_trend_read(gather, partnership, end, points, step))


def health_trend_read(
    gather: Gather, partnership: Partnership, end: datetime, points: int, step: timedelta
) -> Callable[[], tuple[list[tuple[datetime, int]], HealthReading]]:
    """`health_trend` as part of a gathered read (the pre-read reads it with its other figures)."""
    moments = [end - step * i for i in reversed(range(points))]
    every = [*moments, end - timedelta(days=TREND_DAYS)]
    rows = health_rows_read(gather, partnership, min(every) - timedelta(days=WINDOW_DAYS), max(every))

    def finish() -> tuple[list[tuple[datetime, int]], HealthReading]:
        loaded = rows()
        *scores, before = (health_score(facts_from(loaded, partnership.timezone, moment)) for moment in every)
        trend = [(m, h.score) for m, h in zip(moments, scores, strict=True)]
        return trend, HealthReading(now=scores[-1], before=before)

    return finish


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
