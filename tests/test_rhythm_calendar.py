"""When rhythms occur: local wall-clock time across DST changes, skipped holidays, and every cadence kind."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.rhythms.calendar import Cadence, next_occurrence, occurs_on, validate
from bot.workdays import WorkCalendar, local_date, local_instant

UTC = timezone.utc
WEEKDAYS = (1, 2, 3, 4, 5)
NY = WorkCalendar("America/New_York", WEEKDAYS)
LONDON = WorkCalendar("Europe/London", WEEKDAYS)
NINE = time(9, 0)


def occurrences_between(cadence, cal, start, end) -> list[datetime]:
    """Walk next_occurrence, as the scheduler does, from start (exclusive) to end (inclusive)."""
    found, moment = [], next_occurrence(cadence, cal, start)
    while moment is not None and moment <= end:
        found.append(moment)
        moment = next_occurrence(cadence, cal, moment)
    return found


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def assert_nine_local(found, tz):
    assert len(found) == len(set(found))
    assert found == sorted(found)
    for t in found:
        assert t.tzinfo is not None and t.utcoffset() == timedelta(0)
        local = t.astimezone(ZoneInfo(tz))
        assert (local.hour, local.minute) == (9, 0)


@pytest.mark.parametrize(
    "cal, spring, autumn, utc_hours",
    [
        (NY, date(2026, 3, 8), date(2026, 11, 1), (14, 13)),
        (LONDON, date(2026, 3, 29), date(2026, 10, 25), (9, 8)),
    ],
)
def test_weekly_monday_stays_at_nine_local_across_dst(cal, spring, autumn, utc_hours):
    monday = Cadence("weekly", NINE, weekdays=(1,))
    winter, summer = utc_hours
    for change, before, after in ((spring, winter, summer), (autumn, summer, winter)):
        start, end = change - timedelta(days=21), change + timedelta(days=21)
        found = occurrences_between(monday, cal, utc(*start.timetuple()[:3]), utc(*end.timetuple()[:3]))
        assert_nine_local(found, cal.timezone)
        mondays = [d for d in days(start, end) if d.isoweekday() == 1]
        assert [local_date(t, cal.timezone) for t in found] == mondays
        assert len(found) == 6
        assert {t.hour for t in found if t.date() < change} == {before}
        assert {t.hour for t in found if t.date() > change} == {after}


@pytest.mark.parametrize("change", [date(2026, 3, 29), date(2026, 10, 25)])
def test_business_days_once_a_business_day_at_nine_across_london_dst(change):
    daily = Cadence("business_days", NINE)
    start, end = change - timedelta(days=10), change + timedelta(days=10)
    found = occurrences_between(daily, LONDON, utc(*start.timetuple()[:3]), utc(*end.timetuple()[:3], 23))
    assert_nine_local(found, "Europe/London")
    business = [d for d in days(start, end) if d.isoweekday() <= 5]
    assert [local_date(t, "Europe/London") for t in found] == business
    assert len({t.hour for t in found}) == 2  # the UTC hour really did move with the clocks


def test_ambiguous_time_happens_once_at_the_first_occurrence():
    every_day = WorkCalendar("America/New_York", (1, 2, 3, 4, 5, 6, 7))
    found = occurrences_between(
        Cadence("business_days", time(1, 30)), every_day, utc(2026, 11, 1, 0), utc(2026, 11, 2, 0)
    )
    assert found == [utc(2026, 11, 1, 5, 30)]
    assert local_instant(date(2026, 11, 1), time(1, 30), "America/New_York") == utc(2026, 11, 1, 5, 30)
    # A time carrying fold=1 (the second 01:30) still means the first one: a rhythm is a plain wall-clock time.
    assert local_instant(date(2026, 11, 1), time(1, 30, fold=1), "America/New_York") == utc(2026, 11, 1, 5, 30)


def test_nonexistent_time_moves_forward_by_the_gap():
    every_day = WorkCalendar("America/New_York", (1, 2, 3, 4, 5, 6, 7))
    found = occurrences_between(
        Cadence("business_days", time(2, 30)), every_day, utc(2026, 3, 8, 0), utc(2026, 3, 9, 0)
    )
    assert found == [utc(2026, 3, 8, 7, 30)]
    local = found[0].astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (3, 30)


def test_holiday_skips_the_occurrence_instead_of_moving_it():
    cal = WorkCalendar("America/New_York", WEEKDAYS, frozenset({date(2026, 1, 19)}))
    found = occurrences_between(Cadence("weekly", NINE, weekdays=(1,)), cal, utc(2026, 1, 10), utc(2026, 1, 31))
    assert [local_date(t, cal.timezone) for t in found] == [date(2026, 1, 12), date(2026, 1, 26)]
    assert not cal.is_business_day(date(2026, 1, 19)) and cal.is_business_day(date(2026, 1, 20))


def test_non_business_days_are_skipped():
    assert validate(Cadence("weekly", NINE, weekdays=(6,)), NY) == "None of the chosen weekdays is a business day."
    assert not occurs_on(Cadence("weekly", NINE, weekdays=(6,)), date(2026, 1, 3), NY)
    daily = Cadence("business_days", NINE)
    assert [d.isoweekday() for d in days(date(2026, 1, 1), date(2026, 1, 14)) if occurs_on(daily, d, NY)] == [
        4,
        5,
        1,
        2,
        3,
        4,
        5,
        1,
        2,
        3,
    ]
    # A weekday list that mixes business and non-business days keeps only the business ones.
    mixed = Cadence("weekly", NINE, weekdays=(5, 6))
    assert validate(mixed, NY) is None
    assert [occurs_on(mixed, d, NY) for d in (date(2026, 1, 2), date(2026, 1, 3))] == [True, False]


def test_biweekly_runs_in_the_anchor_week_and_every_second_week():
    biweekly = Cadence("biweekly", NINE, weekdays=(3,), anchor=date(2026, 3, 13))  # a Friday; its week's Wed is 11th
    assert occurs_on(biweekly, date(2026, 3, 11), NY)
    assert not occurs_on(biweekly, date(2026, 3, 12), NY)
    assert not occurs_on(biweekly, date(2026, 3, 18), NY)
    assert occurs_on(biweekly, date(2026, 3, 25), NY)
    assert not occurs_on(biweekly, date(2026, 3, 4), NY)  # the week before the anchor
    assert occurs_on(biweekly, date(2026, 2, 25), NY)  # two weeks before
    found = occurrences_between(biweekly, NY, utc(2026, 2, 1), utc(2026, 4, 30))
    assert [local_date(t, "America/New_York") for t in found] == [
        date(2026, 2, 11),
        date(2026, 2, 25),
        date(2026, 3, 11),
        date(2026, 3, 25),
        date(2026, 4, 8),
        date(2026, 4, 22),
    ]


def test_monthly_day_clamps_to_the_months_last_day():
    every_day = WorkCalendar("America/New_York", (1, 2, 3, 4, 5, 6, 7))
    found = occurrences_between(
        Cadence("monthly_day", NINE, day_of_month=31), every_day, utc(2026, 1, 1), utc(2026, 5, 1)
    )
    assert [local_date(t, every_day.timezone) for t in found] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    # Leap years clamp to the 29th; on a Mon-Fri calendar the Saturday Jan 31 / Feb 28 2026 are skipped.
    assert occurs_on(Cadence("monthly_day", NINE, day_of_month=31), date(2028, 2, 29), every_day)
    found = occurrences_between(Cadence("monthly_day", NINE, day_of_month=31), NY, utc(2026, 1, 1), utc(2026, 5, 1))
    assert [local_date(t, NY.timezone) for t in found] == [date(2026, 3, 31), date(2026, 4, 30)]


def test_monthly_day_on_a_weekend_is_skipped_that_month():
    found = occurrences_between(Cadence("monthly_day", NINE, day_of_month=15), NY, utc(2026, 7, 1), utc(2026, 10, 1))
    assert [local_date(t, NY.timezone) for t in found] == [date(2026, 7, 15), date(2026, 9, 15)]  # Aug 15 is a Sat


def test_monthly_first_business_day():
    first = Cadence("monthly_first_business_day", NINE)
    found = occurrences_between(first, NY, utc(2026, 1, 15), utc(2026, 3, 15))
    assert [local_date(t, NY.timezone) for t in found] == [date(2026, 2, 2), date(2026, 3, 2)]  # 1sts are Sundays
    new_year = WorkCalendar("America/New_York", WEEKDAYS, frozenset({date(2026, 1, 1)}))
    assert not occurs_on(first, date(2026, 1, 1), new_year)
    assert occurs_on(first, date(2026, 1, 2), new_year)
    assert occurs_on(first, date(2026, 1, 1), NY) and not occurs_on(first, date(2026, 1, 2), NY)


def test_monthly_last_business_day():
    last = Cadence("monthly_last_business_day", NINE)
    found = occurrences_between(last, NY, utc(2026, 1, 15), utc(2026, 3, 1))
    assert [local_date(t, NY.timezone) for t in found] == [date(2026, 1, 30), date(2026, 2, 27)]  # Jan 31 is a Sat
    closed = WorkCalendar("America/New_York", WEEKDAYS, frozenset({date(2026, 4, 30)}))
    assert not occurs_on(last, date(2026, 4, 30), closed)
    assert occurs_on(last, date(2026, 4, 29), closed)
    assert occurs_on(last, date(2026, 4, 30), NY) and not occurs_on(last, date(2026, 4, 29), NY)


def test_next_occurrence_is_strictly_after():
    monday = Cadence("weekly", NINE, weekdays=(1,))
    first = next_occurrence(monday, NY, utc(2026, 1, 10))
    assert first == utc(2026, 1, 12, 14)
    assert next_occurrence(monday, NY, first) == utc(2026, 1, 19, 14)
    assert next_occurrence(monday, NY, first - timedelta(microseconds=1)) == first
    assert occurrences_between(monday, NY, first, first + timedelta(days=7)) == [utc(2026, 1, 19, 14)]


def test_next_occurrence_uses_the_partnership_local_date():
    tokyo = WorkCalendar("Asia/Tokyo", WEEKDAYS)
    monday = Cadence("weekly", NINE, weekdays=(1,))
    # Sunday 2026-01-11 20:00 UTC is already Monday 05:00 in Tokyo: that Monday's 09:00 is next, at 00:00 UTC.
    after = utc(2026, 1, 11, 20)
    assert after.date() != local_date(after, "Asia/Tokyo") == date(2026, 1, 12)
    assert next_occurrence(monday, tokyo, after) == utc(2026, 1, 12, 0)
    # Monday 2026-01-12 02:00 UTC is Monday 11:00 in Tokyo, past 09:00: the next one is a week on.
    assert next_occurrence(monday, tokyo, utc(2026, 1, 12, 2)) == utc(2026, 1, 19, 0)
    # Returned instants are UTC even when `after` is given in another zone.
    result = next_occurrence(monday, tokyo, after.astimezone(ZoneInfo("Asia/Tokyo")))
    assert result == utc(2026, 1, 12, 0) and result.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused():
    monday = Cadence("weekly", NINE, weekdays=(1,))
    with pytest.raises(ValueError):
        next_occurrence(monday, NY, datetime(2026, 1, 10))
    with pytest.raises(ValueError):
        next_occurrence(monday, NY, datetime(2026, 1, 12, 9))  # even exactly at an occurrence


@pytest.mark.parametrize(
    "cadence, cal, message",
    [
        (Cadence("fortnightly", NINE), NY, "Unknown cadence 'fortnightly'."),
        (Cadence("weekly", NINE), NY, "Choose at least one weekday."),
        (Cadence("biweekly", NINE, anchor=date(2026, 1, 5)), NY, "Choose at least one weekday."),
        (Cadence("weekly", NINE, weekdays=(1, 8)), NY, "Weekdays must be between 1 (Monday) and 7 (Sunday)."),
        (Cadence("weekly", NINE, weekdays=(0,)), NY, "Weekdays must be between 1 (Monday) and 7 (Sunday)."),
        (Cadence("biweekly", NINE, weekdays=(1,)), NY, "A biweekly rhythm needs an anchor date."),
        (Cadence("monthly_day", NINE), NY, "Choose a day of the month between 1 and 31."),
        (Cadence("monthly_day", NINE, day_of_month=0), NY, "Choose a day of the month between 1 and 31."),
        (Cadence("monthly_day", NINE, day_of_month=32), NY, "Choose a day of the month between 1 and 31."),
        (Cadence("weekly", NINE, weekdays=(6, 7)), NY, "None of the chosen weekdays is a business day."),
        (
            Cadence("biweekly", NINE, weekdays=(7,), anchor=date(2026, 1, 5)),
            NY,
            "None of the chosen weekdays is a business day.",
        ),
        (
            Cadence("business_days", NINE),
            WorkCalendar("Mars/Olympus_Mons", WEEKDAYS),
            "'Mars/Olympus_Mons' is not a known timezone.",
        ),
        (Cadence("business_days", NINE), WorkCalendar("UTC", ()), "The partnership has no business days."),
    ],
)
def test_validate_explains_why_a_cadence_cannot_run(cadence, cal, message):
    assert validate(cadence, cal) == message
    assert next_occurrence(cadence, cal, utc(2026, 1, 1)) is None
    assert occurrences_between(cadence, cal, utc(2026, 1, 1), utc(2026, 3, 1)) == []


@pytest.mark.parametrize(
    "cadence",
    [
        Cadence("business_days", NINE),
        Cadence("weekly", NINE, weekdays=(1, 6)),
        Cadence("biweekly", NINE, weekdays=(2,), anchor=date(2026, 1, 1)),
        Cadence("monthly_day", NINE, day_of_month=31),
        Cadence("monthly_first_business_day", NINE),
        Cadence("monthly_last_business_day", NINE),
    ],
)
def test_validate_accepts_runnable_cadences(cadence):
    assert validate(cadence, NY) is None
    assert next_occurrence(cadence, NY, utc(2026, 1, 1)) is not None
