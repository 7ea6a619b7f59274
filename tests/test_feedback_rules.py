"""Which 'what should change' points count as the same point raised again (rapidfuzz, tested threshold)."""

import pytest

from bot.feedback.service import same_point


@pytest.mark.parametrize(
    "earlier, later",
    [
        ("Please send the weekly report on time", "The weekly report keeps arriving late, send it on time"),
        ("Weekly reports should arrive on time", "Please send the weekly report on time"),
        ("We need faster answers on escalations", "Escalations need faster answers"),
        ("More agents on weekend shifts", "Staff the weekend shifts with more agents"),
        ("Share the roadmap earlier", "Tell us about roadmap changes earlier"),
        ("Quality of tier 2 answers dropped", "Tier 2 answer quality has dropped"),
        ("communication is slow", "Communication could be faster"),
    ],
)
def test_restatements_are_the_same_point(earlier, later):
    assert same_point(earlier, later)


@pytest.mark.parametrize(
    "earlier, later",
    [
        ("Please send the weekly report on time", "We need more agents on weekends"),
        ("Please send the weekly report on time", "Invoices should be sent on time"),
        ("Invoices should be sent on time", "The weekly report should be on time"),
        ("Share the roadmap earlier", "Answer tickets faster"),
    ],
)
def test_different_points_are_not(earlier, later):
    assert not same_point(earlier, later)
