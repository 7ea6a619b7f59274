"""Block Kit for actions."""

from __future__ import annotations

from datetime import date

from bot.actions.models import Action
from bot.partnerships.models import Partnership
from bot.slack.forms import context, listing, section
from bot.slack.text import EVERYTHING, channel_link, mention, name_text


def owner_text(action: Action) -> str:
    return mention(action.owner_user) if action.owner_user else "the leads"


def action_line(action: Action, today: date) -> str:
    overdue = f" :red_circle: overdue {(today - action.due_date).days}d" if action.due_date < today else ""
    due = action.due_date.isoformat()
    return f"*{action.number}.* {name_text(action.title)} — {owner_text(action)}, due {due}{overdue}"


def actions_list(open_actions: list[Action], today: date) -> tuple[str, list[dict]]:
    if not open_actions:
        return "No open actions", [section("No open actions.")]
    lines = [action_line(action, today) for action in open_actions]
    blocks = [section("*Open actions*"), *listing(lines, rest=EVERYTHING)]
    blocks.append(context("The owner or a lead closes one with `/partner action done N`."))
    return "Open actions", blocks


def action_closed_text(user_id: str, action: Action) -> str:
    return f":white_check_mark: {mention(user_id)} closed action {action.number}: {name_text(action.title)}"


def overdue_text(partnership: Partnership, action: Action) -> str:
    return (
        f":hourglass: Action {action.number} in {channel_link(partnership.channel_id)} is overdue (it was due "
        f"{action.due_date.isoformat()}, owner {owner_text(action)}): {name_text(action.title)}. "
        f"Close it with `/partner action done {action.number}` when it is done."
    )


def status_line(opened: int, overdue: int) -> str:
    """`/partner status`: how many actions are open, and how many of those overdue."""
    return (
        f"Open actions: {opened}"
        + (f" ({overdue} overdue :red_circle:)" if overdue else "")
        + (" — `/partner actions`" if opened else "")
    )


def action_done_reply(action: Action) -> str:
    return f"Action {action.number} is done."
