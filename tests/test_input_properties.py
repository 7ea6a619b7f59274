"""Whatever a person types or submits, partnerbot answers with a clear error (nothing changed) or does it:
never a 500, never a listener failing behind the ack. Every declared subcommand and every form the app
opens is driven with arbitrary text (hypothesis), in process for speed (tests/harness/in_process.py);
test_input_e2e.py sends a smaller sample, and malformed bodies, through real signed HTTP."""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import bot
from bot.models import Appraisal, Checkin, Decision, Escalation, FeedbackPoint, IncentiveReview, Partnership
from bot.numbering import LARGEST_NUMBER
from handlers.commands import ROUTER
from tests.harness.flows import add_rhythm, give_feedback, raise_escalation, set_feedback_cycle, set_up_partnership
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


UTC = timezone.utc
SETUP = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday; London is on UTC in winter
FEEDBACK_OPENS = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # the Monday after setup, two-weekly cycles
FEEDBACK_REPORTED = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
REVIEW_CLOSED = datetime(2026, 12, 21, 15, 0, tzinfo=UTC)  # five business days after the review opened
QUALITY_FIRST = {"rank_1": "quality", "rank_2": "speed", "rank_3": "cost", "rank_4": "innovation"}
KPI = {
    "name": "Backlog",
    "unit": "tickets",
    "target": "100",
    "direction": "lower",
    "amber_percent": "10",
    "reporting_side": "client",
    "period": "weekly",
}


@pytest.fixture
def world(db_url, fake, clock):
    """A partnership with one of everything a form is about, set up in process; yields (app, driver). What
    needs time to pass comes first (a feedback cycle's report and its points, an incentive review's report and
    its points), then, at the final moment, what is open now: a second review, a KPI, a decision, an appraisal,
    an escalation referred to the council, a rhythm and its check-in, an escalation, a milestone."""
    clock.set(SETUP)
    app = InProcessApp(database_url=db_url, api_url=fake.api_url, clock=clock)
    slack = InProcessDriver(app, fake)
    set_up_partnership(slack, fake, app)
    for words in ("role <@UEXT1> lead", "role <@UHOME3> sponsor"):
        slack.command(words)
    set_feedback_cycle(slack, fake, app, "2")
    _at(clock, app, FEEDBACK_OPENS)
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT", change="Share the roadmap earlier")
    _at(clock, app, FEEDBACK_REPORTED)
    slack.command("incentives run")
    _answer_review(slack, app)
    _at(clock, app, REVIEW_CLOSED)  # the review's report: the vendor side was silent, a point to act on
    slack.command("incentives run")  # a review open now
    slack.command("kpi add")
    assert slack.submit_view(slack.next_modal(), KPI).body == ""
    slack.command("decision Move weekend cover to Manila")
    decision = {"what": "Move weekend cover to Manila", "why": "Cover", "scope": "within", "window_days": "2"}
    assert slack.submit_view(slack.next_modal(), decision).body == ""
    slack.command("appraisal run")
    raise_escalation(slack, fake, app)  # the first escalation: assigned, resolved, updated... by the forms
    raise_escalation(slack, fake, app, user="UEXT2", team="T_EXT")  # the second: referred to the council
    slack.click("esc_refer", value=str(_ids(app, Escalation)[1]), user="UEXT1", team="T_EXT")
    slack.command('milestone add "Go-live" 2027-02-01')
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    fake.reset()
    app.forms = _forms(app, slack, fake)  # opened before anything else moves on
    yield app, slack
    app.stop()


def _at(clock, app, moment: datetime) -> None:
    clock.set(moment)
    app.scheduler.tick()


def _ids(app, model) -> list[int]:
    with app.runtime.db.session() as session:
        return list(session.scalars(select(model.id).order_by(model.id)))


def _answer_review(slack, app) -> None:
    [review] = _ids(app, IncentiveReview)
    slack.fake.reset()
    slack.click("incentive_review_answer", value=str(review))
    assert slack.fake.calls_to("views.open"), [c.args for c in slack.fake.calls_to("response_url")]
    answer = {"still_wanted": "yes", **QUALITY_FIRST}
    assert slack.submit_view(slack.next_modal(), answer).body == ""


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
    posted = fake.calls_to("chat.postMessage")  # kudos: the post in the channel is the answer
    assert response.text or later or fake.calls_to("views.open") or posted, "no answer at all"
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


# How a person gets each form open in the world above: a command, or a button and the value it carries (and
# who, when it is not the client lead).
def _openers(app) -> list:
    checkin = str(_ids(app, Checkin)[-1])
    escalation, referred = (str(i) for i in _ids(app, Escalation))
    [decision], [appraisal], point = _ids(app, Decision), _ids(app, Appraisal), _ids(app, FeedbackPoint)[0]
    closed, open_review = _ids(app, IncentiveReview)
    with app.runtime.db.session() as session:
        partnership = session.scalar(select(Partnership.id))
    vendor = ("UEXT1", "T_EXT")
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
        ("click", "feedback_point_action", str(point)),
        ("click", "kpi_enter_actuals", f"{partnership}|client|weekly|2026-12-14"),
        ("click", "incentive_review_answer", str(open_review)),
        ("click", "incentive_point_action", f"{closed}:0", *vendor),
        ("click", "appraisal_fill", str(appraisal)),
        ("command", "appraisal record"),
        ("click", "esc_council_decision", referred),
        ("click", "decision_not_aligned", str(decision), *vendor),
        ("click", "decision_amend", str(decision)),
        ("click", "home_open_escalation", escalation),
        ("click", "home_open_decision", str(decision)),
    ]


def _forms(app, slack, fake) -> dict[str, dict]:
    views = {}
    for opener in _openers(app):
        if opener[0] == "command":
            slack.command(opener[1])
        else:
            slack.click(opener[1], value=opener[2], **dict(zip(("user", "team"), opener[3:], strict=False)))
        opened = fake.calls_to("views.open")
        assert opened, f"{opener} opened no form: {[c.args.get('text') for c in fake.calls_to('response_url')]}"
        view = opened[-1].args["view"]
        views[view["callback_id"]] = view
        fake.reset()
    return views


def _submittable(views: dict[str, dict]) -> list[str]:
    """The forms a person can send: a view without a submit button (the Home's escalation and decision views)
    only shows, and Slack sends nothing back for it; those are driven by what opens them (below)."""
    return sorted(callback for callback, view in views.items() if view.get("submit"))


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


def test_every_form_is_driven_here(world, fake):
    app, slack = world
    assert set(app.forms) == _callback_ids()
    assert set(app.forms) - set(_submittable(app.forms)) == {"home_escalation_view", "home_decision_view"}


@settings(PROPERTY_SETTINGS, max_examples=FEW)
@given(data=st.data())
def test_every_form_with_any_input_answers_inline_or_does_it(world, fake, failures, data):
    app, slack = world
    views = app.forms
    callback = data.draw(st.sampled_from(_submittable(views)), label="form")
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
    callback = data.draw(st.sampled_from(_submittable(app.forms)), label="form")
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


# What the Home's view-only forms are opened with: the button's value, which a stale Home or a forged request
# may carry anything in.
BUTTON_VALUES = st.one_of(
    st.sampled_from(["0", "-1", "1", "2", "2147483648", "99999999999999999999", "", "x", "1|2", "²", "\x00"]),
    st.text(max_size=20),
)


@settings(PROPERTY_SETTINGS, max_examples=FEW)
@given(data=st.data())
def test_the_homes_views_open_for_any_button_value_or_say_why_not(world, fake, failures, data):
    """The Home's escalation and decision views only show: whatever their button carries, the view opens or the
    person is told why not, never a failure, and nothing changes (opening a view records nothing)."""
    app, slack = world
    action = data.draw(st.sampled_from(["home_open_escalation", "home_open_decision"]), label="button")
    own = str(_ids(app, Escalation if action == "home_open_escalation" else Decision)[0])
    value = data.draw(st.one_of(st.just(own), BUTTON_VALUES), label="value")
    user, team = data.draw(st.sampled_from([("ULEAD", "T_HOME"), ("UEXT2", "T_EXT"), ("UNOBODY", "T_HOME")]))
    before = snapshot(app)
    response = slack.click(action, value=value, user=user, team=team)
    assert response.status == 200, response.body
    assert failures.seen == []
    opened = fake.calls_to("views.open")
    told = [c.args.get("text", "") for c in fake.calls_to("response_url")]
    assert opened or any(t.strip() for t in told), "neither opened nor told"
    if opened:
        assert opened[-1].args["view"]["callback_id"] in {"home_escalation_view", "home_decision_view"}
    assert set(changes(before, snapshot(app))) <= ROSTER_TABLES
    fake.reset()


def test_a_form_whose_state_names_a_number_beyond_the_database_is_refused(world, fake, failures):
    """Every form whose state carries an id or an index, given one the database cannot hold (PostgreSQL refuses
    to compare with 2³¹, SQLite with 10²⁰): refused as out of date, never a failure, nothing changed."""
    app, slack = world
    tried = 0
    for callback in _submittable(app.forms):
        view = app.forms[callback]
        state = json.loads(view.get("private_metadata") or "{}")
        for field in [name for name, value in state.items() if isinstance(value, int) and not isinstance(value, bool)]:
            for huge in (2**31, 10**20):
                tampered = {**view, "private_metadata": json.dumps({**state, field: huge})}
                before = snapshot(app)
                response = slack.submit_view(tampered, _plain_values(tampered))
                assert response.status == 200, (callback, field, response.body)
                assert failures.seen == [], (callback, field)
                assert set(changes(before, snapshot(app))) <= ROSTER_TABLES, (callback, field)
                tried += 1
                fake.reset()
    assert tried >= 10  # the forms about a row: check-in, escalation, decision, review, point, appraisal, KPI...


def _plain_values(view: dict) -> dict:
    """Every field filled in plainly: the first option of a choice, "x" in text, a date and a person."""
    values = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, field = block["element"], block["block_id"]
        options = [o["value"] for o in element.get("options", [])]
        kind = element["type"]
        values[field] = {
            "plain_text_input": "x",
            "number_input": "1",
            "static_select": options[0] if options else None,
            "radio_buttons": options[0] if options else None,
            "checkboxes": options[:1],
            "multi_static_select": options[:1],
            "users_select": "ULEAD",
            "multi_users_select": ["ULEAD"],
            "conversations_select": "C_GOV",
            "channels_select": "C_GOV",
            "datepicker": "2027-01-04",
            "timepicker": "09:00",
        }.get(kind)
    return values
