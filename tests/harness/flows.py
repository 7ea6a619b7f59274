"""Multi-step things tests do often, done the way a person would: through commands and modals."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlalchemy import select as query

from bot.models import Checkin, Escalation, Partnership, Rhythm
from tests.harness.slack_driver import checks, conversation, radio, select, text, timepicker
from tests.harness.waiting import eventually


def setup_values(**overrides) -> dict:
    values = {
        "name": text("Acme support with Globex"),
        "client_org": text("Acme"),
        "vendor_org": text("Globex"),
        "home_side": radio("client"),
        "timezone": text("Europe/London"),
        "business_days": checks(["1", "2", "3", "4", "5"]),
        "governance_channel_id": conversation("C_GOV"),
    }
    values.update(overrides)
    return values


def said(slack, words: str, **kwargs) -> str:
    """What a command answered: in its ack, or through its response_url when it first asked Slack (e.g. about a
    person it has not met; everyone in the channel is met at setup)."""
    response = slack.command(words, **kwargs)
    return response.text or slack.fake.next("response_url")["text"]


def count(app, model, *where) -> int:
    with app.runtime.db.session() as session:
        return session.scalar(query(func.count()).select_from(model).where(*where))


def set_up_partnership(slack, fake, app, channel: str = "C_PARTNER", **overrides) -> str:
    """A partnership set up by ULEAD of the home (client) workspace; the fake forgets the calls it took."""
    assert slack.command("setup", channel=channel).status == 200
    fake.wait_for("views.open")
    response = slack.submit(
        "partnership_setup", setup_values(**overrides), private_metadata=json.dumps({"channel_id": channel})
    )
    assert response.status == 200 and response.body == ""
    eventually(
        lambda: (
            count(app, Partnership, Partnership.channel_id == channel) == 1
            and len(fake.calls_to("chat.postMessage")) >= 2
        ),
        what="partnership set up",
    )
    fake.reset()
    return channel


def rhythm_values(**overrides) -> dict:
    values = {
        "name": text("Weekly update"),
        "cadence": select("weekly"),
        "weekdays": checks(["1"]),
        "local_time": timepicker("09:00"),
        "audience": radio("both"),
        "questions": text("What moved?\nAny risks or blockers?"),
        "window_hours": text("24"),
        "nudge_after_hours": text("20"),
    }
    values.update(overrides)
    return values


def add_rhythm(slack, fake, app, channel: str = "C_PARTNER", **overrides) -> int:
    """Add a rhythm through `/partner rhythm add` and its modal; returns its number."""
    before = count(app, Rhythm)
    slack.command("rhythm add", channel=channel)
    fake.wait_for("views.open")
    response = slack.submit(
        "rhythm_add", rhythm_values(**overrides), private_metadata=json.dumps({"channel_id": channel})
    )
    assert response.status == 200 and response.body == "", response.body
    eventually(lambda: count(app, Rhythm) == before + 1, what="rhythm stored")
    with app.runtime.db.session() as session:
        number = session.scalar(query(func.max(Rhythm.number)))
    fake.wait_for("chat.postMessage")  # the announcement
    fake.reset()
    return number


def checkins(app) -> list[Checkin]:
    with app.runtime.db.session() as session:
        found = list(session.scalars(query(Checkin).order_by(Checkin.scheduled_for)))
        for checkin in found:
            _ = checkin.answers  # load before the session closes
        return found


def reply(
    slack,
    text_: str,
    *,
    thread_ts: str,
    ts: str,
    user: str,
    team: str,
    channel: str = "C_PARTNER",
    event_id: str | None = None,
):
    return slack.event(
        {
            "type": "message",
            "channel": channel,
            "user": user,
            "user_team": team,
            "team": team,
            "text": text_,
            "ts": ts,
            "thread_ts": thread_ts,
        },
        event_id=event_id,
    )


def escalation_values(**overrides) -> dict:
    values = {
        "title": text("Tier-2 tickets breaching SLA"),
        "severity": select("P2"),
        "category": select("timeliness"),
        "description": text("Since Monday, tier-2 tickets wait 3 days for a first answer."),
        "impact": text("Three enterprise customers complained."),
    }
    values.update(overrides)
    return values


def raise_escalation(
    slack, fake, app, *, user: str = "ULEAD", team: str = "T_HOME", channel: str = "C_PARTNER", **overrides
) -> int:
    """Raise through the modal as `user`; returns the escalation's number once its message is posted."""
    before, told = count(app, Escalation), len(fake.calls_to("chat.postEphemeral"))
    response = slack.submit(
        "escalation_raise",
        escalation_values(**overrides),
        user=user,
        team=team,
        private_metadata=json.dumps({"channel_id": channel}),
    )
    assert response.status == 200 and response.body == "", response.body
    eventually(
        lambda: count(app, Escalation, Escalation.message_ts.is_not(None)) == before + 1, what="escalation posted"
    )
    fake.wait_for("chat.postEphemeral", count=told + 1)  # the raiser is told: the last step of raising
    return before + 1


def checkin_posts(fake, channel: str = "C_PARTNER") -> list:
    """Check-in messages: top-level posts in the channel carrying the check-in's Post update button."""
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.args.get("channel") == channel
        and not c.args.get("thread_ts")
        and '"checkin_answer"' in json.dumps(c.args.get("blocks"))
    ]


def nudge_dms(fake) -> list[str]:
    """Users nudged by DM about a check-in."""
    return [
        c.args["channel"]
        for c in fake.calls_to("chat.postMessage")
        if c.args["channel"].startswith("U") and c.args["text"].startswith("Reminder:")
    ]


def set_feedback_cycle(slack, fake, app, weeks: str, anonymity: str = "attributed", channel: str = "C_PARTNER"):
    """A lead sets feedback cycles through `/partner feedback cycle` (weeks "0" turns them off)."""
    slack.command("feedback cycle", channel=channel)
    fake.wait_for("views.open")
    response = slack.submit(
        "feedback_cycle",
        {"weeks": select(weeks), "anonymity": radio(anonymity)},
        private_metadata=json.dumps({"channel_id": channel}),
    )
    assert response.status == 200 and response.body == "", response.body
    expected = (int(weeks), anonymity == "anonymous")
    with_setting = (Partnership.feedback_weeks == expected[0], Partnership.feedback_anonymous.is_(expected[1]))
    eventually(
        lambda: count(app, Partnership, Partnership.channel_id == channel, *with_setting) == 1, what="cycle saved"
    )
    fake.wait_for("chat.postMessage")
    fake.reset()


def feedback_values(
    quality=4, communication=4, responsiveness=4, proactivity=4, recommend=8, working="", change="", self_change=""
) -> dict:
    return {
        "quality": select(str(quality)),
        "communication": select(str(communication)),
        "responsiveness": select(str(responsiveness)),
        "proactivity": select(str(proactivity)),
        "recommend": select(str(recommend)),
        "working": text(working),
        "change": text(change),
        "self_change": text(self_change),
    }


def give_feedback(slack, fake, app, *, user: str, team: str, **answers) -> None:
    """Press Give feedback (the card's button) and send the form, as a person of either company would."""
    opened, thanked = len(fake.calls_to("views.open")), len(fake.calls_to("chat.postEphemeral"))
    slack.click("card_give_feedback", value="C_PARTNER", user=user, team=team)
    modal = fake.wait_for("views.open", opened + 1)[opened].args["view"]
    response = slack.submit(
        "feedback_form", feedback_values(**answers), private_metadata=modal["private_metadata"], user=user, team=team
    )
    assert response.status == 200 and response.body == "", response.body
    fake.wait_for("chat.postEphemeral", thanked + 1)  # the thank-you comes after the answer is stored
