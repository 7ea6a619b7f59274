"""Which 'what should change' points count as the same point raised again (rapidfuzz, tested threshold)."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.celebrations import service as celebrations
from bot.claims import ScheduledSend
from bot.db import Database
from bot.feedback import service as feedback
from bot.feedback.blocks import report_blocks
from bot.feedback.blocks import status_line as feedback_status_line
from bot.feedback.models import FeedbackCycle
from bot.feedback.service import FeedbackForm, same_point, scores_visible
from bot.partnerships import service as partnerships


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


# -- who may see a side's scores -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anonymous", "answers", "visible"),
    [(False, 1, True), (False, 2, True), (True, 1, False), (True, 2, False), (True, 3, True), (True, 7, True)],
)
def test_scores_are_visible_when_attributed_or_enough_answered(anonymous, answers, visible):
    assert scores_visible(anonymous, answers) is visible


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.engine.dispose()


START = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def new_partnership(session, channel_id: str):
    settings = partnerships.PartnershipSettings(
        name="Ops", client_org="Acme", vendor_org="Globex", home_side="vendor", timezone="UTC", business_days=[1, 2]
    )
    return partnerships.create_partnership(
        session, channel_id=channel_id, settings=settings, home_team_id="T_HOME", created_by="ULEAD", now=START
    )


def closed_cycle(session, partnership, number: int, *, anonymous: bool, score: int, answers: int):
    """A cycle in which `answers` client people each rate the vendor `score` on everything, then closed."""
    opens = START + timedelta(weeks=2 * number)
    cycle = FeedbackCycle(
        partnership_id=partnership.id,
        number=number,
        opens_at=opens,
        closes_at=opens + timedelta(weeks=2),
        anonymous=anonymous,
        status="open",
    )
    session.add(cycle)
    session.flush()
    form = FeedbackForm(quality=score, communication=score, responsiveness=score, proactivity=score, recommend=score)
    for n in range(answers):
        person = partnerships.ensure_member(session, partnership, team_id="T_CLIENT", user_id=f"UC{n}", now=opens)
        feedback.give(
            session, partnership, cycle, person, form, opens, promised_anonymous=cycle.anonymous, key_secret=b"k"
        )
    feedback.close_cycle(session, partnership, cycle)
    return cycle, feedback.build_report(session, partnership, cycle)


def client_direction(report):
    return next(d for d in report.directions if d.giver == "client")


def shown_anywhere(session, partnership, report) -> str:
    """Every surface that shows a cycle's scores: the report and the status line (of the latest closed cycle)."""
    _, blocks = report_blocks(partnership, report, START.date())
    return json.dumps(blocks) + feedback_status_line(feedback.latest_scores(session, partnership))


def new_highs(session) -> list[str]:
    sends = session.scalars(select(ScheduledSend).where(ScheduledSend.key.like("celebrate:%:feedback_high:%")))
    return [send.payload["text"] for send in sends]


def test_a_hidden_score_shows_nowhere(db):
    with db.session() as session:
        shown = new_partnership(session, "C_SHOWN")
        _, report = closed_cycle(session, shown, 1, anonymous=False, score=2, answers=2)
        assert "2.0" in shown_anywhere(session, shown, report)  # the same scores attributed are shown: it can fail

        hidden = new_partnership(session, "C_HIDDEN")
        _, report = closed_cycle(session, hidden, 1, anonymous=True, score=2, answers=2)
        assert client_direction(report).hidden and client_direction(report).overall is None
        assert "2.0" not in shown_anywhere(session, hidden, report)
        assert "hidden (fewer than 3 answers)" in feedback_status_line(feedback.latest_scores(session, hidden))


def test_a_hidden_score_neither_sets_a_trend_nor_a_high_to_beat(db):
    with db.session() as session:
        attributed = new_partnership(session, "C_ATTRIBUTED")
        closed_cycle(session, attributed, 1, anonymous=False, score=1, answers=1)
        _, report = closed_cycle(session, attributed, 2, anonymous=False, score=4, answers=1)
        assert client_direction(report).trend == pytest.approx(3.0)  # a shown score does set a trend

        partnership = new_partnership(session, "C_MIXED")
        first, _ = closed_cycle(session, partnership, 1, anonymous=False, score=2, answers=1)
        celebrations.owe_feedback_highs(session, partnership, first, START)
        second, report = closed_cycle(session, partnership, 2, anonymous=True, score=5, answers=2)
        celebrations.owe_feedback_highs(session, partnership, second, START)
        assert new_highs(session) == []  # the first cycle sets the bar; a hidden score is no high

        third, report = closed_cycle(session, partnership, 3, anonymous=False, score=4, answers=1)
        assert client_direction(report).trend is None  # the hidden 5.0 before it gives no trend
        assert "since last cycle" not in shown_anywhere(session, partnership, report)
        celebrations.owe_feedback_highs(session, partnership, third, START)
        [high] = new_highs(session)
        assert "4.0/5" in high and "previous best 2.0" in high  # the hidden 5.0 was not the bar to beat
