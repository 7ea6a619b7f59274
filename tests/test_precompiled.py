"""A statement compiled once and handed to the driver gives what `session.execute` gives, for any values."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, event, func, select
from sqlalchemy.exc import DBAPIError

from bot.db import Database
from bot.models import Escalation
from bot.partnerships.models import Partnership
from bot.precompiled import Precompiled
from tests.test_gather import NOW, new_partnership


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.engine.dispose()


def escalation(partnership_id: int, number: int, state: str, hours: int) -> Escalation:
    raised = NOW - timedelta(hours=hours)
    return Escalation(
        partnership_id=partnership_id, number=number, severity="P2", category="quality", title=f"E{number}",
        description="", state=state, raised_by_team="T_HOME", raised_by_user="ULEAD", raised_at=raised,
        ack_due_at=raised + timedelta(hours=4), resolve_due_at=raised + timedelta(days=2),
    )  # fmt: skip


@pytest.fixture
def history(db):
    with db.session() as session:
        ids = [new_partnership(session, channel).id for channel in ("C1", "C2")]
        for pid in ids:
            for number, (state, hours) in enumerate(
                [("open", 1), ("acknowledged", 30), ("resolved", 50), ("closed", 70), ("open", 90)], start=1
            ):
                session.add(escalation(pid, number, state, hours + pid))
    return ids


# Each column's own type decides what comes back: a count, a timestamp (text in SQLite), the partnership's JSON.
STATEMENT = select(
    select(func.count())
    .where(
        Escalation.partnership_id == bindparam("pid"),
        Escalation.state.in_(["open", "acknowledged"]),  # a constant list: an expanding parameter
        Escalation.raised_at >= bindparam("since"),
    )
    .scalar_subquery()
    .label("active"),
    select(func.max(Escalation.raised_at)).where(Escalation.partnership_id == bindparam("pid")).scalar_subquery(),
    select(Partnership.business_days).where(Partnership.id == bindparam("pid")).scalar_subquery(),
)


def test_the_same_row_as_session_execute_for_each_set_of_values(db, history):
    precompiled = Precompiled(STATEMENT)
    for pid in history * 2:  # the second round runs on what the first one kept
        for hours in (0, 2, 40, 100):
            values = {"pid": pid, "since": NOW - timedelta(hours=hours)}
            with db.snapshot() as session:
                expected = tuple(session.execute(STATEMENT, values).one())
                assert precompiled.one(session, values) == expected
    with db.snapshot() as session:
        active, latest, days = precompiled.one(session, {"pid": history[0], "since": NOW - timedelta(hours=100)})
    assert active == 3 and latest == NOW - timedelta(hours=1 + history[0]) and days == [1, 2, 3, 4, 5]
    assert latest.tzinfo is not None


def test_timestamps_are_bound_as_the_dialect_stores_them(db, history):
    """A bound moment equal to a stored one compares equal: on SQLite both are the same text (a timestamp bound
    as Python's sqlite3 would write it, with "+00:00", sorts after the stored one and is off at the boundary)."""
    with db.snapshot() as session:
        raised = sorted(session.scalars(select(Escalation.raised_at).where(Escalation.partnership_id == history[0])))
    after = select(func.count()).where(
        Escalation.partnership_id == bindparam("pid"), Escalation.raised_at > bindparam("since")
    )
    precompiled = Precompiled(select(after.scalar_subquery()))
    with db.snapshot() as session:
        for index, moment in enumerate(raised):
            expected = len(raised) - index - 1  # strictly after: not the one raised at that very moment
            assert precompiled.one(session, {"pid": history[0], "since": moment}) == (expected,)
            assert precompiled.one(session, {"pid": history[0], "since": moment + timedelta(microseconds=1)}) == (
                expected,
            )


def test_a_list_given_as_a_value_expands_afresh_each_time(db, history):
    states = select(func.count()).where(
        Escalation.partnership_id == bindparam("pid"), Escalation.state.in_(bindparam("states", expanding=True))
    )
    precompiled = Precompiled(select(states.scalar_subquery()))
    with db.snapshot() as session:
        for chosen, expected in ((["open"], 2), (["open", "resolved", "closed"], 4), ([], 0), (["closed"], 1)):
            assert precompiled.one(session, {"pid": history[0], "states": chosen}) == (expected,)


def test_values_named_otherwise_are_bound_afresh(db, history):
    either = select(func.count()).where(
        Escalation.partnership_id == bindparam("pid"), Escalation.raised_at >= bindparam("since", value=NOW)
    )
    precompiled = Precompiled(select(either.scalar_subquery()))
    with db.snapshot() as session:
        assert precompiled.one(session, {"pid": history[0], "since": NOW - timedelta(days=9)}) == (5,)
        assert precompiled.one(session, {"pid": history[0]}) == (0,)  # the default `since`: none raised after NOW
        assert precompiled.one(session, {"pid": history[0], "since": NOW - timedelta(days=9)}) == (5,)


def test_it_is_seen_by_engine_events_and_its_errors_are_sqlalchemys(db, history):
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    with db.snapshot() as session:
        Precompiled(STATEMENT).one(session, {"pid": history[0], "since": NOW})
    [statement] = [sql for sql in seen if sql != "BEGIN"]  # SQLite's own BEGIN aside
    assert "FROM escalations" in statement
    broken = select(func.no_such_function(Escalation.id)).limit(1).scalar_subquery()
    with pytest.raises(DBAPIError), db.snapshot() as session:  # wrapped as for any statement: outages are told
        Precompiled(select(broken)).one(session, {})


def test_a_session_s_own_changes_are_read(db, history):
    with db.session() as session:
        session.add(escalation(history[0], 99, "open", 0))
        since = datetime(2000, 1, 1, tzinfo=timezone.utc)
        counted = Precompiled(STATEMENT).one(session, {"pid": history[0], "since": since})
        session.rollback()
    assert counted[0] == 4
