"""Every /partner subcommand of the foundation and its errors, through signed HTTP."""

import json

import pytest
from sqlalchemy import select

from bot.partnerships.models import CharterEdit, Member, Partnership
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import text
from tests.harness.waiting import eventually


def member(app, user_id):
    with app.runtime.db.session() as session:
        return session.scalar(select(Member).where(Member.user_id == user_id))


@pytest.fixture
def early(slack, fake, app) -> str:
    """A partnership set up while only its lead was in the channel (setup makes everyone in the channel a member):
    the others arrive later, which is how these tests see people learned after setup."""
    fake.channel_members["C_PARTNER"] = ["ULEAD", "UBOT"]
    return set_up_partnership(slack, fake, app)


def test_help_lists_every_subcommand_with_an_example(slack):
    for words in ("help", ""):
        response = slack.command(words)
        assert response.status == 200 and response.json["response_type"] == "ephemeral"
        rendered = json.dumps(response.json["blocks"], ensure_ascii=False)
        for usage in (
            "/partner setup",
            "/partner status",
            "/partner members",
            "/partner side @user client|vendor",
            "/partner role @user lead|sponsor|member",
            "/partner charter",
            "/partner help",
            "/partner rhythm add",
            "/partner rhythm list",
            "/partner rhythm run N",
            "/partner ooo YYYY-MM-DD YYYY-MM-DD",
            "/partner ooo off",
        ):
            assert f"`{usage}` — " in rendered
        assert rendered.count("e.g. `/partner") == rendered.count("` — ")  # an example for every entry


def test_unknown_subcommand_shows_the_right_form(slack):
    response = slack.command("dance")
    assert "`dance` is not a /partner command" in response.text and "/partner help" in response.text


def test_commands_in_a_channel_that_is_not_set_up(slack, fake):
    for words in ("status", "members", "charter", "side <@UEXT1> vendor", "role <@UEXT1> sponsor"):
        response = slack.command(words, channel="C_ELSEWHERE")
        assert "not a partnership yet" in response.text and "/partner setup" in response.text, words
    assert fake.calls_to("users.info") == []


def test_status_shows_the_partnership(slack, early):
    response = slack.command("status")
    rendered = json.dumps(response.json["blocks"])
    assert "Acme support with Globex" in rendered
    assert "*Client* Acme: 1 member(s), led by <@ULEAD>" in rendered
    assert "*Vendor* Globex: 0 member(s), no lead yet" in rendered


def test_members_learns_sides_from_home_teams_in_a_shared_channel(slack, app, early):
    partnership = early
    slack.event(
        {
            "type": "message",
            "channel": partnership,
            "user": "UEXT1",
            "user_team": "T_EXT",
            "team": "T_EXT",
            "text": "hello from Globex",
            "ts": "1700000001.000100",
        }
    )
    slack.event({"type": "member_joined_channel", "channel": partnership, "user": "UHOME2", "team": "T_HOME"})
    eventually(lambda: member(app, "UEXT1") and member(app, "UHOME2"), what="members noted")
    assert member(app, "UEXT1").side == "vendor" and member(app, "UEXT1").team_id == "T_EXT"
    assert member(app, "UHOME2").side == "client"
    sections = [b["text"]["text"] for b in slack.command("members").json["blocks"] if b["type"] == "section"]
    assert "*Client · Acme*\n<@ULEAD> — lead\n<@UHOME2> — member" in sections
    assert "*Vendor · Globex*\n<@UEXT1> — member" in sections


def test_a_lead_sets_side_and_role_of_an_external_person(slack, fake, app, early):
    response = slack.command("role <@UEXT1|eve> lead")
    assert response.status == 200 and response.body == ""  # a newcomer is looked up in Slack after the ack
    assert fake.next("response_url")["text"] == "<@UEXT1> is now a lead (vendor lead)."
    assert fake.calls_to("users.info")[0].args["user"] == "UEXT1"
    slack.command("side <@UHOME3> vendor")
    assert "now on the vendor side" in fake.next("response_url")["text"]
    moved = member(app, "UHOME3")
    assert (moved.team_id, moved.side, moved.side_explicit) == ("T_HOME", "vendor", True)
    # The vendor side's only lead stays until the side has another.
    assert "vendor side's only lead" in slack.command("role <@UEXT1> sponsor").text
    assert member(app, "UEXT1").role == "lead"
    slack.command("role <@UEXT2> lead")
    fake.next("response_url")  # a newcomer: looked up after the ack
    assert slack.command("role <@UEXT1> sponsor").text == "<@UEXT1> is now a sponsor (vendor sponsor)."
    assert member(app, "UEXT1").role == "sponsor"


def test_side_and_role_errors_change_nothing(slack, fake, app, early):
    cases = {
        "side <@UEXT1>": "Usage: `/partner side @user client|vendor`",
        "side dana vendor": "'dana' is not a person",
        "side <@UEXT1> partner": "'partner' is not a side",
        "role <@UEXT1> boss": "'boss' is not a role",
        "role <@ULEAD> member": "only lead",
    }
    for words, expected in cases.items():
        assert expected in slack.command(words).text, words
    slack.command("role <@UNOBODY> sponsor")
    assert "I can't find <@UNOBODY> in Slack" in fake.next("response_url")["text"]
    slack.event({"type": "member_joined_channel", "channel": early, "user": "UHOME3", "team": "T_HOME"})
    eventually(lambda: member(app, "UHOME3"), what="UHOME3 joined the channel")
    not_lead = slack.command("role <@UHOME2> lead", user="UHOME3")
    assert "Only leads can change a member's role" in not_lead.text
    assert member(app, "UHOME2") is None
    assert member(app, "ULEAD").role == "lead"
    assert member(app, "UEXT1") is None


def test_charter_view_and_lead_edit_with_log(slack, fake, app, partnership):
    lead_view = slack.command("charter").json
    assert any(b["type"] == "actions" for b in lead_view["blocks"])
    other_view = slack.command("charter", user="UHOME2").json
    assert not any(b["type"] == "actions" for b in other_view["blocks"])

    refused = slack.click("charter_edit", value=partnership, user="UEXT1", team="T_EXT")
    assert refused.status == 200
    assert "Only leads can edit the charter" in fake.next("response_url")["text"]
    assert fake.calls_to("views.open") == []

    slack.click("charter_edit", value=partnership)
    modal = slack.next_modal()
    values = {b["block_id"]: text(b["element"].get("initial_value", "")) for b in modal["blocks"]}
    values["P1_ack"] = text("soon")
    values["P3_resolve"] = text("0bd")
    errors = slack.submit_view(modal, values).json["errors"]
    assert set(errors) == {"P1_ack", "P3_resolve"} and "30m, 8h, 2d or 5bd" in errors["P1_ack"]

    values.update(P1_ack=text("15m"), P3_resolve=text("5bd"), vendor_decisions=text("Staffing changes < 10%"))
    assert slack.submit_view(modal, values).body == ""
    announcement = fake.next("chat.postMessage")
    assert announcement["text"] == (
        "<@ULEAD> edited the charter: vendor decisions, escalation targets. `/partner charter` shows it."
    )
    with app.runtime.db.session() as session:
        edit = session.scalar(select(CharterEdit))
        assert edit.user_id == "ULEAD" and edit.edited_at is not None
        assert edit.changes["vendor_decisions"] == {"from": "", "to": "Staffing changes < 10%"}
        assert edit.changes["escalation_targets"]["to"]["P1"]["ack"] == "15m"
        charter = session.scalar(select(Partnership)).charter
        assert charter.escalation_targets["P1"] == {"ack": "15m", "resolve": "8h"}
    shown = json.dumps(slack.command("charter").json["blocks"])
    assert "Staffing changes &lt; 10%" in shown and "acknowledge within 15 min" in shown
    assert "Last edited by <@ULEAD>" in shown


def test_card_buttons_work_for_the_other_organisation(slack, fake, app, partnership):
    slack.click("card_status", value=partnership, user="UEXT2", team="T_EXT")
    status = fake.next("response_url")
    assert status["response_type"] == "ephemeral" and "Acme support with Globex" in json.dumps(status["blocks"])
    assert member(app, "UEXT2").side == "vendor"
    slack.click("card_kudos", value=partnership, user="UEXT2", team="T_EXT")
    assert slack.next_modal()["callback_id"] == "kudos_give"


def test_a_mistyped_value_is_answered_with_that_commands_usage(slack, fake, app, partnership):
    answers = {
        "rhythm pause 7": ("There is no rhythm 7 here", "/partner rhythm pause N"),
        "action done 3": ("There is no action 3 here", "/partner action done N"),
        "milestone move 4 2027-01-01": ("There is no milestone 4 here", "/partner milestone move N YYYY-MM-DD"),
        "ooo 2026-12-20 2026-12-10": ("The last day comes before the first", "/partner ooo YYYY-MM-DD YYYY-MM-DD"),
    }
    for words, (problem, usage) in answers.items():
        said = slack.command(words).text
        assert problem in said and f"Usage: `{usage}`" in said, words
    # A refusal of who you are is not a typing mistake: no usage line.
    assert "Usage:" not in slack.command("rhythm add", user="UHOME2").text
