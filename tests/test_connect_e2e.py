"""Slack Connect details end to end: the governance channel joined at setup (or an inline error) and its later
refusals told to the leads once per episode; a channel Slack re-keys; a third organisation in the channel."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.models import Member, Partnership, RosterEntry
from tests.harness.flows import count, raise_escalation, set_up_partnership, setup_values
from tests.harness.slack_driver import conversation
from tests.harness.slack_driver import select as chosen
from tests.harness.waiting import eventually

UTC = timezone.utc
META = json.dumps({"channel_id": "C_PARTNER"})
CUT_OFF = "can no longer post in the governance channel"


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    return clock


def test_setup_joins_a_public_governance_channel(slack, fake, app):
    fake.add_channel("C_GOV", bot_in=False)
    response = slack.submit("partnership_setup", setup_values(), private_metadata=META)
    assert response.status == 200 and response.body == ""
    assert fake.next("conversations.join")["channel"] == "C_GOV"
    eventually(lambda: count(app, Partnership) == 1, what="set up")


@pytest.mark.parametrize(
    ("private", "archived", "says"),
    [(True, False, "/invite @partnerbot"), (False, True, "archived")],
)
def test_setup_with_a_governance_channel_the_bot_cannot_be_in_shows_an_inline_error(
    slack, fake, app, private, archived, says
):
    fake.add_channel("C_SECRET", private=private, archived=archived, bot_in=False)
    values = setup_values(governance_channel_id=conversation("C_SECRET"))
    response = slack.submit("partnership_setup", values, private_metadata=META)
    assert response.json["response_action"] == "errors"
    assert says in response.json["errors"]["governance_channel_id"]
    assert count(app, Partnership) == 0 and fake.calls_to("chat.postMessage") == []
    # Invited, it works.
    fake.add_channel("C_SECRET", private=private, archived=False, bot_in=True)
    assert slack.submit("partnership_setup", values, private_metadata=META).body == ""
    eventually(lambda: count(app, Partnership) == 1, what="set up once the bot is in")


def cut_off_notes(fake) -> list[dict]:
    return [c.args for c in fake.calls_to("chat.postMessage") if CUT_OFF in c.args["text"]]


def breach_now(friday, app, minutes: int) -> None:
    friday.set(friday.now() + timedelta(minutes=minutes))
    app.scheduler.tick()


def test_a_governance_channel_that_refuses_posts_is_told_to_the_leads_once_per_episode(friday, slack, fake, app):
    fake.add_channel("C_GOV")
    set_up_partnership(slack, fake, app)
    fake.remove_bot("C_GOV")  # someone removed the bot from the governance channel
    for _ in range(2):
        raise_escalation(slack, fake, app, severity=chosen("P1"))
    breach_now(friday, app, 31)  # both miss their 30-minute acknowledgement: two breach posts refused
    refused = [c for c in fake.attempts if c.method == "chat.postMessage" and c.args.get("channel") == "C_GOV"]
    assert len(refused) == 2
    [note] = cut_off_notes(fake)
    assert note["channel"] == "C_PARTNER" and "<@ULEAD>" in note["text"] and "not_in_channel" in note["text"]

    raise_escalation(slack, fake, app, severity=chosen("P1"))
    breach_now(friday, app, 31)
    assert len(cut_off_notes(fake)) == 1  # still the same episode: not told again

    fake.add_channel("C_GOV")  # invited back: the next post goes through and ends the episode
    raise_escalation(slack, fake, app, severity=chosen("P1"))
    breach_now(friday, app, 31)
    assert any(c.args["channel"] == "C_GOV" for c in fake.calls_to("chat.postMessage"))
    fake.archive("C_GOV")  # a new episode is told again
    raise_escalation(slack, fake, app, severity=chosen("P1"))
    breach_now(friday, app, 31)
    notes = cut_off_notes(fake)
    assert len(notes) == 2 and "is_archived" in notes[1]["text"]


def test_a_re_keyed_channel_keeps_its_partnership_roster_and_governance(slack, fake, app):
    set_up_partnership(slack, fake, app)
    slack.event({"type": "channel_id_changed", "old_channel_id": "C_PARTNER", "new_channel_id": "C_SHARED"})
    slack.event({"type": "channel_id_changed", "old_channel_id": "C_GOV", "new_channel_id": "C_GOV2"})

    def moved():
        with app.runtime.db.session() as session:
            partnership = session.scalar(select(Partnership))
            entries = session.scalars(select(RosterEntry.channel_id)).all()
            return (partnership.channel_id, partnership.governance_channel_id, set(entries))

    eventually(lambda: moved() == ("C_SHARED", "C_GOV2", {"C_SHARED"}), what="the channel followed")
    assert "Acme support with Globex" in slack.command("status", channel="C_SHARED").shown
    assert "not a partnership yet" in slack.command("status").text
    # Its roster moved too: people stay in the channel, outsiders stay out.
    assert "only people in" not in slack.command("charter", channel="C_SHARED", user="UEXT1").text.lower()


def test_a_third_organisation_has_no_side_until_a_lead_assigns_its_team(slack, fake, app):
    fake.add_user("UTHIRD", "T0THIRD")
    fake.add_user("UTHIRD2", "T0THIRD")
    fake.channel_members["C_PARTNER"] = [*fake.channel_members["C_PARTNER"], "UTHIRD", "UTHIRD2"]
    set_up_partnership(slack, fake, app)
    eventually(lambda: count(app, Member) == 6, what="the two companies' people learned")

    def side_of(user):
        with app.runtime.db.session() as session:
            return session.scalar(select(Member.side).where(Member.user_id == user))

    assert side_of("UEXT1") == "vendor" and side_of("UTHIRD") is None
    with app.runtime.db.session() as session:
        assert session.scalar(select(Partnership.other_team_id)) == "T_EXT"

    # Acting, they are told (ephemeral) and nothing is stored.
    slack.click("card_status", user="UTHIRD", team="T0THIRD")
    told = fake.next("response_url")["text"]
    assert "T0THIRD" in told and "no side" in told and "/partner team assign" in told
    kudos = slack.command("kudos <@UEXT1> thanks", user="UTHIRD", team="T0THIRD")
    assert "no side" in (kudos.text or fake.next("response_url")["text"])
    assert side_of("UTHIRD") is None and count(app, Member) == 6

    refused = slack.command("team assign T0THIRD client", user="UEXT1", team="T_EXT")
    assert "Only leads" in refused.text
    assert "not a Slack team id" in slack.command("team assign nope client").text
    assert "Globex organisation itself" in slack.command("team assign T_EXT client").text
    done = slack.command("team assign <@UTHIRD> client")  # by someone of that team
    said = done.text or fake.next("response_url")["text"]
    assert "T0THIRD" in said and "client side" in said

    slack.click("card_status", user="UTHIRD", team="T0THIRD")
    assert "Status of Acme support with Globex" in fake.next("response_url")["text"]
    assert side_of("UTHIRD") == "client"
    members_list = slack.command("members")
    listed = members_list.shown or json.dumps(fake.next("response_url"))
    assert "<@UTHIRD2>" in listed.split("Vendor")[0]  # their colleague is listed on the client side too
