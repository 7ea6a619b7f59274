"""A tick plans one batch of each area and then sends: many new partnerships never hold up what is due."""

from __future__ import annotations

from sqlalchemy import false, func, select

from bench.scheduler_tick import DUE, START, seed
from bot.models import Checkin, Partnership
from schedules import celebrations, rhythms


def count(app, *what) -> int:
    with app.runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(what[0]).where(*what[1:]))


def test_each_tick_plans_one_batch_then_the_next(app, clock, monkeypatch):
    monkeypatch.setattr(rhythms, "PLAN_BATCH", 2)
    monkeypatch.setattr(celebrations, "PLAN_BATCH", 2)
    clock.set(START)
    seed(app.runtime.db, 5)
    unplanned = (Partnership, Partnership.celebrations_planned == false())
    app.scheduler.tick()
    assert count(app, *unplanned) == 3
    clock.set(DUE)
    app.scheduler.tick()
    assert count(app, *unplanned) == 1 and count(app, Checkin) == 2
    app.scheduler.tick()
    app.scheduler.tick()
    assert count(app, *unplanned) == 0 and count(app, Checkin) == 5
