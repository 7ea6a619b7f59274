"""The shared work calendar: the next time a weekday's local wall-clock time comes round."""

from datetime import datetime, time, timezone

from bot.workdays import next_weekday_at

UTC = timezone.utc


def test_next_monday_ten_local_across_a_dst_change():
    # Friday 27 March 2026; London springs forward on Sunday the 29th, so Monday 10:00 is 09:00 UTC.
    after = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    assert next_weekday_at(1, time(10, 0), "Europe/London", after) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_the_same_day_counts_only_when_the_time_is_still_to_come():
    monday_early = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert next_weekday_at(1, time(10, 0), "Europe/London", monday_early) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    monday_late = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert next_weekday_at(1, time(10, 0), "Europe/London", monday_late) == datetime(2026, 4, 6, 9, 0, tzinfo=UTC)


def test_a_day_ahead_of_utc_is_found_on_its_own_local_date():
    # 22:00 UTC on Sunday is already Monday 07:00 in Tokyo: Monday 10:00 Tokyo is that same night, 01:00 UTC.
    after = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert next_weekday_at(1, time(10, 0), "Asia/Tokyo", after) == datetime(2026, 3, 30, 1, 0, tzinfo=UTC)
