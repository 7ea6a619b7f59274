"""APScheduler setup and the jobs that find due work and claim it exactly once."""

from __future__ import annotations

from bot.runtime import Runtime
from schedules.dispatcher import Performer
from schedules.scheduler import Planner, Scheduler


def build_scheduler(rt: Runtime, interval_seconds: float = 10) -> Scheduler:
    return Scheduler(rt, jobs=jobs, interval_seconds=interval_seconds)


def jobs() -> tuple[list[Planner], dict[str, Performer]]:
    """Every area's planners and performers. Imported when the scheduler first needs them (its first tick, which
    comes once the server takes requests), not at start-up: a cold start serves sooner without them."""
    from schedules import (
        actions,
        celebrations,
        decisions,
        escalations,
        feedback,
        governance,
        incentives,
        kpis,
        messages,
        rhythms,
    )

    performers = {
        **messages.PERFORMERS,
        **rhythms.PERFORMERS,
        **escalations.PERFORMERS,
        **actions.PERFORMERS,
        **feedback.PERFORMERS,
        **celebrations.PERFORMERS,
        **governance.PERFORMERS,
        **decisions.PERFORMERS,
        **kpis.PERFORMERS,
        **incentives.PERFORMERS,
    }
    planners = [
        rhythms.plan_checkins,
        feedback.plan_cycles,
        celebrations.plan_celebrations,
        governance.plan_digests,
        governance.plan_appraisals,
        governance.plan_home_refresh,
        kpis.plan_kpi_asks,
        incentives.plan_incentive_reviews,
    ]
    return planners, performers
