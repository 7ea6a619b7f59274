"""Several areas' reads gathered into one statement: the values come back as the columns' own types would give
them, a reused statement binds the new values, and a query that would freeze a value into it is refused."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from bot.db import Database
from bot.gather import Gather
from bot.kudos import service as kudos
from bot.kudos.blocks import status_line as kudos_line
from bot.models import Checkin, Kudos, Milestone, Rhythm
from bot.partnerships import service as partnerships
from bot.status import status_blocks

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.engine.dispose()


def new_partnership(session, channel_id: str):
    settings = partnerships.PartnershipSettings(
        name=f"Ops {channel_id}", client_org="Acme", vendor_org="Globex", home_side="client", timezone="UTC",
        business_days=[1, 2, 3, 4, 5],
    )  # fmt: skip
    return partnerships.create_partnership(
        session, channel_id=channel_id, settings=settings, home_team_id="T_HOME", created_by="ULEAD", now=NOW
    )


def add_rhythm_and_checkin(session, partnership, hour: int) -> Checkin:
    rhythm = Rhythm(
        partnership_id=partnership.id, number=1, name=f"Weekly {hour}", cadence="weekly", weekdays=[1],
        local_time=time(hour), audience="both", people=[], questions=["What moved?"], window_minutes=60,
        nudge_after_minutes=None, paused=False, next_run_at=NOW + timedelta(hours=hour), created_by="ULEAD",
        created_at=NOW,
    )  # fmt: skip
    session.add(rhythm)
    session.flush()
    checkin = Checkin(
        rhythm_id=rhythm.id, partnership_id=partnership.id, scheduled_for=NOW - timedelta(days=hour),
        closes_at=NOW - timedelta(days=hour) + timedelta(hours=1), status="sent", message_ts="1.0",
        sent_at=NOW - timedelta(days=hour), expected=[{"team": "T_HOME", "user": f"U{hour}"}], away=[],
    )  # fmt: skip
    session.add(checkin)
    session.flush()
    return checkin


def checkin_rows(gather: Gather, partnership_id: int):
    return gather.rows(
        lambda p: (
            select(
                Checkin.id, Checkin.closes_at, Checkin.expected, Checkin.manual, Checkin.summary_ts, Rhythm.local_time
            )
            .join(Rhythm, Rhythm.id == Checkin.rhythm_id)
            .where(Checkin.partnership_id == p.pid)
        ),
        pid=partnership_id,
    )


def test_rows_come_back_as_the_columns_types_give_them(db):
    with db.session() as session:
        first = new_partnership(session, "C1")
        add_rhythm_and_checkin(session, first, 9)
    with db.session() as session:
        first = partnerships.require_partnership(session, "C1")
        direct = session.execute(
            select(
                Checkin.id, Checkin.closes_at, Checkin.expected, Checkin.manual, Checkin.summary_ts, Rhythm.local_time
            )
            .join(Rhythm, Rhythm.id == Checkin.rhythm_id)
            .where(Checkin.partnership_id == first.id)
        ).all()
        gather = Gather()
        found = checkin_rows(gather, first.id)
        gather.run(session)
    assert [tuple(row) for row in found.get()] == [tuple(row) for row in direct]
    row = found.get()[0]
    assert row.closes_at.tzinfo is not None and row.expected == [{"team": "T_HOME", "user": "U9"}]
    assert row.manual is False and row.summary_ts is None and row.local_time == time(9)


def test_a_reused_statement_reads_the_new_values(db):
    with db.session() as session:
        first, second = new_partnership(session, "C1"), new_partnership(session, "C2")
        one, two = add_rhythm_and_checkin(session, first, 9), add_rhythm_and_checkin(session, second, 14)
        ids = {first.id: one.id, second.id: two.id}
    for partnership_id, checkin_id in ids.items():
        with db.session() as session:
            gather = Gather()
            found = checkin_rows(gather, partnership_id)
            upcoming = gather.entities(
                Rhythm,
                lambda p: select(Rhythm).where(Rhythm.partnership_id == p.pid).order_by(Rhythm.next_run_at),
                first=1,
                pid=partnership_id,
            )
            gather.run(session)
            assert [row.id for row in found.get()] == [checkin_id]
            assert [r.partnership_id for r in upcoming.get()] == [partnership_id]
            assert upcoming.get()[0] not in session  # a transient copy, for reading


def test_the_first_rows_in_order_and_none_when_there_are_none(db):
    with db.session() as session:
        partnership = new_partnership(session, "C1")
        for n, days in enumerate([30, 10, 20, 40, 5]):
            session.add(
                Milestone(partnership_id=partnership.id, number=n + 1, name=f"M{n + 1}",
                          due_date=date(2026, 12, 1) + timedelta(days=days),
                          planned_date=date(2026, 12, 1), status="open", created_by="ULEAD", created_at=NOW)
            )  # fmt: skip
        pid = partnership.id
    with db.session() as session:
        gather = Gather()
        soonest = gather.entities(
            Milestone,
            lambda p: select(Milestone).where(Milestone.partnership_id == p.pid).order_by(Milestone.due_date).limit(3),
            first=3,
            sort=lambda m: m.due_date,
            pid=pid,
        )
        nothing = gather.entities(
            Milestone, lambda p: select(Milestone).where(Milestone.partnership_id == p.pid), first=1, pid=pid + 99
        )
        count = gather.scalar(lambda p: select(func.count()).where(Milestone.partnership_id == p.pid), pid=pid)
        gather.run(session)
    assert [m.name for m in soonest.get()] == ["M5", "M2", "M3"]
    assert nothing.get() == [] and count.get() == 5


def test_a_query_that_closes_over_a_value_is_refused():
    gather = Gather()
    partnership_id = 7
    with pytest.raises(ValueError, match="may not close over"):
        gather.rows(lambda p: select(Checkin.id).where(Checkin.partnership_id == partnership_id))


def test_status_counts_kudos_of_the_last_90_days_only(db):
    with db.session() as session:
        partnership = new_partnership(session, "C1")
        for days_ago in (1, 30, 89, 91, 400, 700):
            session.add(
                Kudos(partnership_id=partnership.id, giver_team="T_HOME", giver_user="ULEAD", giver_side="client",
                      receiver_team="T_EXT", receiver_user="UEXT1", receiver_side="vendor", text="Thanks",
                      given_at=NOW - timedelta(days=days_ago))
            )  # fmt: skip
    with db.session() as session:
        partnership = partnerships.require_partnership(session, "C1")
        counts = Gather()
        read = kudos.counts_read(counts, partnership, NOW)
        counts.run(session)
        assert kudos_line(read()) == (
            "Kudos: client→vendor 3 · vendor→client 0 · most thanked: <@UEXT1> 3 (last 90 days)"
        )
        seen: list[str] = []
        note = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            _, blocks = status_blocks(session, partnership, NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert "most thanked: <@UEXT1> 3 (last 90 days)" in str(blocks)
    assert len(seen) <= 2, seen  # the members, and everything else in one statement
