"""Block Kit for milestones."""

from __future__ import annotations

from datetime import date

from bot.milestones.models import Milestone
from bot.milestones.service import Landing
from bot.partnerships.models import Partnership
from bot.slack.forms import context, listing, section
from bot.slack.text import EVERYTHING, escape, mention, name_text


def owner_of(milestone: Milestone) -> str:
    return mention(milestone.owner_user) if milestone.owner_user else "no owner"


def added_text(milestone: Milestone, actor: str) -> str:
    return (
        f":triangular_flag_on_post: {mention(actor)} added milestone {milestone.number}: "
        f"*{name_text(milestone.name)}*, due {milestone.due_date.isoformat()} ({owner_of(milestone)}). "
        "Thank the people who help in this thread — they will be named when it lands."
    )


def milestone_list(milestones: list[Milestone], today: date) -> tuple[str, list[dict]]:
    if not milestones:
        return "No open milestones", [
            section('No open milestones. Add one: `/partner milestone add "Go-live" 2027-02-01 @owner`')
        ]
    lines = []
    for m in milestones:
        left = (m.due_date - today).days
        when = (
            f"in {left} day{'s' if left != 1 else ''}"
            if left > 0
            else "today"
            if left == 0
            else f":red_circle: {-left} day{'s' if left != -1 else ''} overdue"
        )
        moved = f", moved {len(m.moves)}×" if m.moves else ""
        lines.append(f"*{m.number}.* {name_text(m.name)} — due {m.due_date.isoformat()} ({when}), {owner_of(m)}{moved}")
    return "Milestones", [
        section("*Open milestones*"),
        *listing(lines, rest=EVERYTHING),
        context("`/partner milestone done N` · `move N YYYY-MM-DD` · `remove N` (owner or lead)"),
    ]


def plan_line(landing: Landing) -> str:
    days = landing.days_late
    when = (
        "right on the planned day"
        if days == 0
        else f"{-days} day{'s' if days != -1 else ''} early"
        if days < 0
        else f"{days} day{'s' if days != 1 else ''} late"
    )
    moved = (
        "never rescheduled"
        if landing.moves == 0
        else f"rescheduled {landing.moves} time{'s' if landing.moves != 1 else ''}"
    )
    return f"Landed {when} against the original plan ({landing.milestone.planned_date.isoformat()}), {moved}."


def celebration(partnership: Partnership, landing: Landing) -> tuple[str, list[dict]]:
    milestone = landing.milestone
    lines = [f":tada: *Milestone reached: {name_text(milestone.name)}*", f"Owner: {owner_of(milestone)}"]
    for side, people in landing.contributors.items():
        if people:
            lines.append(f"With {escape(partnership.org_of(side))} ({side}): {', '.join(mention(u) for u in people)}")
    lines.append(plan_line(landing))
    return f"Milestone reached: {name_text(milestone.name)}", [section("\n".join(lines))]


def reminder_text(milestone: Milestone, when: str) -> str:
    name = f"*{name_text(milestone.name)}* (milestone {milestone.number}, {owner_of(milestone)})"
    if when == "overdue":
        return (
            f":red_circle: {name} was due {milestone.due_date.isoformat()} and is not done. Mark it done, or move "
            f"it: `/partner milestone move {milestone.number} YYYY-MM-DD`."
        )
    days = 7 if when == "7d" else 1
    return f":calendar: {name} is due in {days} day{'s' if days > 1 else ''}, on {milestone.due_date.isoformat()}."


def status_line(upcoming: list[Milestone], today: date) -> str:
    """`/partner status`: the next few open milestones, overdue ones flagged."""
    if not upcoming:
        return "Next milestones: none (`/partner milestone add`)"
    return "Next milestones: " + " · ".join(
        f"{name_text(m.name)} {m.due_date.isoformat()}" + (" :red_circle: overdue" if m.due_date < today else "")
        for m in upcoming
    )


def added_reply(number: int) -> str:
    return f"Milestone {number} added."


def done_reply(milestone: Milestone) -> str:
    return f"Milestone {milestone.number} is done. :tada:"


def moved_reply(milestone: Milestone) -> str:
    return f"Milestone {milestone.number} is now due {milestone.due_date.isoformat()}."


def removed_reply(milestone: Milestone) -> str:
    return f"Milestone {milestone.number} removed."
