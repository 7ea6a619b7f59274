"""Bad input through real signed HTTP: malformed interactivity bodies and tampered forms get a 400 or a clear
error, never a 500; Slack's entity-escaped text (commands, thread replies) is escaped once when shown, like a
form's raw text; and a sample of arbitrary commands answers clearly (the full property runs in process)."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.models import Blocker, Escalation, Holiday, Milestone
from handlers.commands import ROUTER
from tests.harness.flows import (
    add_rhythm,
    checkins,
    count,
    escalation_values,
    raise_escalation,
    reply,
    rhythm_values,
)
from tests.harness.slack_driver import shown, text
from tests.harness.tables import changes, snapshot
from tests.harness.waiting import eventually
from tests.test_input_properties import ARGUMENTS

MALFORMED = [
    ("payload=not%20json", "application/x-www-form-urlencoded"),
    ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),  # a list
    ("payload=%22text%22", "application/x-www-form-urlencoded"),  # a string
    ("payload=%7B%7D", "application/x-www-form-urlencoded"),  # no type
    ("payload=" + json.dumps({"type": "nonsense"}), "application/x-www-form-urlencoded"),
    ("payload=" + json.dumps({"type": 5}), "application/x-www-form-urlencoded"),
    ("payload=" + json.dumps({"type": "block_actions", "actions": []}), "application/x-www-form-urlencoded"),
    (
        "payload=" + json.dumps({"type": "view_submission", "user": {"id": "ULEAD"}}),
        "application/x-www-form-urlencoded",
    ),
    (
        "payload="
        + json.dumps({"type": "view_submission", "user": {"id": "ULEAD"}, "view": {"callback_id": "rhythm_add"}}),
        "application/x-www-form-urlencoded",
    ),
    ("{not json", "application/json"),
    ("[1]", "application/json"),
    ('{"type": "event_callback", "event": "x"}', "application/json"),
    ("\xff\xfe", "application/json"),
]


def test_malformed_bodies_get_400_and_forged_ones_401(slack, fake, app, partnership):
    before = snapshot(app)
    for body, content_type in MALFORMED:
        answer = slack.post(body, content_type)
        assert answer.status == 400 and answer.body, (body, answer)
        assert slack.post(body, content_type, signature="v0=" + "0" * 64).status == 401, body
        assert slack.post(body, content_type, timestamp=int(time.time()) - 600).status == 401, body
    assert changes(before, snapshot(app)) == {}
    assert fake.calls == []


def test_a_tampered_form_is_refused_inline_and_changes_nothing(slack, fake, app, partnership):
    slack.click("charter_edit", value=partnership)
    charter = slack.next_modal()
    slack.command("escalate")
    raising = slack.next_modal()
    as_shown = {b["block_id"]: text(b["element"].get("initial_value", "")) for b in charter["blocks"] if "element" in b}
    before = snapshot(app)
    for metadata in ("x", "[]", '{"channel_id": 5}', '{"channel_id": "C_PARTNER", "extra": 1}', ""):
        answer = slack.submit_view({**raising, "private_metadata": metadata}, escalation_values())
        assert answer.status == 200 and answer.json["errors"] == {
            "title": "That form is out of date or was changed; open it again."
        }, answer
        answer = slack.submit_view({**charter, "private_metadata": metadata}, as_shown)
        assert answer.status == 200 and "out of date" in next(iter(answer.json["errors"].values()))
    assert changes(before, snapshot(app)) == {}


def test_command_text_from_slack_is_escaped_once(slack, fake, app, partnership):
    # Slack sends "R&D <team>" typed in a command as "R&amp;D &lt;team&gt;".
    slack.command("holiday add 2027-01-04 R&amp;D &lt;team&gt; day")
    assert "R&amp;D &lt;team&gt; day" in slack.command("holiday list").shown
    slack.command('milestone add "R&amp;D go-live" 2027-02-01')
    eventually(lambda: count(app, Milestone) == 1, what="milestone stored")
    assert "R&amp;D go-live" in slack.command("milestone list").shown
    slack.command("kudos <@UEXT1> for the R&amp;D demo")
    kudos = eventually(
        lambda: [c.args for c in fake.calls_to("chat.postMessage") if "demo" in c.args["text"]], what="kudos"
    )
    assert "for the R&amp;D demo" in shown(kudos[0])
    with app.runtime.db.session() as session:
        assert session.scalar(select(Holiday.name)) == "R&D <team> day"
        assert session.scalar(select(Milestone.name)) == "R&D go-live"
    for said in [slack.command("holiday list").shown, slack.command("milestone list").shown, shown(kudos[0])]:
        assert "&amp;amp;" not in said and "&amp;lt;" not in said


def test_a_thread_reply_from_slack_is_escaped_once(slack, fake, app, partnership):
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    [checkin] = eventually(lambda: [c for c in checkins(app) if c.message_ts], what="check-in sent")
    reply(
        slack,
        "Blocker: R&amp;D &lt;lab&gt; is closed",
        thread_ts=checkin.message_ts,
        ts="1800000002.000001",
        user="UEXT1",
        team="T_EXT",
    )
    eventually(lambda: count(app, Blocker) == 1, what="blocker stored")
    with app.runtime.db.session() as session:
        assert session.scalar(select(Blocker.text)) == "R&D <lab> is closed"
    status = json.dumps(slack.command("status").json["blocks"])
    assert "R&amp;D &lt;lab&gt; is closed" in status and "&amp;amp;" not in status


def test_modal_text_is_raw_and_escaped_when_shown(slack, fake, app, partnership):
    slack.command("escalate")
    answer = slack.submit_view(slack.next_modal(), {**escalation_values(), "title": text("R&D <!channel> down")})
    assert answer.status == 200 and answer.body == ""
    posted = fake.next("chat.postMessage")
    assert "R&amp;D &lt;!channel&gt; down" in shown(posted) and "<!channel>" not in json.dumps(posted)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sub=st.sampled_from(ROUTER.subcommands), arguments=ARGUMENTS)
def test_a_sample_of_any_commands_over_http_answers_clearly(slack, fake, app, partnership, failures, sub, arguments):
    answer = slack.command(f"{' '.join(sub.words)} {arguments}")
    assert answer.status == 200 and (answer.body or fake.wait_for("views.open")), answer
    assert failures.seen == []
    fake.reset()


def test_a_response_window_under_an_hour_is_refused(slack, fake, app, partnership):
    slack.command("rhythm add")
    modal = slack.next_modal()
    before = snapshot(app)
    for window, nudge, field in [
        ("0.001", "", "window_hours"),
        ("0.5", "", "window_hours"),
        ("337", "", "window_hours"),
        ("nan", "", "window_hours"),
        ("24", "0.001", "nudge_after_hours"),
    ]:
        values = {**rhythm_values(), "window_hours": text(window), "nudge_after_hours": text(nudge)}
        errors = slack.submit_view(modal, values).json["errors"]
        assert list(errors) == [field], (window, nudge, errors)
    assert changes(before, snapshot(app)) == {}


def test_mrkdwn_in_a_name_cannot_format_the_list_or_ping(slack, fake, app, partnership):
    slack.command('milestone add "*Go* _live_ ```now <!channel>" 2027-02-01')
    eventually(lambda: count(app, Milestone) == 1, what="milestone stored")
    listing = slack.command("milestone list").shown
    assert "*1.* ∗Go∗ ˍliveˍ ˋˋˋnow &lt;!channel&gt; — due 2027-02-01" in listing
    announced = json.dumps([c.args for c in fake.calls_to("chat.postMessage")])
    assert "<!channel>" not in announced and "```" not in announced


def test_the_duplicate_of_field_takes_only_a_number_of_ours(slack, fake, app, partnership):
    raise_escalation(slack, fake, app)
    raise_escalation(slack, fake, app, title=text("Same as #1"))
    with app.runtime.db.session() as session:
        second = session.scalar(select(Escalation.id).where(Escalation.number == 2))
    slack.click("esc_duplicate", value=str(second))
    modal = slack.next_modal()
    before = snapshot(app)
    for typed in ("²", "#①", "99999999999999999999", "2147483648", "#0", "-1", "1.0"):
        answer = slack.submit_view(modal, {"duplicate_of": typed})
        assert answer.status == 200 and answer.json["errors"] == {
            "duplicate_of": f"There is no escalation {typed} here."
        }, typed
    assert changes(before, snapshot(app)) == {}


def test_control_characters_never_reach_the_database(slack, fake, app, partnership):
    slack.command("escalate")
    values = {**escalation_values(), "title": text("Printer\x00 down"), "description": text("a\x00b\x1b[31m\nc")}
    assert slack.submit_view(slack.next_modal(), values).body == ""
    eventually(lambda: count(app, Escalation) == 1, what="escalation stored")
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    [checkin] = eventually(lambda: [c for c in checkins(app) if c.message_ts], what="check-in sent")
    reply(
        slack,
        "Blocker: lab\x00 closed",
        thread_ts=checkin.message_ts,
        ts="1800000003.000001",
        user="UEXT1",
        team="T_EXT",
    )
    eventually(lambda: count(app, Blocker) == 1, what="blocker stored")
    with app.runtime.db.session() as session:
        assert session.execute(select(Escalation.title, Escalation.description)).one() == ("Printer down", "ab[31m\nc")
        assert session.scalar(select(Blocker.text)) == "lab closed"


def test_the_word_payload_in_a_command_is_just_a_word(slack, fake, app, partnership):
    # Bolt's own parser takes any form body containing "payload" for an interaction and reads nothing from it.
    answer = slack.command("holiday add 2027-01-04 payload freeze")
    assert answer.status == 200 and "is a holiday" in answer.text
    assert "payload freeze" in slack.command("holiday list").shown
    slack.command("kudos <@UEXT1> for the payload fix")
    eventually(lambda: [c for c in fake.calls_to("chat.postMessage") if "payload fix" in c.args["text"]], what="kudos")
    assert slack.command("help payload").status == 200
