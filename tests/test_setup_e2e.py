"""Setting a channel up as a partnership, end to end through signed HTTP and the fake Web API."""

import json

from sqlalchemy import func, select

from bot.partnerships.models import Member, Partnership
from tests.harness.flows import setup_values
from tests.harness.slack_driver import checks, text
from tests.harness.waiting import eventually

META = json.dumps({"channel_id": "C_PARTNER"})


def count(app, model) -> int:
    with app.runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_setup_opens_modal_then_posts_and_pins_the_card(slack, fake, app):
    response = slack.command("setup")
    assert response.status == 200
    view = fake.next("views.open")
    assert view["trigger_id"].startswith("trigger-")
    assert view["view"]["callback_id"] == "partnership_setup"
    assert {b["block_id"] for b in view["view"]["blocks"]} >= {
        "name",
        "client_org",
        "vendor_org",
        "home_side",
        "timezone",
        "business_days",
    }

    assert slack.submit_view(view["view"], setup_values()).status == 200
    pin = fake.wait_for("pins.add")[0]
    card, charter = fake.wait_for("chat.postMessage", 2)
    assert card.args["channel"] == "C_PARTNER"
    assert pin.args["channel"] == "C_PARTNER"
    buttons = [e["text"]["text"] for b in card.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Post update", "Give feedback", "Raise escalation", "Kudos", "Status", "Share a decision"]
    assert charter.args["thread_ts"]  # the charter is shown under the card
    assert "P1 critical: acknowledge within 30 min, resolve within 8 h" in json.dumps(charter.args["blocks"])
    eventually(lambda: count(app, Partnership) == 1, what="partnership committed")

    with app.runtime.db.session() as session:
        partnership = session.scalar(select(Partnership))
        assert (partnership.name, partnership.client_org, partnership.vendor_org) == (
            "Acme support with Globex",
            "Acme",
            "Globex",
        )
        assert partnership.home_side == "client" and partnership.home_team_id == "T_HOME"
        assert partnership.governance_channel_id == "C_GOV"
        assert partnership.business_days == [1, 2, 3, 4, 5]
        assert partnership.card_ts == pin.args["timestamp"]
        # Whoever set it up leads their side; everyone else in the channel is a member of their company's side.
        assert {m.user_id: (m.side, m.role) for m in partnership.members} == {
            "ULEAD": ("client", "lead"),
            "UHOME2": ("client", "member"),
            "UHOME3": ("client", "member"),
            "UEXT1": ("vendor", "member"),
            "UEXT2": ("vendor", "member"),
            "UEXT3": ("vendor", "member"),
        }


def test_setup_modal_errors_are_shown_and_nothing_is_stored(slack, fake, app):
    response = slack.submit(
        "partnership_setup",
        setup_values(name=text("  "), timezone=text("Mars/Olympus"), business_days=checks([])),
        private_metadata=META,
    )
    assert response.status == 200
    body = response.json
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"name", "timezone", "business_days"}
    assert "Mars/Olympus" in body["errors"]["timezone"]
    assert count(app, Partnership) == 0
    assert fake.calls_to("chat.postMessage") == []


def test_setup_where_the_bot_cannot_post_changes_nothing_and_tells_the_user(slack, fake, app):
    fake.error("chat.postMessage", "not_in_channel")
    slack.submit("partnership_setup", setup_values(), private_metadata=META)
    [dm] = fake.wait_for("chat.postMessage")  # the refused card is in fake.attempts only
    assert dm.args["channel"] == "ULEAD"
    assert "/invite @partnerbot" in dm.args["text"] and "not_in_channel" in dm.args["text"]
    assert count(app, Partnership) == 0 and count(app, Member) == 0
    assert fake.calls_to("pins.add") == []


def test_card_post_rate_limited_is_retried_and_posted_once(slack, fake, app):
    fake.fail("chat.postMessage", 429, retry_after=0)
    slack.submit("partnership_setup", setup_values(), private_metadata=META)
    fake.wait_for("pins.add", timeout=10)
    card_attempts = [c for c in fake.attempts if c.method == "chat.postMessage" and "thread_ts" not in c.args]
    cards = [c for c in fake.calls_to("chat.postMessage") if "thread_ts" not in c.args]
    assert len(card_attempts) == 2 and len(cards) == 1
    eventually(lambda: count(app, Partnership) == 1, what="partnership stored")


def test_user_text_is_escaped_on_the_card(slack, fake):
    slack.submit("partnership_setup", setup_values(name=text("Ops <!channel> & <@UEXT1>")), private_metadata=META)
    card = fake.wait_for("chat.postMessage")[0]
    rendered = json.dumps(card.args["blocks"])
    assert "<!channel>" not in rendered and "<@UEXT1>" not in rendered
    assert "Ops &lt;!channel&gt; &amp; &lt;@UEXT1&gt;" in rendered


def test_rerunning_setup_is_for_leads_and_updates_the_card(slack, fake, app, partnership):
    refused = slack.command("setup", user="UHOME2")
    assert "Only leads" in refused.text
    assert fake.calls_to("views.open") == []

    slack.command("setup")
    modal = slack.next_modal()
    name_block = next(b for b in modal["blocks"] if b["block_id"] == "name")
    assert name_block["element"]["initial_value"] == "Acme support with Globex"
    slack.submit(
        "partnership_setup",
        setup_values(name=text("Acme x Globex"), timezone=text("America/New_York")),
        private_metadata=META,
    )
    update = fake.wait_for("chat.update")[0]
    assert "Acme x Globex" in json.dumps(update.args["blocks"])
    assert fake.calls_to("pins.add") == []

    def timezone():
        with app.runtime.db.session() as session:
            return session.scalar(select(Partnership.timezone))

    eventually(lambda: timezone() == "America/New_York", what="settings saved")


def test_a_refused_pin_does_not_undo_the_setup(slack, fake, app):
    fake.error("pins.add", "no_permission")
    slack.submit("partnership_setup", setup_values(), private_metadata=META)
    fake.wait_for("chat.postMessage", 2)  # the card, then the charter under it
    eventually(lambda: count(app, Partnership) == 1, what="partnership committed")
    assert fake.calls_to("pins.add") == [] and [c.method for c in fake.attempts].count("pins.add") == 1
