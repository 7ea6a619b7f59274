"""The rules of KPIs, incentive reviews and decision windows that are easy to get wrong."""

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.decisions.service import window_end
from bot.incentives.models import IncentiveAnswer
from bot.incentives.service import combined_ranking, due_review, latest_review_month
from bot.kpis.models import Kpi
from bot.kpis.periods import ask_at, last_closed_start, period_end, recent_starts
from bot.kpis.service import parse_actuals, parse_number, rating
from bot.workdays import WorkCalendar

UTC = timezone.utc
LONDON = WorkCalendar("Europe/London", (1, 2, 3, 4, 5), frozenset({date(2026, 12, 28)}))


@given(st.text(max_size=40))
def test_any_typed_number_box_gives_a_number_nothing_or_a_clear_error(typed):
    kpi = Kpi(id=1, name="CSAT", target=90.0, higher_is_better=True, amber_percent=5.0)
    numbers, errors = parse_actuals([kpi], {"kpi_1": typed})
    assert bool(numbers) != bool(errors)
    if numbers:
        assert numbers[1] == parse_number(typed)


def test_numbers_as_people_type_them():
    assert parse_number(" 1,200.5 ") == 1200.5 and parse_number("95%") == 95.0 and parse_number("") is None
    for bad in ("nan", "inf", "ninety", "1.2.3"):
        with pytest.raises(ValueError):
            parse_number(bad)


@pytest.mark.parametrize(
    ("higher", "value", "expected"),
    [
        (True, 90, "green"),
        (True, 85.5, "amber"),
        (True, 85.4, "red"),
        (False, 90, "green"),
        (False, 94.5, "amber"),
        (False, 94.6, "red"),
        (False, 10, "green"),
    ],
)
def test_the_amber_band_is_a_share_of_the_target_on_the_wrong_side(higher, value, expected):
    kpi = Kpi(target=90.0, higher_is_better=higher, amber_percent=5.0)
    assert rating(kpi, value) == expected


def test_periods_close_and_are_asked_on_the_next_business_day_at_ten_local():
    assert last_closed_start("weekly", date(2026, 11, 30)) == date(2026, 11, 23)
    assert last_closed_start("monthly", date(2026, 3, 1)) == date(2026, 2, 1)
    assert period_end("monthly", date(2028, 2, 1)) == date(2028, 2, 29)
    assert recent_starts("monthly", date(2026, 2, 10), 3) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]
    # The week of 21 Dec ends Sunday 27; Monday 28 is a holiday: asked Tuesday 29 at 10:00 London.
    assert ask_at("weekly", date(2026, 12, 21), LONDON) == datetime(2026, 12, 29, 10, 0, tzinfo=UTC)
    # March 2026 ends on a Tuesday; 1 April is a Wednesday, in summer time (10:00 BST is 09:00 UTC).
    assert ask_at("monthly", date(2026, 3, 1), LONDON) == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def test_a_decision_window_counts_business_days_only():
    friday = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)  # Christmas Friday (a weekday here), then Monday's holiday
    assert window_end(friday, 2, LONDON) == datetime(2026, 12, 30, 15, 0, tzinfo=UTC)
    assert window_end(friday, 2, LONDON, 0.5) == datetime(2026, 12, 29, 15, 0, tzinfo=UTC)


def test_the_quarters_review_months_and_the_first_a_quarter_after_setup():
    assert latest_review_month(date(2027, 1, 1), 11) == date(2026, 11, 1)
    assert latest_review_month(date(2027, 2, 1), 11) == date(2027, 2, 1)
    set_up = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert due_review(set_up, 11, LONDON, datetime(2027, 1, 31, tzinfo=UTC)) is None  # setup month does not count
    assert due_review(set_up, 11, LONDON, datetime(2027, 2, 1, 10, 0, tzinfo=UTC)) == (
        "2027-02",
        datetime(2027, 2, 1, 10, 0, tzinfo=UTC),
    )
    assert due_review(set_up, 11, LONDON, datetime(2027, 4, 30, tzinfo=UTC))[0] == "2027-02"


def test_a_sides_ranking_is_the_borda_count_of_its_answers():
    answers = [
        IncentiveAnswer(ranking=["cost", "quality", "speed", "innovation"]),
        IncentiveAnswer(ranking=["quality", "speed", "cost", "innovation"]),
        IncentiveAnswer(ranking=["quality", "cost", "innovation", "speed"]),
    ]
    assert combined_ranking(answers) == ["quality", "cost", "speed", "innovation"]
    assert combined_ranking([]) is None
