"""Block Kit for feedback: the form, the cycle settings, the asks and the cycle report."""

from __future__ import annotations

from datetime import date

from bot.actions.blocks import owner_text
from bot.feedback.cycles import WEEK_CHOICES
from bot.feedback.ids import Action, CycleState, Form, GiveState, PointState
from bot.feedback.models import DIMENSIONS, POINT_KINDS, FeedbackCycle, FeedbackPoint
from bot.feedback.service import ANONYMITY_THRESHOLD, Direction, LatestScores, Report, perception_gap
from bot.partnerships.models import Partnership, other_side
from bot.slack.forms import (
    button,
    clip,
    context,
    datepicker,
    modal,
    option,
    radio_buttons,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.slack.text import date_token, escape, mention, name_text
from bot.workdays import local_date

SILENCE = "silence might mean disengagement, not perfection"
GIVE_BUTTON = ("Give feedback", Action.GIVE)


def _rating(block_id: str, label: str, low: int, high: int) -> dict:
    return static_select(block_id, label, [option(str(n), str(n)) for n in range(low, high + 1)])


def feedback_modal(partnership: Partnership, side: str, cycle: FeedbackCycle) -> dict:
    them = partnership.org_of(other_side(side))
    blocks = [
        section(
            f"About *{escape(them)}* this cycle. "
            + (
                "Answers are anonymous to the other side: no names are stored or shown."
                if cycle.anonymous
                else "Your name is shown with your written points."
            )
        )
    ]
    for dimension in DIMENSIONS:
        blocks.append(_rating(dimension, f"{dimension.title()} of {them[:40]} (1-5)", 1, 5))
    blocks += [
        text_input("working", "What's working?", multiline=True, optional=True, max_length=2000),
        text_input("change", "What should change?", multiline=True, optional=True, max_length=2000),
        text_input(
            "self_change", "What should we (my side) do differently?", multiline=True, optional=True, max_length=2000
        ),
        _rating("recommend", f"Would you recommend working with {them[:40]}? (0-10)", 0, 10),
    ]
    return modal(
        Form.GIVE,
        "Give feedback",
        blocks,
        submit="Send",
        private_metadata=GiveState(cycle_id=cycle.id, anonymous=cycle.anonymous).dump(),
    )


def cycle_modal(partnership: Partnership) -> dict:
    weeks = [option("Off" if n == 0 else f"Every {n} week{'s' if n > 1 else ''}", str(n)) for n in WEEK_CHOICES]
    anonymity = [
        option("Attributed: names shown with written points", "attributed"),
        option("Anonymous to the other side", "anonymous"),
    ]
    blocks = [
        static_select("weeks", "Feedback cycle", weeks, initial=str(partnership.feedback_weeks)),
        radio_buttons(
            "anonymity",
            "Answers are",
            anonymity,
            initial="anonymous" if partnership.feedback_anonymous else "attributed",
        ),
        context(
            f"Anonymous: the other side sees a side's scores only when at least {ANONYMITY_THRESHOLD} of its "
            "people answered, and written points without names. A change applies from the next cycle."
        ),
    ]
    return modal(
        Form.CYCLE, "Feedback cycles", blocks, private_metadata=CycleState(channel_id=partnership.channel_id).dump()
    )


def ask_blocks(partnership: Partnership, cycle: FeedbackCycle) -> tuple[str, list[dict]]:
    text = (
        f"Feedback cycle {cycle.number} of *{name_text(partnership.name)}* is open until "
        f"{date_token(cycle.closes_at)}: how is the partnership going? It takes two minutes."
    )
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": "feedback_ask",
            "elements": [button(GIVE_BUTTON[0], GIVE_BUTTON[1], value=str(cycle.id), style="primary")],
        },
    ]


def _direction_text(partnership: Partnership, direction: Direction) -> str:
    giver, about = partnership.org_of(direction.giver), partnership.org_of(other_side(direction.giver))
    head = f"*{escape(giver)} → {escape(about)}* ({direction.giver} about {other_side(direction.giver)})"
    if direction.answers == 0:
        return f"{head}: :zipper_mouth_face: no feedback this cycle — {SILENCE}."
    if direction.hidden:
        return (
            f"{head}: {direction.answers} answer(s) — scores stay hidden until at least "
            f"{ANONYMITY_THRESHOLD} people answer, to keep them anonymous."
        )
    scores = " · ".join(f"{d} {direction.averages[d]:.1f}" for d in DIMENSIONS)
    trend = (
        ""
        if direction.trend is None
        else (
            f" ({'▲' if direction.trend > 0 else '▼' if direction.trend < 0 else '='}{abs(direction.trend):.1f} "
            "since last cycle)"
        )
    )
    return (
        f"{head}, {direction.answers} answer(s): {scores}\nOverall *{direction.overall:.1f}*/5{trend} · "
        f"would recommend {direction.averages['recommend']:.1f}/10"
    )


def report_blocks(partnership: Partnership, report: Report, today: date) -> tuple[str, list[dict]]:
    cycle = report.cycle
    blocks = [
        section(
            f":bar_chart: *Feedback cycle {cycle.number} report* — {name_text(partnership.name)} "
            f"({date_token(cycle.opens_at, '{date_short}')} – {date_token(cycle.closes_at, '{date_short}')})"
        )
    ]
    for direction in report.directions:
        blocks.append(section(_direction_text(partnership, direction)))
    gap = perception_gap(report)
    if gap is not None:
        client, vendor = (d.overall for d in report.directions)
        blocks.append(
            section(
                f"*Perception gap*: {escape(partnership.client_org)} rates the partnership "
                f"{client:.1f}, {escape(partnership.vendor_org)} {vendor:.1f} — a gap of {gap:.1f}."
            )
        )
    for kind, title in POINT_KINDS.items():
        points = sorted((p for p in report.points if p.kind == kind), key=lambda p: (p.side, p.text.lower()))
        if not points:
            continue
        blocks.append(section(f"*{title}*"))
        for point in points[:12]:  # a report stays inside Slack's 50 blocks
            who = "" if cycle.anonymous else f" — {mention(point.response.giver_user)}"
            again = f" :repeat: _raised again ({ordinal(point.times_raised)} time)_" if point.times_raised > 1 else ""
            blocks.append(
                section(  # the point gives way first, so who raised it and how often stay visible
                    f"• ({point.side}) {clip(escape(point.text), 2800)}{who}{again}",
                    accessory=button("Make action", Action.MAKE_ACTION, value=str(point.id)),
                )
            )
        if len(points) > 12:
            blocks.append(context(f"…and {len(points) - 12} more in `/partner feedback report`"))
    if report.open_actions:
        tz = partnership.timezone
        lines = [
            f"{a.number}. {name_text(a.title)} — {owner_text(a)}, "
            f"{(today - local_date(a.created_at, tz)).days} days old"
            + (" :red_circle: overdue" if a.due_date < today else "")
            for a in report.open_actions[:15]
        ]
        blocks.append(section("*Open actions*\n" + "\n".join(lines)))
    blocks.append(context("Leads: turn a point into an action with *Make action*."))
    return f"Feedback cycle {cycle.number} report", blocks[:50]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def repeat_text(cycle: FeedbackCycle, point: FeedbackPoint) -> str:
    return (
        f":repeat: Raised again ({ordinal(point.times_raised)} time) in feedback cycle {cycle.number}: "
        f"\u201c{escape(point.text)}\u201d. Consider turning it into an action (*Make action* on the report)."
    )


def silence_text(partnership: Partnership, side: str, sponsor_ids: list[str], lead_ids: list[str]) -> str:
    """A side silent two cycles running: its sponsors are called, or the leads when there are none."""
    who = " ".join(mention(u) for u in sponsor_ids) or "Leads " + " ".join(mention(u) for u in lead_ids)
    return (
        f":mute: {who}: {escape(partnership.org_of(side))} ({side}) gave no feedback two cycles in a row — {SILENCE}."
    )


def action_modal(point_id: int, text: str) -> dict:
    blocks = [
        text_input("title", "Action", initial=text, multiline=True, max_length=500),
        users_select("owner", "Owner"),
        datepicker("due_date", "Due date"),
    ]
    return modal(
        Form.MAKE_ACTION,
        "Make an action",
        blocks,
        submit="Create",
        private_metadata=PointState(point_id=point_id).dump(),
    )


def feedback_thanks_text(cycle_number: int) -> str:
    return f"Thank you: your feedback counts in cycle {cycle_number}."


def cycle_set_text(user_id: str, weeks: int, anonymous: bool) -> str:
    said = "off" if weeks == 0 else f"every {weeks} week(s), {'anonymous' if anonymous else 'attributed'}"
    return f"{mention(user_id)} set feedback cycles: {said}."


def action_made_text(user_id: str, action, title: str, owner_id: str) -> str:
    return (
        f":dart: {mention(user_id)} turned feedback into action {action.number}: {escape(title)} — "
        f"{mention(owner_id)}, due {action.due_date.isoformat()}."
    )


def status_line(scores: LatestScores | None) -> str:
    """`/partner status`: each direction's overall score in the last closed cycle, as its report showed it."""
    if scores is None:
        return "Feedback: no cycle has closed yet"
    parts = []
    for direction in scores.directions:
        score = (
            "silent"
            if direction.answers == 0
            else f"hidden (fewer than {ANONYMITY_THRESHOLD} answers)"
            if direction.hidden
            else f"{direction.overall:.1f}/5"
        )
        parts.append(f"{direction.giver} → {other_side(direction.giver)} {score}")
    return f"Feedback (cycle {scores.number}): " + " · ".join(parts)


NO_CYCLE = "No feedback cycle is running: a lead can turn them on with `/partner feedback cycle`."


def no_report_text() -> str:
    return "No feedback cycle has closed yet."


def action_not_created_text(reason: str) -> str:
    return f":warning: The action was not created: {reason}"


def running_cycle_text(
    partnership: Partnership, cycle: FeedbackCycle, answered: dict[str, int], people: dict[str, int]
) -> str:
    """`/partner feedback report` while a cycle runs: when it closes and how many of each side answered so far."""
    sides = " and ".join(
        f"{answered[side]} of {people[side]} {escape(partnership.org_of(side))} ({side})" for side in answered
    )
    return (
        f":hourglass_flowing_sand: *Feedback cycle {cycle.number} is running* until "
        f"{date_token(cycle.closes_at)}: so far {sides} people have answered. Its report comes when it closes."
    )
