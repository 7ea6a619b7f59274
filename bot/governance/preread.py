"""The appraisal pre-read's figures: the period against the one before and the charter's targets, the health
trend, the KPI scorecard, the latest incentive review and the decisions of the period. No Slack."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.decisions import service as decisions
from bot.decisions.models import Decision
from bot.escalations.models import CATEGORIES, Escalation
from bot.escalations.service import targets as escalation_targets
from bot.escalations.sla import target_duration
from bot.feedback.models import DIMENSIONS, FeedbackCycle, FeedbackResponse
from bot.feedback.service import scores_visible
from bot.gather import Gather, gathered
from bot.governance.service import HealthReading, health_trend_read
from bot.incentives.service import ReviewReport
from bot.incentives.status import latest_report_read
from bot.kpis import service as kpis
from bot.kpis.service import ScoreRow
from bot.kudos.models import Kudos
from bot.milestones.models import Milestone
from bot.partnerships.models import Partnership
from bot.partnerships.targets import SEVERITIES
from bot.rhythms.models import Answer, Checkin
from bot.workdays import local_date

PREREAD_BUSINESS_DAYS = 5
PREREAD_AT = time(9, 0)
MEETING_AT = time(9, 0)
DECISION_SLOTS = 3


# -- the pre-read's figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationFigures:
    by_category: dict[str, int]
    by_severity: dict[str, int]
    median_ack: dict[str, float | None]  # seconds, per severity
    median_resolve: dict[str, float | None]
    ack_target: dict[str, float]  # seconds, per severity, from the charter
    resolve_target: dict[str, float]
    breaches: int


@dataclass(frozen=True)
class PeriodFigures:
    start: datetime
    end: datetime
    response_by_week: list[tuple[date, float | None]]  # week's Monday, % of expected answers given on time
    response_rate: float | None
    feedback: list[tuple[int, float | None, float | None]]  # cycle number, client's score of vendor, vendor's of client
    escalations: EscalationFigures
    milestones_on_time: int
    milestones_late: int
    actions_opened: int
    actions_closed: int
    actions_overdue: int
    kudos: dict[str, int]  # "client→vendor", "vendor→client"

    @property
    def perception_gap(self) -> float | None:
        """How far apart the two sides' average scores of each other are (client's of vendor minus vendor's of
        client), over the period's cycles."""
        client = [c for _, c, _ in self.feedback if c is not None]
        vendor = [v for _, _, v in self.feedback if v is not None]
        if not client or not vendor:
            return None
        return round(statistics.mean(client) - statistics.mean(vendor), 2)


@dataclass(frozen=True)
class PreRead:
    current: PeriodFigures
    previous: PeriodFigures
    health: list[tuple[datetime, int]] = field(default_factory=list)
    reading: HealthReading | None = None  # the score at the period's end, its change and what pulls it down
    scorecard: list[ScoreRow] = field(default_factory=list)  # the KPIs' last six periods at the period's end
    incentives: ReviewReport | None = None  # the latest incentive review by the period's end
    decisions: list[Decision] = field(default_factory=list)  # shared or settled in the period


def period_figures(
    session: Session, partnership: Partnership, start: datetime, end: datetime, previous_start: datetime
) -> tuple[PeriodFigures, PeriodFigures]:
    """The figures of (start, end] and of the period before it, (previous_start, start]: one statement."""
    return gathered(session, lambda gather: period_figures_read(gather, partnership, start, end, previous_start))


# What each read of the two periods selects, as functions of the gather's parameters (bot/gather.py): p.pid,
# p.start, p.end and p.before (the previous period's start); the actions' counts also take each period's last
# local day (p.end_day, p.start_day).


def _stretch(p) -> tuple:
    return Checkin.partnership_id == p.pid, Checkin.status == "sent", Checkin.closes_at > p.before, \
        Checkin.closes_at <= p.end  # fmt: skip


def _cycles(p) -> tuple:
    return (FeedbackCycle.partnership_id == p.pid, FeedbackCycle.status == "closed",
            FeedbackCycle.closes_at > p.before, FeedbackCycle.closes_at <= p.end)  # fmt: skip


_OVERALL = sum(getattr(FeedbackResponse, d) for d in DIMENSIONS) / float(len(DIMENSIONS))


def _action_counts(low, high, last_day) -> list:
    overdue = (Action.due_date < last_day) & (Action.done_at.is_(None) | (Action.done_at > high))
    return [
        func.count(case(((Action.created_at > low) & (Action.created_at <= high), 1))),
        func.count(case(((Action.done_at > low) & (Action.done_at <= high), 1))),
        func.count(case((overdue & (Action.created_at <= high), 1))),
    ]


def period_figures_read(
    gather: Gather, partnership: Partnership, start: datetime, end: datetime, previous_start: datetime
) -> Callable[[], tuple[PeriodFigures, PeriodFigures]]:
    """`period_figures` as part of a gathered read: each table read once over both periods (rows split by the
    period they fall in), counts aggregated in SQL."""
    tz = partnership.timezone
    span = {"pid": partnership.id, "start": start, "end": end, "before": previous_start}
    checkins = gather.rows(lambda p: select(Checkin.id, Checkin.closes_at, Checkin.expected).where(*_stretch(p)),
                           **span)  # fmt: skip
    answers = gather.rows(
        lambda p: (
            select(Answer.checkin_id, Answer.user_id, Answer.late, Answer.answered_at, Answer.id)
            .join(Checkin, Checkin.id == Answer.checkin_id)
            .where(*_stretch(p))
        ),
        sort=lambda a: (a.answered_at, a.id),
        **span,
    )
    cycles = gather.rows(
        lambda p: select(
            FeedbackCycle.id, FeedbackCycle.number, FeedbackCycle.anonymous, FeedbackCycle.closes_at
        ).where(*_cycles(p)),
        sort=lambda c: c.number,
        **span,
    )
    scores = gather.rows(
        lambda p: (
            select(FeedbackResponse.cycle_id, FeedbackResponse.giver_side, func.count(), func.avg(_OVERALL))
            .where(FeedbackResponse.cycle_id.in_(select(FeedbackCycle.id).where(*_cycles(p))))
            .group_by(FeedbackResponse.cycle_id, FeedbackResponse.giver_side)
        ),
        grouped=True,
        **span,
    )
    escalations = gather.rows(
        lambda p: select(Escalation.category, Escalation.severity, Escalation.raised_at, Escalation.acknowledged_at,
                         Escalation.resolved_at, Escalation.ack_breached_at, Escalation.resolve_breached_at)
        .where(Escalation.partnership_id == p.pid, Escalation.state != "duplicate",
               Escalation.raised_at > p.before, Escalation.raised_at <= p.end),
        **span,
    )  # fmt: skip
    landed = gather.rows(
        lambda p: select(Milestone.done_at, Milestone.planned_date).where(
            Milestone.partnership_id == p.pid, Milestone.done_at > p.before, Milestone.done_at <= p.end
        ),
        **span,
    )
    kudos_counts = gather.rows(
        lambda p: select(Kudos.giver_side, Kudos.receiver_side, func.count(case((Kudos.given_at > p.start, 1))),
                         func.count(case((Kudos.given_at <= p.start, 1))))
        .where(Kudos.partnership_id == p.pid, Kudos.given_at > p.before, Kudos.given_at <= p.end)
        .group_by(Kudos.giver_side, Kudos.receiver_side),
        grouped=True,
        **span,
    )  # fmt: skip
    actions = gather.rows(
        lambda p: select(
            *_action_counts(p.start, p.end, p.end_day), *_action_counts(p.before, p.start, p.start_day)
        ).where(Action.partnership_id == p.pid),
        first=1,
        end_day=local_date(end, tz),
        start_day=local_date(start, tz),
        **span,
    )
    goals = {s: escalation_targets(partnership, s) for s in SEVERITIES}

    def finish() -> tuple[PeriodFigures, PeriodFigures]:
        return _figures(tz, (start, end), (previous_start, start), goals, checkins.get(), answers.get(),
                        cycles.get(), scores.get(), escalations.get(), landed.get(), kudos_counts.get(),
                        actions.get()[0])  # fmt: skip

    return finish


def _figures(tz, *bounds_and_rows) -> tuple[PeriodFigures, PeriodFigures]:
    current, previous, goals, checkins, answers, cycles, scored, escalations, landed, kudos_counts, actions = (
        bounds_and_rows
    )
    bounds = (current, previous)

    def period_of(moment: datetime) -> int | None:
        return next((n for n, (low, high) in enumerate(bounds) if low < moment <= high), None)

    # Check-ins: each person's first answer decides their standing.
    firsts: dict[tuple[int, str], bool] = {}
    for checkin_id, user, late, *_ in answers:
        firsts.setdefault((checkin_id, user), late)
    weeks: tuple[dict[date, list[int]], ...] = ({}, {})
    for checkin_id, closes_at, expected in checkins:
        day = local_date(closes_at, tz)
        week = weeks[period_of(closes_at)].setdefault(day - timedelta(days=day.weekday()), [0, 0])
        week[0] += len(expected)
        week[1] += sum(firsts.get((checkin_id, p["user"])) is False for p in expected)

    # Feedback: each cycle's score of each side by the other, as its report showed it.
    scores = {(cycle_id, side): (count, mean) for cycle_id, side, count, mean in scored}

    def shown(cycle_id: int, anonymous: bool, side: str) -> float | None:
        count, mean = scores.get((cycle_id, side), (0, None))
        return round(float(mean), 2) if count and scores_visible(anonymous, count) else None

    feedback: tuple[list, list] = ([], [])
    for cycle_id, number, anonymous, closes_at in cycles:
        feedback[period_of(closes_at)].append(
            (number, shown(cycle_id, anonymous, "client"), shown(cycle_id, anonymous, "vendor"))
        )
    kudos: tuple[dict, dict] = ({}, {})
    for giver, receiver, now, before in kudos_counts:
        kudos[0][(giver, receiver)], kudos[1][(giver, receiver)] = now, before

    figures = []
    for n, (low, high) in enumerate(bounds):
        by_week = [(monday, round(100 * ok / asked, 1) if asked else None) for monday, (asked, ok) in
                   sorted(weeks[n].items())]  # fmt: skip
        asked, ok = sum(w[0] for w in weeks[n].values()), sum(w[1] for w in weeks[n].values())
        late = [local_date(done, tz) > planned for done, planned in landed if period_of(done) == n]
        figures.append(
            PeriodFigures(
                start=low,
                end=high,
                response_by_week=by_week,
                response_rate=round(100 * ok / asked, 1) if asked else None,
                feedback=feedback[n],
                escalations=_escalation_figures([r for r in escalations if period_of(r.raised_at) == n], goals),
                milestones_on_time=late.count(False),
                milestones_late=late.count(True),
                actions_opened=actions[3 * n],
                actions_closed=actions[3 * n + 1],
                actions_overdue=actions[3 * n + 2],
                kudos={
                    "client→vendor": kudos[n].get(("client", "vendor"), 0),
                    "vendor→client": kudos[n].get(("vendor", "client"), 0),
                },
            )
        )
    return figures[0], figures[1]


def _escalation_figures(rows: list, goals: dict) -> EscalationFigures:
    by_category = {c: 0 for c in CATEGORIES}
    by_severity = {s: 0 for s in SEVERITIES}
    acks: dict[str, list[float]] = {s: [] for s in SEVERITIES}
    fixes: dict[str, list[float]] = {s: [] for s in SEVERITIES}
    breaches = 0
    for category, severity, raised, acked, resolved, ack_breach, resolve_breach in rows:
        by_category[category] += 1
        by_severity[severity] += 1
        if acked:
            acks[severity].append((acked - raised).total_seconds())
        if resolved:
            fixes[severity].append((resolved - raised).total_seconds())
        breaches += bool(ack_breach) + bool(resolve_breach)
    return EscalationFigures(
        by_category={c: n for c, n in by_category.items() if n},
        by_severity=by_severity,
        median_ack={s: statistics.median(v) if v else None for s, v in acks.items()},
        median_resolve={s: statistics.median(v) if v else None for s, v in fixes.items()},
        ack_target={s: target_duration(goals[s][0]).total_seconds() for s in SEVERITIES},
        resolve_target={s: target_duration(goals[s][1]).total_seconds() for s in SEVERITIES},
        breaches=breaches,
    )


def pre_read(session: Session, partnership: Partnership, start: datetime, end: datetime) -> PreRead:
    """The period's figures, the same figures for the period before, the health trend week by week, the KPI
    scorecard, the latest incentive review and the decisions of the period: one statement."""
    length = max(end - start, timedelta(days=7))
    weeks = max(2, min(26, round(length / timedelta(days=7)) + 1))
    gather = Gather()
    trend = health_trend_read(gather, partnership, end, weeks, timedelta(days=7))
    periods = period_figures_read(gather, partnership, start, end, start - length)
    scorecard = kpis.scorecard_read(gather, partnership, end)
    report = latest_report_read(gather, partnership, end)
    shared = decisions.of_period_read(gather, partnership, start, end)
    gather.run(session)
    health, now = trend()
    current, previous = periods()
    return PreRead(
        current=current,
        previous=previous,
        health=health,
        reading=now,
        scorecard=scorecard(),
        incentives=report(),
        decisions=shared.get(),
    )
