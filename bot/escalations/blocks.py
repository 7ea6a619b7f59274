"""Block Kit for escalations: the channel message with its buttons, the modals, lists and notices."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.escalations.ids import Action, EscalationState, Form, RaiseState
from bot.escalations.lifecycle import ACTIVE, STATES, moves_from
from bot.escalations.models import CATEGORIES, ROOT_CAUSES, Escalation
from bot.escalations.service import Page, SeverityMetrics
from bot.partnerships.models import Partnership
from bot.partnerships.targets import SEVERITIES
from bot.slack.forms import button, context, modal, option, section, static_select, text_input, users_select
from bot.slack.text import SEVERITY_NAMES, channel_link, date_token, duration_text, escape, mention, name_text

ICONS = {"P1": ":rotating_light:", "P2": ":warning:", "P3": ":large_orange_diamond:", "P4": ":small_blue_diamond:"}


def raise_modal(channel_id: str, title: str = "") -> dict:
    severities = [option(SEVERITY_NAMES[s], s) for s in SEVERITIES]
    categories = [option(label, value) for value, label in CATEGORIES.items()]
    blocks = [
        text_input("title", "Title", initial=title, max_length=150),
        static_select("severity", "Severity", severities),
        static_select("category", "Category", categories),
        text_input("description", "What happened", multiline=True, max_length=3000),
        text_input(
            "impact",
            "Impact",
            multiline=True,
            optional=True,
            max_length=2000,
            placeholder="Who or what is affected, how badly",
        ),
    ]
    return modal(
        Form.RAISE,
        "Raise escalation",
        blocks,
        submit="Raise",
        private_metadata=RaiseState(channel_id=channel_id).dump(),
    )


def _due_line(escalation: Escalation, now: datetime) -> str:
    parts = []
    if escalation.acknowledged_at is None:
        mark = " :red_circle: *missed*" if escalation.ack_breached_at else ""
        parts.append(f"Acknowledge by {date_token(escalation.ack_due_at)}{mark}")
    if escalation.state in ACTIVE:
        mark = " :red_circle: *missed*" if escalation.resolve_breached_at else ""
        parts.append(f"Resolve by {date_token(escalation.resolve_due_at)}{mark}")
    return " · ".join(parts)


def escalation_message(partnership: Partnership, escalation: Escalation, now: datetime) -> tuple[str, list[dict]]:
    raiser_side = partnership.side_of_team(escalation.raised_by_team)
    owner = mention(escalation.owner_user) if escalation.owner_user else "_none yet_"
    head = (
        f"{ICONS[escalation.severity]} *#{escalation.number} · {SEVERITY_NAMES[escalation.severity]} · "
        f"{CATEGORIES[escalation.category]}*\n*{name_text(escalation.title)}*"
    )
    facts = (
        f"State: *{STATES[escalation.state]}* · Owner: {owner} · Raised by "
        f"{mention(escalation.raised_by_user)} ({raiser_side}) {date_token(escalation.raised_at)}"
    )
    blocks = [section(head), section(f"*What happened*\n{escape(escalation.description)}")]
    if escalation.impact:
        blocks.append(section(f"*Impact*\n{escape(escalation.impact)}"))
    if escalation.state in ("resolved", "closed") and escalation.root_cause:
        blocks.append(
            section(
                f"*Root cause* ({ROOT_CAUSES[escalation.root_cause_category]})\n"
                f"{escape(escalation.root_cause)}\n*Corrective action*\n"
                f"{escape(escalation.corrective_action)}"
            )
        )
    blocks.append(context(facts))
    due = _due_line(escalation, now)
    if due:
        blocks.append(context(due))
    buttons = action_buttons(escalation)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"escalation_{escalation.id}", "elements": buttons})
    return f"#{escalation.number} {escalation.severity} {name_text(escalation.title)}", blocks


def action_buttons(escalation: Escalation) -> list[dict]:
    value, reachable = str(escalation.id), moves_from(escalation.state)
    if escalation.state == "referred":  # the council decides where it goes next
        return [
            button("Add update", Action.UPDATE, value),
            button("Record council decision", Action.COUNCIL_DECISION, value),
        ]
    buttons = []
    if "acknowledged" in reachable:
        buttons.append(button("Acknowledge", Action.ACKNOWLEDGE, value, style="primary"))
    if "in_progress" in reachable:
        buttons.append(button("Assign owner", Action.ASSIGN, value))
    buttons.append(button("Add update", Action.UPDATE, value))
    if "resolved" in reachable:
        buttons.append(button("Resolve", Action.RESOLVE, value))
    if "closed" in reachable:
        buttons.append(button("Close", Action.CLOSE, value, style="primary"))
    if "open" in reachable:
        buttons.append(button("Reopen", Action.REOPEN, value))
    if "duplicate" in reachable:
        buttons.append(button("Duplicate of…", Action.DUPLICATE, value))
    if "referred" in reachable:
        buttons.append(button("Refer to council", Action.REFER, value))
    return buttons


def assign_modal(escalation: Escalation) -> dict:
    blocks = [
        users_select("owner", "Owner"),
        text_input("note", "Note", multiline=True, optional=True, max_length=1000),
    ]
    return modal(
        Form.ASSIGN,
        f"Assign #{escalation.number}",
        blocks,
        submit="Assign",
        private_metadata=EscalationState(escalation_id=escalation.id).dump(),
    )


def update_modal(escalation: Escalation) -> dict:
    return modal(
        Form.UPDATE,
        f"Update #{escalation.number}",
        [text_input("text", "Update", multiline=True, max_length=3000)],
        submit="Add",
        private_metadata=EscalationState(escalation_id=escalation.id).dump(),
    )


def resolve_modal(escalation: Escalation) -> dict:
    causes = [option(label, value) for value, label in ROOT_CAUSES.items()]
    blocks = [
        static_select("root_cause_category", "Root-cause category", causes),
        text_input("root_cause", "Root cause", multiline=True, max_length=3000),
        text_input(
            "corrective_action",
            "Corrective action",
            multiline=True,
            max_length=3000,
            placeholder="What changes so it does not happen again",
        ),
    ]
    return modal(
        Form.RESOLVE,
        f"Resolve #{escalation.number}",
        blocks,
        submit="Resolve",
        private_metadata=EscalationState(escalation_id=escalation.id).dump(),
    )


def duplicate_modal(escalation: Escalation) -> dict:
    return modal(
        Form.DUPLICATE,
        f"Duplicate #{escalation.number}",
        [text_input("duplicate_of", "Duplicate of escalation number", max_length=8, placeholder="e.g. 3")],
        submit="Mark duplicate",
        private_metadata=EscalationState(escalation_id=escalation.id).dump(),
    )


def age_text(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24}d {hours % 24}h" if hours >= 24 else f"{hours}h {int(delta.total_seconds() // 60) % 60}m"


LIST_PAGE = 40  # lines of `/partner escalations`: 15 a section keeps each within Slack's 3,000 characters


def escalation_list(page: Page, now: datetime, *, only_open: bool, severity: str | None) -> tuple[str, list[dict]]:
    scope = ("open" if only_open else "all") + (f" {severity}" if severity else "")
    if not page.escalations:
        return f"No {scope} escalations", [section(f"No {scope} escalations.")]
    lines = []
    for e in page.escalations:
        marks = "".join(
            [
                " :red_circle: ack missed" if e.ack_breached_at else "",
                " :red_circle: resolve missed" if e.resolve_breached_at else "",
            ]
        )
        owner = mention(e.owner_user) if e.owner_user else "no owner"
        lines.append(
            f"*#{e.number}* {e.severity} · {CATEGORIES[e.category]} · {name_text(e.title)} — "
            f"{STATES[e.state]}, {age_text(now - e.raised_at)} old, {owner}{marks}"
        )
    blocks = [section(f"*Escalations ({scope}), newest first*")]
    for start in range(0, len(lines), 15):
        blocks.append(section("\n".join(lines[start : start + 15])))
    if page.total > len(lines):
        blocks.append(context(f"…and {page.total - len(lines)} more, older"))
    return f"Escalations ({scope})", blocks


def metrics_lines(rows: list[SeverityMetrics], by_category: dict[str, int]) -> list[str]:
    opened = " · ".join(
        f"{m.severity} {m.open_count}" + (f" ({m.overdue} overdue :red_circle:)" if m.overdue else "") for m in rows
    )
    lines = [f"Open escalations: {opened}"]
    timed = [m for m in rows if m.median_ack or m.median_resolve]
    if timed:
        lines.append(
            "Last 90 days, median time to acknowledge / resolve: "
            + " · ".join(
                f"{m.severity} {duration_text(m.median_ack.total_seconds() if m.median_ack else None)} / "
                f"{duration_text(m.median_resolve.total_seconds() if m.median_resolve else None)}"
                for m in timed
            )
        )
    if by_category:
        categories = ", ".join(
            f"{CATEGORIES[c].lower()} {n}" for c, n in sorted(by_category.items(), key=lambda item: -item[1])
        )
        missed = sum(m.breaches for m in rows)
        lines.append(f"Last 90 days: {sum(by_category.values())} raised ({categories}); {missed} target(s) missed")
    return lines


def recurrence_notice(
    partnership: Partnership, category: str, numbers: list[int], leads: list[str], action_number: int, due: str
) -> str:
    listed = ", ".join(f"#{n}" for n in numbers)
    return (
        f":repeat: *Recurring issue*: {len(numbers)} {CATEGORIES[category].lower()} escalations in 60 days "
        f"({listed}). {' '.join(mention(u) for u in leads) or 'Leads'}: please agree a root-cause correction "
        f"plan — action {action_number}, due {due} (`/partner actions`)."
    )


def raised_text(number: int) -> str:
    return f"Escalation #{number} is raised; its thread is the timeline."


def not_raised_text(reason: str) -> str:
    return (
        f":warning: Your escalation could not be posted ({reason}), so it was not "
        "raised. Invite me with `/invite @partnerbot` and try again."
    )


def update_text(user_id: str, text: str) -> str:
    return f"Update from {mention(user_id)}:\n{escape(text)}"


def moved_text(user_id: str, escalation: Escalation, to: str, owner_user: str | None, note: str) -> str:
    return (
        f"{mention(user_id)} moved #{escalation.number} to *{STATES[to].lower()}*"
        + (f": {mention(owner_user)} owns it" if owner_user else "")
        + (f" — {escape(note)}" if note else "")
    )


TARGET_VERBS = {"ack": "acknowledge", "resolve": "resolve"}


def reminder_text(partnership: Partnership, escalation: Escalation, target: str, due: datetime) -> str:
    return (
        f":alarm_clock: Escalation #{escalation.number} ({escalation.severity}, *{name_text(escalation.title)}*) "
        f"in {channel_link(partnership.channel_id)} must be {TARGET_VERBS[target]}d by {date_token(due)}."
    )


def breach_texts(
    partnership: Partnership, escalation: Escalation, target: str, sponsor_ids: list[str]
) -> tuple[str, str]:
    """What a missed target says in the escalation's thread (calling the sponsors) and in the governance channel."""
    who = " ".join(mention(u) for u in sponsor_ids) if sponsor_ids else "No sponsors are set (`/partner role`)."
    what = (
        f"{SEVERITY_NAMES[escalation.severity]} escalation #{escalation.number} "
        f"*{name_text(escalation.title)}* missed its {TARGET_VERBS[target]} target"
    )
    return (
        f":red_circle: {what}. {who}",
        f":red_circle: {name_text(partnership.name)}: {what} in {channel_link(partnership.channel_id)}.",
    )


def move_failed_text(reason: str) -> str:
    return f":warning: That did not go through: {reason}"
