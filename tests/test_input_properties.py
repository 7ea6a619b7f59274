"""Whatever a person types or submits, partnerbot answers with a clear error (nothing changed) or does it:
never a 500, never a listener failing behind the ack. Every declared subcommand and every form the app
opens is driven with arbitrary text (hypothesis), in process for speed (tests/harness/in_process.py);
test_input_e2e.py sends a smaller sample, and malformed bodies, through real signed HTTP."""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import bot
from bot.models import Checkin, Escalation
from bot.numbering import LARGEST_NUMBER
from handlers.commands import ROUTER
from tests.harness.flows import add_rhythm, raise_escalation, set_up_partnership
from tests.harness.in_process import InProcessApp, InProcessDriver
from tests.harness.tables import changes, snapshot

# Words people type by mistake or on purpose: numbers of every kind, dates at the edges, mentions,
# Slack's entities and references, mrkdwn, control characters, and very long text.
NASTY = [
    "0",
    "0.001",
    "0.5",
    "1e400",
    "nan",
    "inf",
    "1",
    "2",
    "-1",
    "1.5",
    "²",
    "①",
    "٣",
    "１",
    str(LARGEST_NUMBER),
    str(LARGEST_NUMBER + 1),
    "99999999999999999999",
    "1e9",
    "2026-12-24",
    "2027-02-01",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "1999-12-31",
    "<@UEXT1>",
    "<@UEXT1|sam>",
    "<@UNOBODY>",
    "<@UBOT>",
    "<!channel>",
    "<!here>",
    "<#C_PARTNER|partner>",
    "<https://example.com|x>",
    "&amp;",
    "R&amp;D",
    "&lt;b&gt;",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202e",
    "*bold*",
    "_x_",
    "~x~",
    "`x`",
    "```",
    "> quote",
    '"quoted name"',
    '"',
    "client",
    "vendor",
    "lead",
    "sponsor",
    "P1",
    "all",
    "open",
    "off",
    "x" * 3100,
]
WORD = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
ARGUMENTS = st.lists(WORD, max_size=4).map(" ".join)
FIELD_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.just(""), st.none())
FEW = 120  # examples of each form property: each submission snapshots every table twice
PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def world(db_url, fake, clock):
    """A partnership with one of most things (a rhythm and its check-in, an escalation, a milestone), set up
    in process; yields (app, driver)."""
    app = InProcessApp(database_url=db_url, api_url=fake.api_url, clock=clock)
    slack = InProcessDriver(app, fake)
    set_up_partnership(slack, fake, app)
    for words in ("role <@UEXT1> lead", "role <@UHOME3> sponsor", 'milestone add "Go-live" 2027-02-01'):
        slack.command(words)
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    raise_escalation(slack, fake, app)
    fake.reset()
    app.forms = _forms(app, slack, fake)  # opened before anything else moves on
    yield app, slack
    app.stop()


def _refused(texts: list[str]) -> bool:
    return any(t.startswith(":warning:") for t in texts)


@PROPERTY_SETTINGS
@given(sub=st.sampled_from(ROUTER.subcommands), arguments=ARGUMENTS, as_lead=st.booleans())
def test_every_subcommand_with_any_arguments_answers_clearly(world, fake, failures, sub, arguments, as_lead):
    app, slack = world
    before, answered = snapshot(app), len(fake.calls_to("response_url"))
    user, team = ("ULEAD", "T_HOME") if as_lead else ("UHOME2", "T_HOME")
    response = slack.command(f"{' '.join(sub.words)} {arguments}", user=user, team=team)
    assert response.status == 200, response.body
    assert failures.seen == []
    later = [c.args.get("text", "") for c in fake.calls_to("response_url")[answered:]]
    assert response.text or later or fake.calls_to("views.open"), "no answer at all"
    if _refused([response.text, *later]):
        assert changes(before, snapshot(app)) == {}
    fake.reset()


def _callback_ids() -> set[str]:
    """Every form callback id the areas declare (each area's `ids.Form`): a new form is driven here or named."""
    found: set[str] = set()
    for area in pkgutil.iter_modules(bot.__path__):
        if area.ispkg and importlib.util.find_spec(f"bot.{area.name}.ids"):
            found.update(getattr(importlib.import_module(f"bot.{area.name}.ids"), "Form", ()))
    return found


# How a person gets each form open in the world above: a command, or a button and the value it carries.
def _openers(app) -> list:
    with app.runtime.db.session() as session:
        checkin = str(session.scalar(select(Checkin.id)))
        escalation = str(session.scalar(select(Escalation.id)))
    return [
        ("command", "setup"),
        ("click", "charter_edit", "C_PARTNER"),
        ("command", "rhythm add"),
        ("click", "checkin_answer", checkin),
        ("command", "escalate"),
        ("click", "esc_assign", escalation),
        ("click", "esc_resolve", escalation),
        ("click", "esc_duplicate", escalation),
        ("click", "esc_update", escalation),
        ("command", "feedback cycle"),
        ("click", "card_give_feedback", "C_PARTNER"),
        ("click", "card_kudos", "C_PARTNER"),
        ("command", "decision"),
        ("command", "kpi add"),
        ("command", "incentives edit"),
        ("command", "appraisal schedule"),
    ]


def _forms(app, slack, fake) -> dict[str, dict]:
    views = {}
    for opener in _openers(app):
        if opener[0] == "command":
            slack.command(opener[1])
        else:
            slack.click(opener[1], value=opener[2])
        opened = fake.calls_to("views.open")
        assert opened, f"{opener} opened no form: {[c.args.get('text') for c in fake.calls_to('response_url')]}"
        view = opened[-1].args["view"]
        views[view["callback_id"]] = view
        fake.reset()
    return views


# Forms this world does not open: those that need time to pass or more to happen first (a cycle's report, a
# period's close, a council referral, a decision objected to) are driven by their own e2e tests, not here;
# the Home's escalation and decision views only show, with nothing to submit.
NOT_DRIVEN_HERE = {
    "feedback_action",
    "kpi_actuals_form",
    "incentive_review_form",
    "incentive_action_form",
    "appraisal_form",
    "appraisal_record",
    "esc_council_decision_form",
    "decision_reason_form",
    "decision_amend_form",
    "home_escalation_view",
    "home_decision_view",
}


def _values(view: dict, data) -> dict:
    """Arbitrary input of the kinds Slack lets through: any text in text inputs (within their max_length),
    any option in choices, and nothing missing from a field that is not optional (Slack requires those)."""
    values = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, field, optional = block["element"], block["block_id"], block.get("optional", False)
        options = [o["value"] for o in element.get("options", [])]
        kind = element["type"]
        if kind in ("plain_text_input", "number_input"):
            typed = data.draw(FIELD_TEXT, label=field) or ""
            typed = typed[: element.get("max_length", 3000)]
            values[field] = typed if typed.strip() or optional else "x"
        elif kind in ("static_select", "radio_buttons"):
            values[field] = data.draw(st.sampled_from([*options, *([""] if optional else [])]), label=field)
        elif kind in ("checkboxes", "multi_static_select"):
            chosen = st.lists(st.sampled_from(options), unique=True, min_size=0 if optional else 1)
            values[field] = data.draw(chosen, label=field)
        elif kind in ("users_select", "multi_users_select"):
            people = st.sampled_from(["ULEAD", "UEXT1", "UBOT", "UNOBODY"])
            one = data.draw(st.one_of(people, st.none()) if optional else people, label=field)
            values[field] = ([one] if one else []) if kind.startswith("multi") else one
        elif kind in ("conversations_select", "channels_select"):
            channels = ["C_GOV", "C_PARTNER", "CNOPE", *([None] if optional else [])]
            values[field] = data.draw(st.sampled_from(channels), label=field)
        elif kind == "datepicker":
            days = ["2027-01-04", "2026-11-02", "2100-12-31", *([None] if optional else [])]
            values[field] = data.draw(st.sampled_from(days), label=field)
        elif kind == "timepicker":
            values[field] = data.draw(st.sampled_from(["09:00", "23:59", "00:00"]), label=field)
    return values


def test_every_form_is_driven_here_or_named_as_not(world, fake):
    app, slack = world
    opened = set(app.forms)
    assert opened | NOT_DRIVEN_HERE == _callback_ids() and not opened & NOT_DRIVEN_HERE


@settings(PROPERTY_SETTINGS, max_examples=FEW)
@given(data=st.data())
def test_every_form_with_any_input_answers_inline_or_does_it(world, fake, failures, data):
    app, slack = world
    views = app.forms
    callback = data.draw(st.sampled_from(sorted(views)), label="form")
    view = views[callback]
    user, team = data.draw(st.sampled_from([("ULEAD", "T_HOME"), ("UEXT2", "T_EXT")]), label="who")
    before = snapshot(app)
    response = slack.submit_view(view, _values(view, data), user=user, team=team)
    assert response.status == 200, response.body
    assert failures.seen == []
    if response.body:
        answer = response.json
        assert answer["response_action"] == "errors" and answer["errors"], answer
        assert set(answer["errors"]) <= {b.get("block_id") for b in view["blocks"]}
        assert all(isinstance(e, str) and e for e in answer["errors"].values())
        assert changes(before, snapshot(app)) == {}
    fake.reset()


METADATA = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "{}",
            "[]",
            "null",
            '{"channel_id": 5}',
            '{"channel_id": "CNOPE"}',
            '{"checkin_id": -1}',
            '{"escalation_id": 2147483648}',
            '{"escalation_id": "1"}',
            '{"channel_id": "C_PARTNER", "x": 1}',
        ]
    ),
    st.dictionaries(
        st.sampled_from(
            [
                "channel_id",
                "checkin_id",
                "escalation_id",
                "decision_id",
                "kpi_id",
                "review_id",
                "appraisal_id",
                "cycle_id",
                "point",
                "anonymous",
                "period",
                "side",
            ]
        ),
        st.one_of(st.integers(), st.text(max_size=8), st.booleans(), st.none()),
    ).map(json.dumps),
)


ROSTER_TABLES = {"roster_refreshes", "roster_entries"}


@settings(PROPERTY_SETTINGS, max_examples=FEW)
@given(data=st.data())
def test_tampered_forms_are_refused(world, fake, failures, data):
    """A form whose private_metadata was altered (Slack hands it back as we wrote it, so this is a stale or
    forged form): a clear inline error or an ephemeral one, never a 500, and nothing changed."""
    app, slack = world
    callback = data.draw(st.sampled_from(sorted(app.forms)), label="form")
    view = {**app.forms[callback], "private_metadata": data.draw(METADATA, label="private_metadata")}
    before = snapshot(app)
    response = slack.submit_view(view, _values(view, data))
    assert response.status == 200, response.body
    assert failures.seen == []
    told = [c.args.get("text", "") for m in ("chat.postEphemeral", "chat.postMessage") for c in fake.calls_to(m)]
    if response.body or _refused(told):
        changed = changes(before, snapshot(app))
        # The roster is a copy of Slack's channel members, refreshed for whatever channel a request names
        # (handlers.people.rosters_first); refreshing it is not a change anyone asked for.
        assert set(changed) <= {"roster_refreshes", "roster_entries"}, changed
    fake.reset()
