"""The playground without a browser: the same bot, its stand-in for Slack, time travel, state that lasts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.cli import main
from bot.partnerships.models import Partnership
from bot.rhythms.models import Rhythm
from playground import cast
from playground.people import state_values
from playground.runner import Playground, state_path_for
from tests.harness.waiting import eventually

CARLA, RAVI = "U0CARLA", "U0RAVI"
CHANNEL = cast.CHANNEL_ID
SETUP = {
    "name": {"value": "Acme support with Globex"},
    "client_org": {"value": "Initech"},
    "vendor_org": {"value": "Globex"},
    "home_side": {"value": "client"},
    "timezone": {"value": "Europe/London"},
    "business_days": {"value": ["1", "2", "3", "4", "5"]},
}


@pytest.fixture
def pg(db_url, tmp_path):
    # An emptied database: the playground ticks from its start, and a tick over an earlier test's rows racing
    # with reset() could leave a send behind.
    playground = Playground(database_url=db_url, state_path=tmp_path / "state.json", port=0).start()
    playground.reset()
    yield playground
    playground.stop()


def messages(pg, channel=CHANNEL) -> list[dict]:
    return list(pg.workspace.channel(channel)["messages"])


def ephemerals(pg, user) -> list[dict]:
    return [e for e in pg.workspace.state["ephemerals"] if e["user"] == user]


def partnerships(pg) -> int:
    with pg.runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(Partnership))


def set_up(pg) -> None:
    pg.people.command(CARLA, CHANNEL, "/partner setup")
    view = eventually(lambda: pg.workspace.top_view(CARLA), what="setup modal")
    assert pg.people.submit(CARLA, view["id"], SETUP) == {}
    eventually(lambda: any(m.get("pinned_by") for m in messages(pg)), what="card pinned")
    eventually(lambda: partnerships(pg) == 1, what="partnership stored")
    # the charter in the card's thread is setup's last step (the partnership is stored before its card is posted)
    eventually(lambda: any(m.get("text", "").startswith("Charter of") for m in messages(pg)), what="charter posted")


def test_setup_from_the_stand_in_pins_the_card_and_names_the_companies(pg):
    set_up(pg)
    card = next(m for m in messages(pg) if m.get("pinned_by"))
    labels = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Post update", "Give feedback", "Raise escalation", "Kudos", "Status", "Share a decision"]
    assert pg.workspace.teams[cast.CLIENT_TEAM]["name"] == "Initech"
    # The bot's requests all went to the stand-in, on this machine, signed and accepted.
    assert pg.settings.slack_api_url.startswith("http://127.0.0.1:")
    exchanges = pg.inspector.entries()
    assert {e["name"] for e in exchanges if e["direction"] == "api"} >= {"chat.postMessage", "pins.add", "views.open"}
    assert all(e["status"] == 200 for e in exchanges if e["direction"] == "bot")


def test_modal_errors_keep_what_was_typed(pg):
    pg.people.command(CARLA, CHANNEL, "/partner setup")
    view = eventually(lambda: pg.workspace.top_view(CARLA), what="setup modal")
    answer = pg.people.submit(CARLA, view["id"], {**SETUP, "client_org": {"value": ""}})
    assert answer["response_action"] == "errors" and "client_org" in answer["errors"]
    entry = pg.workspace.top_view(CARLA)
    assert entry["errors"] == answer["errors"]
    assert entry["state"]["name"]["value"]["value"] == "Acme support with Globex"
    assert partnerships(pg) == 0


def test_slash_commands_are_not_shared_with_the_other_organisation(pg):
    """As in a real Slack Connect channel: the vendor's people cannot run the client's app commands."""
    pg.people.command(RAVI, CHANNEL, "/partner status")
    (answer,) = ephemerals(pg, RAVI)
    assert answer["slackbot"] and "Slack does not share" in answer["text"]
    assert not [e for e in pg.inspector.entries() if e["direction"] == "bot"]


def test_an_unknown_command_is_answered_by_slackbot_and_a_bad_subcommand_by_the_bot(pg):
    pg.people.command(CARLA, CHANNEL, "/nope")
    pg.people.command(CARLA, CHANNEL, "/partner frobnicate")
    first, second = ephemerals(pg, CARLA)
    assert first["slackbot"] and "not a valid command" in first["text"]
    assert not second["slackbot"] and "is not a /partner command" in second["text"]
    assert ephemerals(pg, RAVI) == []


def test_messages_go_to_the_bot_as_events_with_the_authors_home_team(pg):
    set_up(pg)
    pg.people.say(RAVI, CHANNEL, "hello @Carla")
    said = messages(pg)[-1]
    assert said["text"] == "hello <@U0CARLA>" and said["team"] == cast.VENDOR_TEAM
    (event,) = [e for e in pg.inspector.entries() if e["name"] == "event message"]
    assert event["request"]["event"]["user_team"] == cast.VENDOR_TEAM and event["status"] == 200


def test_time_travel_runs_the_scheduler_and_never_goes_backwards(pg):
    before = pg.clock.now()
    nothing = pg.travel("next")
    assert nothing["moved"] is False and "Nothing is scheduled" in nothing["note"]
    assert pg.clock.now() - before < timedelta(minutes=1)
    set_up(pg)
    pg.people.command(CARLA, CHANNEL, "/partner rhythm add")
    view = eventually(lambda: pg.workspace.top_view(CARLA), what="rhythm modal")
    typed = {"name": {"value": "Weekly update"}, "cadence": {"value": "weekly"}, "weekdays": {"value": ["1"]}}
    assert pg.people.submit(CARLA, view["id"], typed) == {}  # the other inputs keep their initial values

    def next_run():
        with pg.runtime.db.session() as session:
            return session.scalar(select(Rhythm.next_run_at))

    due = eventually(next_run, what="rhythm stored")
    moved = pg.travel("next")
    assert moved["moved"] and pg.clock.now() >= due
    checkins = [m for m in messages(pg) if "check-in" in m["text"]]
    assert checkins, [m["text"] for m in messages(pg)]
    later = pg.travel("hour")["now"]
    assert later > moved["now"] > before.isoformat()
    with pytest.raises(ValueError):
        pg.clock.advance(timedelta(hours=-1))
    with pytest.raises(ValueError):
        pg.travel("yesterday")


def test_state_lasts_across_a_restart_and_reset_starts_over(database_url, tmp_path):
    state = tmp_path / "state.json"
    first = Playground(database_url=database_url, state_path=state, port=0).start()
    first.reset()
    set_up(first)
    first.clock.advance(timedelta(days=3))
    moved_to, kept = first.clock.now(), messages(first)
    first.stop()

    second = Playground(database_url=database_url, state_path=state, port=0).start()
    try:
        assert [m["ts"] for m in messages(second)] == [m["ts"] for m in kept]
        assert second.clock.now() >= moved_to
        assert partnerships(second) == 1
        second.reset()
        assert messages(second) == [] and partnerships(second) == 0
        assert second.clock.now() >= moved_to  # starting over never moves the clock back
    finally:
        second.stop()


def test_the_web_api_answers_like_slack(pg):
    client = WebClient(base_url=pg.slack.api_url, token="xoxb-playground")
    dm = client.chat_postMessage(channel=RAVI, text="hi")
    assert dm["channel"] == "D" + RAVI and pg.workspace.channel("D" + RAVI)["messages"][0]["text"] == "hi"
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id="made-up", view={"type": "modal", "blocks": []})
    assert refused.value.response["error"] == "expired_trigger_id"
    assert client.users_info(user=RAVI)["user"]["team_id"] == cast.VENDOR_TEAM
    assert client.conversations_info(channel=CHANNEL)["channel"]["is_ext_shared"] is True
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0NOWHERE", text="lost")
    assert [e for e in pg.inspector.entries() if e["error"]][0]["name"] == "chat.postMessage"
    published = client.views_publish(user_id=CARLA, view={"type": "home", "blocks": []})
    assert pg.workspace.state["home"][CARLA]["id"] == published["view"]["id"]


def test_response_urls_answer_privately_replace_or_post():
    from playground.web_api import WebApi
    from playground.workspace import Workspace

    ws = Workspace(None)
    api = WebApi(ws)
    api.response_urls = iter(f"http://x/response/{n}" for n in range(1, 10)).__next__
    original = ws.add_message(CHANNEL, user=cast.BOT_USER_ID, text="old")
    api.response_url(channel=CHANNEL, user=RAVI, message_ts=original["ts"])
    api.respond("1", {"text": "only you"})
    api.respond("1", {"text": "new", "replace_original": True})
    api.respond("1", {"text": "everyone", "response_type": "in_channel"})
    assert [e["text"] for e in ws.state["ephemerals"]] == ["only you"]
    assert [m["text"] for m in ws.channel(CHANNEL)["messages"]] == ["new", "everyone"]


def test_state_values_are_slacks_shape():
    view = {
        "blocks": [
            {
                "type": "input",
                "block_id": "sev",
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [{"text": {"type": "plain_text", "text": "P1"}, "value": "P1"}],
                },
            },
            {"type": "input", "block_id": "who", "element": {"type": "multi_users_select", "action_id": "value"}},
            {"type": "input", "block_id": "note", "element": {"type": "plain_text_input", "action_id": "value"}},
        ]
    }
    values = state_values(view, {"sev": {"value": "P1"}, "who": {"value": ["U1", "U2"]}})
    assert values["sev"]["value"]["selected_option"]["text"]["text"] == "P1"
    assert values["who"]["value"] == {"type": "multi_users_select", "selected_users": ["U1", "U2"]}
    assert values["note"]["value"] == {"type": "plain_text_input", "value": None}


def test_the_state_file_sits_next_to_the_bots_sqlite_file_and_the_cli_knows_the_playground(capsys):
    assert state_path_for("sqlite:///partnerbot.db") == Path("partnerbot.playground.json")
    with pytest.raises(SystemExit) as shown:
        main(["playground", "--help"])
    assert shown.value.code == 0 and "--port" in capsys.readouterr().out


def test_views_open_push_update_and_the_stack_a_person_sees(pg):
    client = WebClient(base_url=pg.slack.api_url, token="xoxb-playground")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "One"}, "blocks": [], "private_metadata": "m1"}
    first = client.views_open(trigger_id=pg.web_api.trigger(CARLA), view=modal)["view"]
    pushed = client.views_push(trigger_id=pg.web_api.trigger(CARLA), view={**modal, "private_metadata": "m2"})["view"]
    assert [e["id"] for e in pg.workspace.state["views"][CARLA]] == [first["id"], pushed["id"]]
    updated = client.views_update(view_id=first["id"], view={**modal, "title": {"type": "plain_text", "text": "Two"}})
    assert updated["view"]["id"] == first["id"] and updated["view"]["private_metadata"] == "m1"
    assert pg.workspace.top_view(CARLA)["id"] == pushed["id"]
    pg.people.close(CARLA, pushed["id"])  # Cancel on the pushed view goes back to the one under it
    assert pg.workspace.top_view(CARLA)["view"]["title"]["text"] == "Two"
    assert pg.workspace.top_view(RAVI) is None


def test_the_external_upload_flow_completes_into_a_message_that_shows_the_file(pg):
    """files.getUploadURLExternal, the bytes posted to its upload_url, files.completeUploadExternal: through the
    bot's own gateway, as the pre-read's charts and the export go; the page serves the file it shows."""
    import urllib.error
    import urllib.request

    from bot.slack.gateway import SlackGateway
    from playground.render import Viewer

    gateway = SlackGateway(token="xoxb-playground", base_url=pg.slack.api_url)
    parent = gateway.post_message(channel=CHANNEL, text="pre-read")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    file_id = gateway.upload_file(
        channel=CHANNEL,
        thread_ts=parent,
        filename="chart.png",
        content=png,
        title="Health trend",
        alt_text="Health trend: 60, 65.",
        initial_comment="Health: 60, 65.",
    )
    reply = next(m for m in messages(pg) if m.get("thread_ts") == parent)
    assert reply["text"] == "Health: 60, 65." and reply["files"][0]["id"] == file_id
    assert reply["files"][0]["mimetype"] == "image/png" and reply["files"][0]["title"] == "Health trend"
    thread = Viewer(pg, CARLA).thread(CHANNEL, parent)
    assert thread["replies"][0]["files"][0]["image"] is True
    with urllib.request.urlopen(f"{pg.url}/ui/files/{file_id}") as served:
        assert served.status == 200 and served.read() == png
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{pg.url}/ui/files/F000")
    assert missing.value.code == 404
    with pytest.raises(SlackApiError):  # completing an upload never made is refused, and nothing is posted
        WebClient(base_url=pg.slack.api_url, token="x").files_completeUploadExternal(
            files=[{"id": "FNOPE", "title": "x"}], channel_id=CHANNEL
        )
    assert sum(bool(m.get("files")) for m in messages(pg)) == 1


def test_opening_the_home_tab_sends_app_home_opened_and_the_bot_publishes(pg):
    set_up(pg)
    pg.people.open_home(CARLA)
    home = eventually(lambda: pg.workspace.state["home"].get(CARLA), what="home published")
    shown = str(home["view"]["blocks"])
    assert "you are client lead" in shown and "Waiting on you" in shown
