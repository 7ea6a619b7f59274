"""An idle scheduler tick costs the same number of statements however many partnerships there are, and however many
people opened their App Home: planners read only what has come due, never one row per partnership or person. And
many new partnerships are planned a batch a tick, so what is already due goes out meanwhile."""

from __future__ import annotations

from sqlalchemy import event, false, func, select

from bench.scheduler_tick import START, seed
from bot.claims import owe_post
from bot.moments import EARLIEST, NextMoment
from bot.partnerships.models import Charter, Holiday, Member, Partnership
from schedules.scheduler import PLAN_BATCH
from tests.harness.waiting import eventually


def planned_all(app) -> None:
    """Tick until every new partnership is planned (a tick plans one batch): the steady state."""
    for _ in range(20):
        app.scheduler.tick()
        with app.runtime.db.session() as session:
            if not session.scalar(select(func.count()).where(Partnership.celebrations_planned == false())):
                return
    raise AssertionError("new partnerships were never all planned")


def idle_tick_statements(app) -> int:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(app.runtime.db.engine, "before_cursor_execute", count)
    try:
        assert app.scheduler.tick() == 0  # idle: nothing due
    finally:
        event.remove(app.runtime.db.engine, "before_cursor_execute", count)
    return len(statements)


def test_an_idle_tick_sends_as_many_statements_for_many_partnerships_as_for_few(app, clock):
    clock.set(START)
    seed(app.runtime.db, 3)
    planned_all(app)
    few = idle_tick_statements(app)
    seed(app.runtime.db, 30)
    with app.runtime.db.session() as session:  # holidays of their own, read with everyone else's
        for partnership in session.scalars(select(Partnership).limit(10)):
            session.add(Holiday(partnership_id=partnership.id, day=START.date(), name="Closed", added_by="ULEAD"))
    planned_all(app)
    assert idle_tick_statements(app) == few


def test_many_new_partnerships_are_planned_a_batch_a_tick_while_a_due_send_goes_out_on_the_first(app, fake, clock):
    clock.set(START)
    seed(app.runtime.db, PLAN_BATCH + 40)
    with app.runtime.db.session() as session:
        owe_post(session, key="due:now", due_at=START, channel="CBENCH00000", text="Owed before they appeared")

    app.scheduler.tick()

    assert [c.args["text"] for c in fake.calls_to("chat.postMessage")] == ["Owed before they appeared"]
    with app.runtime.db.session() as session:  # the appraisal planner looked at one batch, not at everyone
        unplanned = session.scalar(select(func.count()).where(Charter.next_appraisal_on.is_(None)))
    assert unplanned == 40
    planned_all(app)
    with app.runtime.db.session() as session:
        assert session.scalar(select(func.count()).where(Charter.next_appraisal_on.is_(None))) == 0


def open_homes(app, slack, fake, users: list[str]) -> None:
    for user in users:
        assert slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
                            "event_ts": "1700000000.000001"}).status == 200  # fmt: skip
    eventually(lambda: {c.args["user_id"] for c in fake.calls_to("views.publish")} >= set(users), what="published")
    eventually(lambda: not app.scheduler.busy, what="the publications recorded")  # not counted as the tick's


def test_an_idle_tick_does_no_work_per_person_who_opened_their_home(app, slack, fake, clock, partnership):
    open_homes(app, slack, fake, ["ULEAD"])
    app.scheduler.tick()
    app.scheduler.tick()  # settled: whatever the opening changed has been looked at
    one = idle_tick_statements(app)
    with app.runtime.db.session() as session:
        partnership_id = session.scalar(select(Partnership.id))
        for n in range(49):
            session.add(Member(partnership_id=partnership_id, team_id="T_HOME", user_id=f"UMANY{n:02d}",
                               side="client", joined_at=clock.now()))  # fmt: skip
    open_homes(app, slack, fake, [f"UMANY{n:02d}" for n in range(49)])
    app.scheduler.tick()
    app.scheduler.tick()
    published = len(fake.calls_to("views.publish"))

    assert idle_tick_statements(app) == one
    assert len(fake.calls_to("views.publish")) == published


def catch_up_statements(app, new: int) -> int:
    """The statements of the tick that plans `new` partnerships (one batch), once it has planned them all."""
    seed(app.runtime.db, new)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(app.runtime.db.engine, "before_cursor_execute", count)
    try:
        app.scheduler.tick()
    finally:
        event.remove(app.runtime.db.engine, "before_cursor_execute", count)
    with app.runtime.db.session() as session:
        assert not session.scalar(select(func.count()).select_from(NextMoment).where(NextMoment.due_at == EARLIEST))
    return len(statements)


def test_a_tick_catching_up_on_new_partnerships_sends_no_statement_a_partnership(app, clock):
    """Owing a batch of new partnerships their celebrations and storing each look's next moment are a statement
    or two a planner (multi-row inserts, executemany), not a round trip (or several) a partnership."""
    clock.set(START)
    few = catch_up_statements(app, 20)
    assert catch_up_statements(app, 60) == few
