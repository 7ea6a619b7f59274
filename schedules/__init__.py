"""APScheduler setup and the jobs that find due work and claim it exactly once."""

from __future__ import annotations

from bot.runtime import Runtime
from schedules import rhythms
from schedules.scheduler import Scheduler


def build_scheduler(rt: Runtime, interval_seconds: float = 10) -> Scheduler:
    return Scheduler(rt, planners=[rhythms.plan_checkins], performers={**rhythms.PERFORMERS},
                     interval_seconds=interval_seconds)
