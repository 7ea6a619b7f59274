"""A thread reply that became data follows the reply in Slack: deleting it takes back what it recorded, editing
it changes it. Check-in answers are covered in test_slack_details_e2e.py; here an escalation's timeline and a
milestone's thanks, through signed HTTP events."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Escalation, EscalationUpdate, Milestone, MilestoneThanks
from tests.harness.flows import raise_escalation, reply, set_up_partnership
from tests.harness.waiting import eventually

UTC = timezone.utc


@pytest.fixture
def partnership(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    return "C_PARTNER"


def deleted(slack, *, thread_ts: str, ts: str, user: str, text: str):
    return slack.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C_PARTNER",
            "ts": "1900000000.000099",
            "deleted_ts": ts,
            "hidden": True,
            "previous_message": {"type": "message", "user": user, "text": text, "ts": ts, "thread_ts": thread_ts},
        }
    )


def edited(slack, *, thread_ts: str, ts: str, user: str, text: str):
    return slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C_PARTNER",
            "ts": "1900000000.000098",
            "hidden": True,
            "message": {"type": "message", "user": user, "text": text, "ts": ts, "thread_ts": thread_ts},
        }
    )


def timeline(app) -> list[tuple[str | None, str]]:
    with app.runtime.db.session() as session:
        rows = session.execute(select(EscalationUpdate.message_ts, EscalationUpdate.text).order_by(EscalationUpdate.id))
        return [tuple(row) for row in rows]


def test_an_escalation_reply_deleted_leaves_its_timeline_and_an_edited_one_says_what_it_says_now(
    partnership, slack, fake, app
):
    raise_escalation(slack, fake, app, user="UEXT1", team="T_EXT")
    with app.runtime.db.session() as session:
        escalation_id, thread = session.execute(select(Escalation.id, Escalation.message_ts)).one()
    for ts, words in [("1800000009.000001", "Two more agents from tomorrow"), ("1800000009.000002", "R&amp;D on it")]:
        assert reply(slack, words, thread_ts=thread, ts=ts, user="UEXT2", team="T_EXT").status == 200
    slack.click("esc_update", value=str(escalation_id), user="UHOME2")
    slack.submit_view(slack.next_modal(), {"text": "Customer calmed down"}, user="UHOME2")
    eventually(lambda: len(timeline(app)) == 3, what="two replies and a note on the timeline")

    assert edited(slack, thread_ts=thread, ts="1800000009.000002", user="UEXT2", text="R&amp;D fixed it").status == 200
    assert deleted(slack, thread_ts=thread, ts="1800000009.000001", user="UEXT2", text="Two more").status == 200
    assert timeline(app) == [("1800000009.000002", "R&D fixed it"), (None, "Customer calmed down")]
    # Deleting a reply that recorded nothing (or twice) changes nothing.
    assert deleted(slack, thread_ts=thread, ts="1800000009.000001", user="UEXT2", text="Two more").status == 200
    assert deleted(slack, thread_ts=thread, ts="1800000009.000777", user="UEXT2", text="chat").status == 200
    assert len(timeline(app)) == 2


def thanked(app) -> list[tuple[str, str]]:
    with app.runtime.db.session() as session:
        rows = session.execute(select(MilestoneThanks.user_id, MilestoneThanks.message_ts).order_by(MilestoneThanks.id))
        return sorted(tuple(row) for row in rows)


def test_a_milestone_reply_deleted_takes_back_its_thanks_and_an_edited_one_thanks_whom_it_names_now(
    partnership, slack, fake, app
):
    slack.command('milestone add "Go-live in Manila" 2026-12-15 <@UEXT1>')
    thread = eventually(lambda: _milestone_thread(app), what="milestone posted")
    first, second = "1800000100.000001", "1800000100.000002"
    reply(slack, "Thanks <@UEXT2> and <@UHOME2>", thread_ts=thread, ts=first, user="UEXT1", team="T_EXT")
    reply(slack, "And <@UHOME2> again", thread_ts=thread, ts=second, user="UEXT1", team="T_EXT")
    assert thanked(app) == [("UEXT2", first), ("UHOME2", first), ("UHOME2", second)]

    assert deleted(slack, thread_ts=thread, ts=first, user="UEXT1", text="Thanks").status == 200
    assert thanked(app) == [("UHOME2", second)]  # still thanked by the reply that stands
    assert edited(slack, thread_ts=thread, ts=second, user="UEXT1", text="And <@UEXT3> too").status == 200
    assert thanked(app) == [("UEXT3", second)]


def _milestone_thread(app) -> str | None:
    with app.runtime.db.session() as session:
        return session.scalar(select(Milestone.message_ts))
