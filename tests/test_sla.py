"""When escalation targets fall due: wall clock for P1/P2, business days (whole local days) for P3/P4 and "bd"."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.escalations.sla import counts_business_time, due_at, remind_at, target_duration
from bot.partnerships.targets import Target, parse_target
from bot.workdays import WorkCalendar

UTC = timezone.utc
WEEKDAYS = (1, 2, 3, 4, 5)
LON_TZ, TOKYO_TZ = ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")
LONDON = WorkCalendar("Europe/London", WEEKDAYS)
TOKYO = WorkCalendar("Asia/Tokyo", WEEKDAYS)
T = parse_target


def lon(*args) -> datetime:
    return datetime(*args, tzinfo=LON_TZ)


def local(moment: datetime, tz=LON_TZ) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def test_target_durations_and_which_targets_count_business_time():
    assert target_duration(T("30m")) == timedelta(minutes=30)
    assert target_duration(T("8h")) == timedelta(hours=8)
    assert target_duration(T("2d")) == timedelta(hours=48)
    assert target_duration(T("5bd")) == timedelta(hours=120)
    with pytest.raises(ValueError):
        target_duration(Target(3, "w"))
    assert [counts_business_time(s, T("8h")) for s in ("P1", "P2", "P3", "P4")] == [False, False, True, True]
    assert counts_business_time("P1", T("1bd"))


def test_wall_clock_targets_run_through_the_weekend():
    friday_five = lon(2026, 6, 5, 17, 0)
    assert due_at(friday_five, "P1", T("30m"), LONDON) == lon(2026, 6, 5, 17, 30)
    due = due_at(friday_five, "P2", T("2d"), LONDON)
    assert local(due) == datetime(2026, 6, 7, 17, 0)  # Sunday
    assert due.tzinfo is UTC and due == datetime(2026, 6, 7, 16, 0, tzinfo=UTC)


def test_one_business_day_skips_the_weekend():
    assert local(due_at(lon(2026, 6, 5, 15, 0), "P3", T("1bd"), LONDON)) == datetime(2026, 6, 8, 15, 0)
    # Raised on Saturday: the clock starts Monday 00:00, and a due time on Monday's closing midnight stays there.
    assert local(due_at(lon(2026, 6, 6, 10, 0), "P3", T("1bd"), LONDON)) == datetime(2026, 6, 9, 0, 0)


def test_five_business_days_skip_a_weekend_and_a_holiday():
    christmas = WorkCalendar("Europe/London", WEEKDAYS, frozenset({date(2026, 12, 25)}))
    # Thu 24 09:00-24:00 = 15h; Fri 25 holiday; Sat/Sun off; Mon 28-Thu 31 = 96h (111h); Fri 1 Jan 9h more = 120h.
    due = due_at(lon(2026, 12, 24, 9, 0), "P3", T("5bd"), christmas)
    assert due == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)  # GMT in winter: local == UTC
    assert due_at(lon(2026, 12, 24, 9, 0), "P3", T("5bd"), LONDON) == datetime(2026, 12, 31, 9, 0, tzinfo=UTC)


def test_business_hours_pause_over_the_weekend():
    # Fri 22:00-24:00 is 2h, the other 2h run from Monday's midnight.
    assert local(due_at(lon(2026, 6, 5, 22, 0), "P4", T("4h"), LONDON)) == datetime(2026, 6, 8, 2, 0)
    # Exactly used up at Friday's closing midnight: due then, not at Monday's opening midnight.
    assert local(due_at(lon(2026, 6, 5, 20, 0), "P4", T("4h"), LONDON)) == datetime(2026, 6, 6, 0, 0)


def test_a_business_day_target_counts_business_time_even_at_p2():
    assert local(due_at(lon(2026, 6, 5, 15, 0), "P2", T("2bd"), LONDON)) == datetime(2026, 6, 9, 15, 0)


def test_spring_forward_weekend_and_wall_clock_across_it():
    # Clocks go forward Sun 2026-03-29; raised Saturday, the clock runs all of Monday (already BST).
    due = due_at(lon(2026, 3, 28, 10, 0), "P3", T("1bd"), LONDON)
    assert local(due) == datetime(2026, 3, 31, 0, 0)
    assert due == datetime(2026, 3, 30, 23, 0, tzinfo=UTC)
    # P1 8h from Sat 22:00 GMT is 8 real hours: 07:00 BST on the wall.
    start = lon(2026, 3, 28, 22, 0)
    due = due_at(start, "P1", T("8h"), LONDON)
    assert due - start == timedelta(hours=8)
    assert local(due) == datetime(2026, 3, 29, 7, 0)


def test_a_dst_business_day_counts_its_real_length():
    # 1bd is 24 business hours; a 23h or 25h local day supplies exactly its real length towards them.
    every_day = WorkCalendar("Europe/London", (1, 2, 3, 4, 5, 6, 7))
    spring, autumn = lon(2026, 3, 29, 0, 0), lon(2026, 10, 25, 0, 0)
    # Spring: 23h on Sunday, the last hour on Monday. Autumn: 24 of Sunday's 25 hours suffice.
    assert local(due_at(spring, "P3", T("1bd"), every_day)) == datetime(2026, 3, 30, 1, 0)
    assert local(due_at(autumn, "P3", T("1bd"), every_day)) == datetime(2026, 10, 25, 23, 0)


def test_tokyo_business_days_are_tokyo_local_days():
    # Friday 20:00 UTC is already Saturday 05:00 in Tokyo, so the clock waits for Tokyo's Monday.
    due = due_at(datetime(2026, 3, 6, 20, 0, tzinfo=UTC), "P3", T("1bd"), TOKYO)
    assert local(due, TOKYO_TZ) == datetime(2026, 3, 10, 0, 0)
    assert due == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    # Fri 23:00 JST: 1h Friday, 3h Monday -> Mon 03:00 JST, which is still Sunday in UTC.
    due = due_at(datetime(2026, 3, 6, 14, 0, tzinfo=UTC), "P4", T("4h"), TOKYO)
    assert local(due, TOKYO_TZ) == datetime(2026, 3, 9, 3, 0)
    assert due == datetime(2026, 3, 8, 18, 0, tzinfo=UTC)


def test_remind_at_a_fraction_of_the_counted_time():
    start = lon(2026, 6, 5, 15, 0)
    assert remind_at(start, "P1", T("30m"), LONDON) - start == timedelta(minutes=22, seconds=30)
    # 18 of 24 business hours: Fri 15:00-24:00 is 9h, then 9h on Monday.
    assert local(remind_at(start, "P3", T("1bd"), LONDON)) == datetime(2026, 6, 8, 9, 0)
    assert local(remind_at(start, "P3", T("1bd"), LONDON, fraction=0.5)) == datetime(2026, 6, 8, 3, 0)
    with pytest.raises(ValueError):
        remind_at(start, "P1", T("30m"), LONDON, fraction=1.5)


def test_naive_starts_and_calendars_without_business_days_are_rejected():
    naive = datetime(2026, 6, 5, 15, 0)
    for call in (
        lambda: due_at(naive, "P1", T("30m"), LONDON),
        lambda: remind_at(naive, "P3", T("1bd"), LONDON),
    ):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(ValueError):
        due_at(lon(2026, 6, 5, 15, 0), "P3", T("1bd"), WorkCalendar("Europe/London", ()))
    # Wall-clock targets never consult the calendar.
    assert due_at(lon(2026, 6, 5, 15, 0), "P1", T("1h"), WorkCalendar("Europe/London", ())) == lon(2026, 6, 5, 16, 0)
