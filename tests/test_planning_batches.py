"""A tick plans one batch of each area and then sends: many new partnerships never hold up what is due."""

from __future__ import annotations

from sqlalchemy import false, func, select

from bench.scheduler_tick import DUE, START, seed
from bot.models import Checkin, Partnership, Rhythm, ScheduledSend
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


def test_check_ins_due_together_are_owed_channel_by_channel_in_turn(app, clock):
    """Ten check-ins owed to one channel go out about one a second: owed channel by channel, the first of each
    channel goes before the second of any, so no channel's queue holds up the others."""
    clock.set(START)
    seed(app.runtime.db, 3)  # three partnerships, each with rhythm 1
    with app.runtime.db.session() as session:
        for partnership in session.scalars(select(Partnership).order_by(Partnership.id)):
            for number in (2, 3):
                rhythm = session.scalars(select(Rhythm).where(Rhythm.partnership_id == partnership.id)).first()
                session.add(
                    Rhythm(**{c.key: getattr(rhythm, c.key) for c in Rhythm.__table__.columns if c.key != "id"}
                           | {"number": number, "name": f"Rhythm {number}"})
                )  # fmt: skip
    clock.set(DUE)
    app.scheduler.tick()
    with app.runtime.db.session() as session:
        owed = session.execute(
            select(Checkin.partnership_id, Rhythm.number)
            .join(Rhythm, Rhythm.id == Checkin.rhythm_id)
            .join(ScheduledSend, ScheduledSend.subject_id == Checkin.id)
            .where(ScheduledSend.kind == "checkin")
            .order_by(ScheduledSend.due_at, ScheduledSend.id)
        ).all()
    assert [number for _, number in owed] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert len({partnership for partnership, _ in owed[:3]}) == 3
