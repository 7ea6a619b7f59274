"""Signatures, event retries, other bots, health, and Slack answering 429/5xx."""

import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from bot.claims import ProcessedEvent
from bot.partnerships.models import Member
from handlers import events
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import text
from tests.harness.waiting import eventually


def members(app) -> list[str]:
    with app.runtime.db.session() as session:
        return sorted(session.scalars(select(Member.user_id)))


def test_forged_and_stale_requests_get_401_and_change_nothing(slack, fake):
    body = "command=%2Fpartner&text=setup&user_id=ULEAD&team_id=T_HOME&channel_id=C_PARTNER&trigger_id=t"
    forged = slack.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert forged.status == 401
    stale = slack.post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600)
    assert stale.status == 401
    unsigned = slack.post(body, "application/x-www-form-urlencoded", signature="")
    assert unsigned.status == 401
    assert fake.calls_to("views.open") == []
    # The same body, signed properly, is served: the refusals above were about the signature.
    assert slack.post(body, "application/x-www-form-urlencoded").status == 200
    fake.wait_for("views.open")


def test_a_retried_event_is_handled_once(slack, app, partnership, monkeypatch):
    handled = []  # every message event's work starts by learning who spoke
    original = events.learn_people
    monkeypatch.setattr(
        events, "learn_people", lambda rt, c, users, **k: handled.extend(users) or original(rt, c, users, **k)
    )
    event = {
        "type": "message",
        "channel": partnership,
        "user": "UEXT1",
        "user_team": "T_EXT",
        "text": "hi",
        "ts": "1700000002.000100",
    }
    assert slack.event(event, event_id="Ev0001").status == 200
    assert slack.event(event, event_id="Ev0001", retry_num=1).status == 200
    assert slack.event(event, event_id="Ev0002").status == 200  # a different event is handled
    eventually(lambda: len(handled) >= 2, what="two events handled")
    assert handled == ["UEXT1", "UEXT1"]
    with app.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 2


def test_messages_from_bots_are_ignored(slack, fake, app):
    fake.channel_members["C_PARTNER"] = ["ULEAD", "UBOT"]  # the others arrive after setup
    partnership = set_up_partnership(slack, fake, app)
    slack.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "channel": partnership,
            "bot_id": "BOTHER",
            "text": "beep",
            "ts": "1700000003.000100",
        }
    )
    slack.event(
        {
            "type": "message",
            "channel": partnership,
            "user": "UEXT3",
            "bot_id": "BOTHER",
            "user_team": "T_EXT",
            "text": "beep",
            "ts": "1700000004.000100",
        }
    )
    slack.event(
        {
            "type": "message",
            "channel": partnership,
            "user": "UEXT2",
            "user_team": "T_EXT",
            "text": "a person",
            "ts": "1700000005.000100",
        }
    )
    eventually(lambda: "UEXT2" in members(app), what="the person noted")
    assert members(app) == ["UEXT2", "ULEAD"]


def test_healthz_reports_the_database(app):
    with urllib.request.urlopen(app.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.headers["content-type"] == "application/json"
        assert response.read() == b'{"status":"ok","database":"ok"}'


def test_healthz_says_503_when_the_database_is_unreachable(app, monkeypatch):
    monkeypatch.setattr(app.runtime.db, "is_healthy", lambda: False)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(app.url + "/healthz", timeout=5)
    assert refused.value.code == 503
    assert refused.value.read() == b'{"status":"unhealthy","database":"unreachable"}'


def test_server_errors_from_slack_are_retried(slack, fake, partnership):
    def attempts(method):
        return [c for c in fake.attempts if c.method == method]

    # A form is the exception: its trigger lives 3 s, so views.open is never retried; the person is told and
    # pressing again (a fresh trigger) opens it.
    fake.fail("views.open", 503)
    slack.click("charter_edit", value=partnership)
    assert "couldn't open the form" in fake.next("response_url")["text"]
    assert len(attempts("views.open")) == 1
    slack.click("charter_edit", value=partnership)
    [opened] = fake.wait_for("views.open", timeout=10)
    assert len(attempts("views.open")) == 2

    modal = opened.args["view"]
    values = {b["block_id"]: text(b["element"].get("initial_value", "")) for b in modal["blocks"]}
    values["update_rhythm"] = text("Weekly from the vendor")
    fake.fail("chat.postMessage", 502, times=2)
    slack.submit_view(modal, values)
    [posted] = fake.wait_for("chat.postMessage", timeout=10)
    assert "update rhythm" in posted.args["text"]
    assert len(attempts("chat.postMessage")) == 3
