"""Slack details end to end: a form Slack will not open is told and never retried past the trigger's life; a
deleted check-in answer is withdrawn with its blocker; a feedback report asked while a cycle runs."""

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Answer, Blocker, Escalation, Member
from tests.harness.flows import (
    add_rhythm,
    checkins,
    count,
    give_feedback,
    raise_escalation,
    reply,
    set_up_partnership,
)
from tests.harness.waiting import eventually

UTC = timezone.utc
NOT_OPENED = "couldn't open the form"


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    return clock


def views_open_attempts(fake) -> int:
    return len([c for c in fake.attempts if c.method == "views.open"])


@pytest.mark.parametrize("failure", ["500", "expired_trigger_id"])
def test_the_resolve_button_whose_form_slack_will_not_open_tells_the_person_and_is_not_retried(
    friday, slack, fake, app, failure
):
    set_up_partnership(slack, fake, app)
    raise_escalation(slack, fake, app)
    with app.runtime.db.session() as session:
        escalation_id = session.scalar(select(Escalation.id))
    if failure == "500":
        fake.fail("views.open", 500, times=5)
    else:
        fake.error("views.open", failure, times=5)
    before = views_open_attempts(fake)
    slack.click("esc_resolve", value=str(escalation_id))
    told = fake.next("response_url")["text"]
    assert NOT_OPENED in told and "nothing was changed" in told
    assert views_open_attempts(fake) == before + 1  # a retry would come after the trigger expired


def test_a_command_whose_form_slack_will_not_open_says_so(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    fake.fail("views.open", 503, times=5)
    answer = slack.command("escalate")
    assert NOT_OPENED in (answer.text or fake.next("response_url")["text"])
    assert views_open_attempts(fake) == 1


@pytest.fixture
def checkin_thread(clock, slack, fake, app) -> str:
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app)
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [checkin] = checkins(app)
    return checkin.message_ts


def test_deleting_a_thread_answer_withdraws_it_and_its_blocker(checkin_thread, clock, slack, fake, app):
    reply(slack, "blocker: VPN access for the new agents", thread_ts=checkin_thread, ts="1800000000.000001",
          user="UEXT1", team="T_EXT")  # fmt: skip
    reply(slack, "All good here", thread_ts=checkin_thread, ts="1800000000.000002", user="ULEAD", team="T_HOME")
    eventually(lambda: count(app, Answer) == 2 and count(app, Blocker) == 1, what="answers and blocker stored")
    assert "VPN access" in json.dumps(slack.command("status").json["blocks"])

    slack.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C_PARTNER",
            "ts": "1800000000.000010",
            "deleted_ts": "1800000000.000001",
            "hidden": True,
            "previous_message": {
                "type": "message",
                "user": "UEXT1",
                "text": "blocker: VPN access for the new agents",
                "ts": "1800000000.000001",
                "thread_ts": checkin_thread,
            },
        }
    )
    eventually(lambda: count(app, Answer) == 1 and count(app, Blocker) == 0, what="answer and blocker withdrawn")
    with app.runtime.db.session() as session:
        assert session.scalars(select(Answer.user_id)).all() == ["ULEAD"]
    assert "VPN access" not in json.dumps(slack.command("status").json["blocks"])


def test_the_feedback_report_while_a_cycle_runs_says_when_it_closes_and_who_answered_so_far(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    eventually(lambda: count(app, Member) == 6, what="everyone in the channel learned")
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT")
    give_feedback(slack, fake, app, user="UEXT2", team="T_EXT")
    give_feedback(slack, fake, app, user="UHOME2", team="T_HOME")

    answer = slack.command("feedback report").text
    assert "Feedback cycle 1 is running" in answer
    assert "<!date^1797242400^" in answer  # closes Mon 14 Dec 2026 10:00 UTC, in each reader's own time
    assert "1 of 3 Acme (client)" in answer and "2 of 3 Globex (vendor)" in answer
    assert "No feedback cycle has closed yet" not in answer
