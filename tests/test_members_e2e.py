"""Who the partnership's members are, end to end: everyone in the channel from setup on (bots, apps' users and
deactivated accounts never), kept in step with joins and leaves; and a direct message to the bot."""

import yaml
from sqlalchemy import select

from bot.models import Member
from tests.conftest import PEOPLE
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import shown
from tests.harness.waiting import eventually
from tests.test_project import ROOT

NOT_PEOPLE = ("UBOT", "UBOT2", "UAPP", "UGONE")


def members(app) -> dict[str, tuple[str, str]]:
    with app.runtime.db.session() as session:
        return {m.user_id: (m.side, m.role) for m in session.scalars(select(Member))}


def listed(slack) -> str:
    response = slack.command("members")
    return response.shown or shown(slack.fake.next("response_url"))


def add_non_people(fake) -> None:
    fake.add_user("UBOT2", "T_HOME", is_bot=True)
    fake.add_user("UAPP", "T_EXT", is_app_user=True)  # an app's user of the other organisation
    fake.add_user("UGONE", "T_HOME", deleted=True)  # a deactivated account still listed by Slack


def test_after_setup_members_lists_everyone_in_the_channel_on_both_sides_and_no_bots(slack, fake, app):
    add_non_people(fake)
    fake.channel_members["C_PARTNER"] = [*PEOPLE, *NOT_PEOPLE]
    set_up_partnership(slack, fake, app)

    eventually(lambda: len(members(app)) == 6, what="everyone in the channel learned at setup")
    assert members(app) == {
        "ULEAD": ("client", "lead"),
        "UHOME2": ("client", "member"),
        "UHOME3": ("client", "member"),
        "UEXT1": ("vendor", "member"),
        "UEXT2": ("vendor", "member"),
        "UEXT3": ("vendor", "member"),
    }
    answer = listed(slack)
    client, vendor = answer.split("Vendor · Globex")
    for person in ("ULEAD", "UHOME2", "UHOME3"):
        assert f"<@{person}>" in client
    for person in ("UEXT1", "UEXT2", "UEXT3"):
        assert f"<@{person}>" in vendor
    for bot in NOT_PEOPLE:
        assert bot not in answer


def test_joins_and_leaves_keep_the_list_in_step_and_a_joining_bot_is_never_a_member(slack, fake, app):
    add_non_people(fake)
    fake.add_user("UNEW", "T_EXT")
    fake.add_user("UBOT3", "T_HOME", is_bot=True)
    set_up_partnership(slack, fake, app)

    slack.event({"type": "member_joined_channel", "channel": "C_PARTNER", "user": "UNEW", "team": "T_HOME"})
    eventually(lambda: "UNEW" in members(app), what="the newcomer learned")
    assert members(app)["UNEW"] == ("vendor", "member")
    # A bot joins: Slack sends member_joined_channel, and a channel_join message without bot_id.
    slack.event({"type": "member_joined_channel", "channel": "C_PARTNER", "user": "UBOT2", "team": "T_HOME"})
    slack.event(
        {
            "type": "message",
            "subtype": "channel_join",
            "channel": "C_PARTNER",
            "user": "UBOT3",
            "text": "<@UBOT3> has joined the channel",
            "ts": "1800000000.000009",
        }
    )
    for index, user in enumerate(("UBOT2", "UAPP", "UGONE")):  # an app's user or a deactivated account speaking
        slack.event(
            {"type": "message", "channel": "C_PARTNER", "user": user, "text": "hi", "ts": f"1800000001.{index}"}
        )
    looked_up = lambda: {c.args["user"] for c in fake.calls_to("users.info")}  # noqa: E731
    eventually(lambda: looked_up() >= {"UBOT2", "UBOT3", "UAPP", "UGONE"}, what="Slack asked who they are")
    assert "<@UHOME3>" in listed(slack)
    slack.event({"type": "member_left_channel", "channel": "C_PARTNER", "user": "UHOME3", "team": "T_HOME"})
    eventually(lambda: "<@UHOME3>" not in listed(slack), what="the leaver no longer listed")

    answer = listed(slack)
    assert "<@UNEW>" in answer and "<@UEXT1>" in answer
    assert not set(members(app)) & {"UBOT2", "UBOT3", "UAPP", "UGONE"}
    for bot in ("UBOT2", "UBOT3", "UAPP", "UGONE"):
        assert bot not in answer


def test_a_direct_message_gets_a_short_helpful_answer_once(slack, fake, app):
    dm = {"type": "message", "channel_type": "im", "channel": "DULEAD", "user": "ULEAD", "text": "hello?", "ts": "1.1"}
    assert slack.event(dm, event_id="EvDm1").status == 200
    answer = fake.next("chat.postMessage")
    assert answer["channel"] == "DULEAD"
    assert "partnerbot" in answer["text"] and "/partner help" in answer["text"] and "shared" in answer["text"]
    slack.event(dm, event_id="EvDm1", retry_num=1)  # Slack's retry of the same message
    # Not answered: the bot's own DM, another bot's, an edit.
    slack.event({**dm, "user": "UBOT", "bot_id": "BBOT", "ts": "1.2"})
    slack.event({**dm, "user": "UBOT2", "bot_id": "BOTHER", "ts": "1.3"})
    slack.event({**dm, "subtype": "message_changed", "message": {"user": "ULEAD", "text": "hi", "ts": "1.1"}})
    slack.event({**dm, "ts": "1.4", "text": "still there?"}, event_id="EvDm2")
    fake.next("chat.postMessage")  # the second message of the person is answered too
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_the_manifest_subscribes_to_direct_messages_and_channel_re_keying():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.im", "channel_id_changed", "member_left_channel"} <= events
    assert {"im:history", "channels:join"} <= set(manifest["oauth_config"]["scopes"]["bot"])
