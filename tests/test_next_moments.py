"""A planner that reads only the partnerships whose stored next moment has come owes exactly what it owed when it
looked at every partnership on every tick. Checked by following the stored moments from look to look across
cadences, time zones, both daylight-saving changes and holidays, against the rules applied every half hour."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.claims import ScheduledSend
from bot.governance import appraisal as appraisals
from bot.governance import digest as digests
from bot.incentives import service as incentives
from bot.incentives.models import IncentiveReview, IncentiveTerms
from bot.kpis import periods
from bot.kpis.models import Kpi
from bot.moments import NextMoment
from bot.partnerships import service as partnerships
from bot.partnerships.models import Charter, Holiday, Partnership
from bot.workdays import WorkCalendar, local_date, work_calendar
from schedules.governance import plan_appraisals, plan_digests
from schedules.incentives import plan_incentive_reviews
from schedules.kpis import plan_kpi_asks

UTC = timezone.utc
SET_UP = datetime(2026, 10, 21, 15, 0, tzinfo=UTC)  # a Wednesday, before both daylight-saving changes of autumn
UNTIL = datetime(2027, 4, 12, 0, 0, tzinfo=UTC)  # after both of spring
STEP = timedelta(minutes=30)  # every zone below is a whole or half hour from UTC
HOLIDAYS = (date(2026, 11, 2), date(2026, 11, 30), date(2026, 12, 1), date(2027, 1, 1), date(2027, 1, 4))
ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata")


def set_up(app, tz: str) -> int:
    settings = partnerships.PartnershipSettings(
        name="Moments", client_org="Client", vendor_org="Vendor", home_side="client", timezone=tz,
        business_days=[1, 2, 3, 4, 5],
    )  # fmt: skip
    with app.runtime.db.session() as session:
        partnership = partnerships.create_partnership(
            session, channel_id="CMOMENT", settings=settings, home_team_id="T_HOME", created_by="ULEAD", now=SET_UP
        )
        for day in HOLIDAYS:
            session.add(Holiday(partnership_id=partnership.id, day=day, name="Closed", added_by="ULEAD"))
        session.flush()
        return partnership.id


def calendar_of(app, partnership_id: int) -> WorkCalendar:
    with app.runtime.db.session() as session:
        return work_calendar(session, session.get(Partnership, partnership_id))


def stored(app, kind: str, partnership_id: int) -> datetime:
    with app.runtime.db.session() as session:
        return session.scalar(
            select(NextMoment.due_at).where(NextMoment.kind == kind, NextMoment.partnership_id == partnership_id)
        )


def follow(app, plan, kind: str, partnership_id: int) -> list[datetime]:
    """Tick only at the stored moments, from setup to UNTIL: the looks the planner asked for."""
    looks, now = [], SET_UP
    while now <= UNTIL:
        plan(app.runtime, now)
        looks.append(now)
        following = stored(app, kind, partnership_id)
        assert following > now, f"{kind}: the next look ({following}) is not after this one ({now})"
        now = following
    return looks


def every_step():
    now = SET_UP
    while now <= UNTIL:
        yield now
        now += STEP


def owed(app, kind: str) -> list[tuple[str, datetime]]:
    with app.runtime.db.session() as session:
        return sorted(
            session.execute(select(ScheduledSend.key, ScheduledSend.due_at).where(ScheduledSend.kind == kind))
        )


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("cadence", ["weekly", "biweekly", "monthly"])
def test_digests_owed_from_the_stored_moments_are_those_every_tick_would_owe(app, tz, cadence):
    partnership_id = set_up(app, tz)
    with app.runtime.db.session() as session:
        session.scalar(select(Charter).where(Charter.partnership_id == partnership_id)).digest_cadence = cadence
    calendar = calendar_of(app, partnership_id)
    expected = {}
    for now in every_step():  # the rule the planner applied to every partnership each tick
        moment = digests.send_moment(cadence, local_date(now, tz), calendar)
        if moment is not None and SET_UP <= moment[1] <= now:
            expected.setdefault(f"digest:{partnership_id}:{cadence}:{moment[0].isoformat()}", moment[1])

    looks = follow(app, plan_digests, "digest", partnership_id)

    assert owed(app, "digest") == sorted(expected.items())
    assert len(expected) >= 5 and set(expected.values()) <= set(looks)  # each owed at its moment, not later
    assert len(looks) <= len(expected) + 2  # one look a period, not one a tick


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("chosen", [None, 11, 12])
def test_incentive_reviews_opened_from_the_stored_moments_are_those_every_tick_would_open(app, tz, chosen):
    partnership_id = set_up(app, tz)
    with app.runtime.db.session() as session:
        session.add(IncentiveTerms(partnership_id=partnership_id, paid_for="", review_month=chosen))
    calendar = calendar_of(app, partnership_id)
    month = incentives.month_of(chosen, SET_UP, tz)
    expected = {}
    for now in every_step():
        due = incentives.due_review(SET_UP, month, calendar, now)
        if due is not None:
            expected.setdefault(due[0], due[1])

    looks = follow(app, plan_incentive_reviews, "incentive_review", partnership_id)

    with app.runtime.db.session() as session:
        found = session.execute(select(IncentiveReview.key, IncentiveReview.opened_at))
        opened = sorted((key, at) for key, at in found)
    assert opened == sorted(expected.items()) and len(expected) >= 1
    assert set(expected.values()) <= set(looks) and len(looks) <= len(expected) + 2  # at its moment, not later


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("period", ["weekly", "monthly"])
def test_kpi_asks_owed_from_the_stored_moments_are_those_every_tick_would_owe(app, tz, period):
    partnership_id = set_up(app, tz)
    with app.runtime.db.session() as session:
        for number, side in enumerate(("client", "vendor"), start=1):
            session.add(Kpi(partnership_id=partnership_id, number=number, name=f"KPI {number}", target=1.0,
                            higher_is_better=True, reporting_side=side, period=period, created_by="ULEAD",
                            created_at=SET_UP))  # fmt: skip
    calendar = calendar_of(app, partnership_id)
    expected = {}
    for now in every_step():
        start = periods.last_closed_start(period, local_date(now, tz))
        asked = periods.ask_at(period, start, calendar)
        if periods.period_end(period, start) >= local_date(SET_UP, tz) and asked <= now:
            for side in ("client", "vendor"):
                expected.setdefault(f"kpi:{partnership_id}:{side}:{period}:{start.isoformat()}:ask", asked)

    looks = follow(app, plan_kpi_asks, "kpi_ask", partnership_id)

    assert owed(app, "kpi_ask") == sorted(expected.items()) and len(expected) >= 8
    assert set(expected.values()) <= set(looks)  # each owed at its moment, not later


@pytest.mark.parametrize("tz", ZONES)
def test_each_appraisal_pre_read_is_owed_at_its_moment(app, tz):
    partnership_id = set_up(app, tz)
    with app.runtime.db.session() as session:
        session.scalar(select(Charter).where(Charter.partnership_id == partnership_id)).appraisal_cadence = "monthly"
    calendar = calendar_of(app, partnership_id)

    looks = follow(app, plan_appraisals, "appraisal", partnership_id)

    with app.runtime.db.session() as session:
        meetings = list(session.scalars(select(Charter.next_appraisal_on)))
    prereads = owed(app, "appraisal_preread")
    first = appraisals.business_day_on_or_after(date(2026, 11, 23), calendar)  # one month after setup
    assert [at for _, at in prereads][0] == appraisals.preread_moment(first, calendar)
    assert len(prereads) == 5  # one a month, each at 09:00 local five business days before its meeting
    assert all(at in looks for _, at in prereads) and len(looks) <= len(prereads) + 4
    assert stored(app, "appraisal", partnership_id) == appraisals.preread_moment(meetings[0], calendar)


def test_a_change_of_settings_brings_the_next_look_forward(app):
    partnership_id = set_up(app, "UTC")
    plan_digests(app.runtime, SET_UP)
    assert stored(app, "digest", partnership_id) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    with app.runtime.db.session() as session:  # a holiday on the digest's Monday
        session.add(Holiday(partnership_id=partnership_id, day=date(2026, 10, 26), name="Closed", added_by="ULEAD"))
    assert stored(app, "digest", partnership_id) < SET_UP
    plan_digests(app.runtime, SET_UP + timedelta(hours=1))
    assert stored(app, "digest", partnership_id) == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    with app.runtime.db.session() as session:
        session.get(Partnership, partnership_id).timezone = "America/New_York"
    plan_digests(app.runtime, SET_UP + timedelta(hours=2))
    assert stored(app, "digest", partnership_id) == datetime(2026, 10, 27, 13, 0, tzinfo=UTC)  # 09:00 in New York
    with app.runtime.db.session() as session:
        session.scalar(select(Charter).where(Charter.partnership_id == partnership_id)).digest_cadence = "off"
    plan_digests(app.runtime, SET_UP + timedelta(hours=3))
    assert stored(app, "digest", partnership_id).year == 9000  # never, until digests are on again
