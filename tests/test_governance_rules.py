"""Governance rules that are easy to get wrong: when digests and pre-reads fall, health facts as they stood at a
moment (escalation targets, silence, anonymity, overdue actions), the council, and the lead-only settings."""

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.actions.models import Action
from bot.db import Database
from bot.errors import NotALead, UserError
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackResponse
from bot.governance import appraisal as appraisals
from bot.governance import digest as digests
from bot.governance import service as governance
from bot.governance.service import GovernanceSettings
from bot.kudos.models import Kudos
from bot.partnerships import service as partnerships
from bot.partnerships.models import CharterEdit
from bot.workdays import WorkCalendar

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
LONDON = WorkCalendar("Europe/London", (1, 2, 3, 4, 5), frozenset({date(2026, 11, 30)}))


def test_digest_periods_and_their_first_business_morning():
    assert digests.period_of("weekly", date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert digests.period_of("monthly", date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
    first, last = digests.period_of("biweekly", date(2026, 12, 2))
    assert (last - first).days == 13 and first.weekday() == 0
    assert digests.period_of("biweekly", first + timedelta(days=13)) == (first, last)  # same fortnight
    # A holiday on Monday moves the weekly digest to Tuesday 09:00 London time.
    assert digests.send_moment("weekly", date(2026, 12, 2), LONDON) == (
        date(2026, 11, 30),
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    summer = digests.send_moment("monthly", date(2026, 8, 15), LONDON)
    assert summer == (date(2026, 8, 1), datetime(2026, 8, 3, 8, 0, tzinfo=UTC))  # Monday 3 Aug, 09:00 BST
    assert digests.send_moment("off", date(2026, 12, 2), LONDON) is None


def test_the_pre_read_falls_five_business_days_before_the_meeting():
    # Meeting Tuesday 8 Dec 2026: back over Mon 7, Fri 4, Thu 3, Wed 2, Tue 1 Dec (Mon 30 Nov is a holiday).
    assert appraisals.preread_moment(date(2026, 12, 8), LONDON) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert appraisals.preread_moment(date(2026, 12, 4), LONDON) == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert appraisals.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert appraisals.business_day_on_or_after(date(2027, 2, 27), LONDON) == date(2027, 3, 1)


@pytest.fixture
def world(db_url):
    db = Database(db_url)
    with db.session() as session:
        settings = partnerships.PartnershipSettings(
            name="P", client_org="A", vendor_org="B", home_side="client", timezone="UTC", business_days=[1, 2, 3, 4, 5]
        )
        partnership = partnerships.create_partnership(
            session,
            channel_id="C1",
            settings=settings,
            home_team_id="T1",
            created_by="ULEAD",
            now=NOW - timedelta(days=400),
        )
        partnerships.ensure_member(session, partnership, team_id="T2", user_id="UVENDOR", now=NOW)
        pid = partnership.id
    yield db, pid
    db.engine.dispose()


def escalation(pid, number, raised, *, acked=None, resolved=None, state="open"):
    return Escalation(
        partnership_id=pid,
        number=number,
        title="t",
        severity="P2",
        category="quality",
        description="d",
        state=state,
        raised_by_team="T2",
        raised_by_user="UVENDOR",
        raised_at=raised,
        acknowledged_at=acked,
        resolved_at=resolved,
        ack_due_at=raised + timedelta(hours=2),
        resolve_due_at=raised + timedelta(days=2),
    )


def test_health_facts_as_they_stood_at_a_moment(world):
    db, pid = world
    day = timedelta(days=1)
    with db.session() as session:
        partnership = session.get(partnerships.Partnership, pid)
        session.add_all(
            [
                # met both targets
                escalation(
                    pid,
                    1,
                    NOW - 20 * day,
                    acked=NOW - 20 * day + timedelta(hours=1),
                    resolved=NOW - 19 * day,
                    state="resolved",
                ),
                # acknowledged late, still open and overdue now; was not yet due 30 days ago
                escalation(pid, 2, NOW - 10 * day, acked=NOW - 9 * day, state="acknowledged"),
                # long ago and resolved long ago: outside the window
                escalation(pid, 3, NOW - 200 * day, acked=NOW - 200 * day, resolved=NOW - 199 * day, state="closed"),
            ]
        )
        cycle = FeedbackCycle(
            partnership_id=pid,
            number=1,
            opens_at=NOW - 20 * day,
            closes_at=NOW - 6 * day,
            anonymous=False,
            status="closed",
        )
        hidden = FeedbackCycle(
            partnership_id=pid, number=2, opens_at=NOW - 6 * day, closes_at=NOW - day, anonymous=True, status="closed"
        )
        session.add_all([cycle, hidden])
        session.flush()
        session.add_all(
            [
                FeedbackResponse(
                    cycle_id=cycle.id,
                    giver_side="client",
                    giver_key="k1",
                    giver_team="T1",
                    giver_user="ULEAD",
                    quality=5,
                    communication=4,
                    responsiveness=4,
                    proactivity=3,
                    recommend=9,
                    given_at=NOW - 10 * day,
                ),
                FeedbackResponse(
                    cycle_id=hidden.id,
                    giver_side="vendor",
                    giver_key="k2",
                    quality=1,
                    communication=1,
                    responsiveness=1,
                    proactivity=1,
                    recommend=0,
                    given_at=NOW - 2 * day,
                ),
            ]
        )
        session.add_all(
            [
                Action(
                    partnership_id=pid,
                    number=1,
                    title="a",
                    due_date=(NOW - 5 * day).date(),
                    status="open",
                    source="feedback",
                    created_by="ULEAD",
                    created_at=NOW - 30 * day,
                ),
                Action(
                    partnership_id=pid,
                    number=2,
                    title="b",
                    due_date=(NOW - 5 * day).date(),
                    status="done",
                    source="feedback",
                    created_by="ULEAD",
                    created_at=NOW - 30 * day,
                    done_at=NOW - 6 * day,
                ),
                Kudos(
                    partnership_id=pid,
                    giver_team="T2",
                    giver_user="UVENDOR",
                    giver_side="vendor",
                    receiver_team="T1",
                    receiver_user="ULEAD",
                    receiver_side="client",
                    text="x",
                    given_at=NOW - 3 * day,
                ),
            ]
        )
        session.flush()
        facts = governance.health_facts(session, partnership, NOW)
        assert (facts.targets_due, facts.targets_met, facts.escalations_overdue) == (4, 2, 1)
        # Cycle 1: the client answered (4.0), the vendor was silent; cycle 2's one anonymous answer is hidden, and
        # the client's silence there counts.
        assert facts.feedback_scores == (4.0, None, None)
        assert (facts.actions_due, facts.actions_overdue) == (2, 1)
        assert (facts.kudos_vendor_to_client, facts.kudos_client_to_vendor) == (1, 0)
        before = governance.health_facts(session, partnership, NOW - 30 * day)
        assert (before.targets_due, before.escalations_overdue, before.feedback_scores) == (0, 0, ())
        assert (before.actions_due, before.kudos_vendor_to_client) == (0, 0)
        reading = governance.reading(session, partnership, NOW)
        assert reading.now.score == governance.health_at(session, partnership, NOW).score
        assert reading.change == reading.now.score - governance.health_at(session, partnership, NOW - 30 * day).score


def test_the_council_and_the_governance_settings_are_for_leads(world):
    db, pid = world
    with db.session() as session:
        partnership = session.get(partnerships.Partnership, pid)
        lead, vendor = partnership.members
        assert [m.user_id for m in governance.council(session, partnership)] == ["ULEAD"]
        with pytest.raises(NotALead):
            governance.change_seat(session, partnership, vendor, vendor, seated=True, now=NOW)
        with pytest.raises(UserError, match="Only members of the governance council"):
            governance.require_council(session, partnership, vendor, "decide")
        wanted = GovernanceSettings(appraisal_cadence="monthly", next_appraisal_on=None, digest_cadence="off")
        with pytest.raises(NotALead):
            governance.change_settings(session, partnership, vendor, wanted, NOW)
        assert partnership.charter.digest_cadence == "weekly"
        changes = governance.change_settings(session, partnership, lead, wanted, NOW)
        assert changes == {
            "appraisal_cadence": {"from": "quarterly", "to": "monthly"},
            "digest_cadence": {"from": "weekly", "to": "off"},
        }
        assert session.query(CharterEdit).count() == 1
    settings, errors = governance.settings_from_form(
        {"appraisal_cadence": "quarterly", "next_appraisal_on": "2026-11-23", "digest_cadence": "weekly"},
        date(2026, 11, 23),
    )
    assert settings is None and errors == {"next_appraisal_on": "Choose a day after today."}
