"""Every sentence governance shows about health, the council, referrals, the digest and the export. The appraisal's
are in appraisal_blocks.py, the App Home's in home_blocks.py."""

from __future__ import annotations

from datetime import date

from bot.decisions.blocks import awaiting_text
from bot.escalations.ids import EscalationState
from bot.escalations.ids import Form as EscalationForm
from bot.escalations.models import CATEGORIES, ROOT_CAUSES, Escalation
from bot.governance.digest import Digest
from bot.governance.health import WEIGHTS, WINDOW_DAYS, Health, Part
from bot.governance.service import HealthReading
from bot.incentives.blocks import misalignment_text
from bot.kpis.blocks import scorecard_state_text
from bot.partnerships.models import Member, Partnership
from bot.slack.forms import (
    context,
    modal,
    option,
    radio_buttons,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.slack.text import SEVERITY_NAMES, channel_link, date_token, escape, mention, name_text

PART_NAMES = {
    "checkins": "Check-ins answered on time",
    "escalations": "Escalation targets met",
    "feedback": "Feedback both ways",
    "actions": "Actions on time",
    "repeats": "Feedback not raised again",
    "kudos": "Kudos both ways",
}


def change_text(change: int) -> str:
    points = "pt" if abs(change) == 1 else "pts"
    if change > 0:
        return f"▲ {change} {points}"
    if change < 0:
        return f"▼ {-change} {points}"
    return "± 0 pts"


def part_figure(part: Part) -> str:
    """What a part's score stands on, in words."""
    f = part.facts
    match part.key:
        case "checkins":
            if not f["expected"]:
                return "no check-in closed in the window"
            return f"{f['on_time']} of {f['expected']} answers on time"
        case "escalations":
            met = f"{f['met']} of {f['due']} targets met" if f["due"] else "no target fell due"
            return f"{met}, {f['overdue']} open overdue"
        case "feedback":
            if not f["directions"]:
                return "no feedback cycle closed in the window"
            average = f"average {f['average']:.1f}/5" if f["average"] is not None else "no scores"
            return f"{average}, {f['silent']} silent direction(s) of {f['directions']}"
        case "actions":
            return f"{f['overdue']} overdue of {f['due']} due" if f["due"] else "no action fell due"
        case "repeats":
            return f"{f['repeated']} point(s) raised again"
        case _:
            return f"client→vendor {f['client_to_vendor']}, vendor→client {f['vendor_to_client']}"


def health_headline(health: HealthReading) -> str:
    """One line, wherever the score is shown: score, its change over 30 days, and what pulls it down most."""
    line = f"*Health {health.now.score}/100* {change_text(health.change)} vs 30 days ago"
    down = health.now.pulling_down()
    if down:
        line += " · pulling it down: " + ", ".join(f"{PART_NAMES[p.key]} ({p.score:.0f})" for p in down)
    return line


def health_blocks(partnership: Partnership, health: HealthReading) -> tuple[str, list[dict]]:
    lines = [
        f"{'*' if p.key in {d.key for d in health.now.pulling_down()} else ''}{PART_NAMES[p.key]}"
        f"{'*' if p.key in {d.key for d in health.now.pulling_down()} else ''}: *{p.score:.0f}*/100 "
        f"× {p.weight}% — {part_figure(p)}"
        for p in health.now.parts
    ]
    blocks = [
        section(f"*{name_text(partnership.name)}* — health"),
        section(health_headline(health)),
        section("\n".join(lines)),
        context(
            f"The last {WINDOW_DAYS} days; each part scores 0–100 and weighs as shown "
            f"({' + '.join(str(w) for w in WEIGHTS.values())} = 100). The README explains each part."
        ),
    ]
    return f"Health of {name_text(partnership.name)}: {health.now.score}/100", blocks


def health_short(health: Health, change: int) -> str:
    return f"{health.score}/100 {change_text(change)}"


# -- the council ------------------------------------------------------------------------------------------


def council_blocks(partnership: Partnership, members: list[Member]) -> tuple[str, list[dict]]:
    by_side = {
        side: [f"{mention(m.user_id)} ({m.role})" for m in members if m.side == side] for side in ("client", "vendor")
    }
    lines = [
        f"*{side.title()}* {escape(partnership.org_of(side))}: {', '.join(people) if people else '_nobody_'}"
        for side, people in by_side.items()
    ]
    blocks = [
        section(f"*Governance council* of {name_text(partnership.name)}"),
        section("\n".join(lines)),
        context(
            "By default the leads and sponsors of both sides. Leads change it with "
            "`/partner council add @user` and `/partner council remove @user`."
        ),
    ]
    return f"Governance council of {name_text(partnership.name)}", blocks


def council_changed_text(user_id: str, seated: bool, changed: bool) -> str:
    if not changed:
        return f"{mention(user_id)} {'is already' if seated else 'is not'} on the governance council."
    return f"{mention(user_id)} {'joined' if seated else 'left'} the governance council."


# -- disputes referred to the council ---------------------------------------------------------------------

DECISION_OUTCOMES = {"in_progress": "Back in progress, with an owner", "resolved": "Resolved", "closed": "Closed"}


def referral_text(
    partnership: Partnership, escalation: Escalation, referrer: str, council_ids: list[str]
) -> tuple[str, list[dict]]:
    who = " ".join(mention(u) for u in council_ids) or "_The council is empty (`/partner council add @user`)._"
    head = (
        f":classical_building: {mention(referrer)} referred escalation *#{escalation.number}* of "
        f"{channel_link(partnership.channel_id)} to the governance council for a decision."
    )
    summary = (
        f"*{name_text(escalation.title)}* · {SEVERITY_NAMES[escalation.severity]} · {CATEGORIES[escalation.category]}\n"
        f"{escape(escalation.description)}" + (f"\n*Impact:* {escape(escalation.impact)}" if escalation.impact else "")
    )
    blocks = [
        section(f"{who}\n{head}"),
        section(summary),
        context("A council member records the decision with *Record council decision* on the escalation."),
    ]
    return f"Escalation #{escalation.number} referred to the governance council", blocks


def decision_text(partnership: Partnership, escalation: Escalation, user_id: str, to: str, decision: str) -> str:
    return (
        f":classical_building: The council decided on escalation *#{escalation.number}* of "
        f"{channel_link(partnership.channel_id)} ({mention(user_id)} recorded it): {escape(decision)} "
        f"→ *{DECISION_OUTCOMES[to]}*"
    )


def decision_modal(escalation: Escalation) -> dict:
    blocks = [
        text_input("decision", "The council's decision", multiline=True, max_length=2000),
        radio_buttons("outcome", "It goes", [option(label, value) for value, label in DECISION_OUTCOMES.items()]),
        users_select("owner", "Owner (when back in progress)", optional=True),
        static_select(
            "root_cause_category",
            "Root-cause category (when resolved)",
            [option(label, value) for value, label in ROOT_CAUSES.items()],
            optional=True,
        ),
        text_input("root_cause", "Root cause (when resolved)", multiline=True, optional=True, max_length=3000),
        text_input(
            "corrective_action", "Corrective action (when resolved)", multiline=True, optional=True, max_length=3000
        ),
    ]
    return modal(
        EscalationForm.COUNCIL_DECISION,
        f"Council on #{escalation.number}",
        blocks,
        submit="Record",
        private_metadata=EscalationState(escalation_id=escalation.id).dump(),
    )


# -- the digest -------------------------------------------------------------------------------------------

CADENCE_WORDS = {"weekly": "Weekly", "biweekly": "Fortnightly", "monthly": "Monthly", "off": "Off"}


def digest_blocks(partnership: Partnership, digest: Digest, cadence: str, today: date) -> tuple[str, list[dict]]:
    word = CADENCE_WORDS.get(cadence, "Weekly") if cadence != "off" else "Latest"
    rate = f"{round(100 * digest.on_time / digest.expected)}% on time" if digest.expected else "no answers expected"
    missing = " · missing most: " + ", ".join(mention(u) for u in digest.missing[:8]) if digest.missing else ""
    if digest.cycle is None:
        cycle = "no feedback cycle yet"
    else:
        answers = ", ".join(f"{side} {digest.cycle_answers.get(side, 0)}" for side in ("client", "vendor"))
        state = "open" if digest.cycle.status == "open" else "closed"
        cycle = f"cycle #{digest.cycle.number} {state} (closes {date_token(digest.cycle.closes_at)}): answers {answers}"
    due = (
        ", ".join(
            f"{name_text(m.name)} ({m.due_date.isoformat()}{' overdue' if m.due_date < today else ''})"
            for m in digest.milestones_due
        )  # fmt: skip
        or "none in the next two weeks"
    )
    landed = ", ".join(name_text(m.name) for m in digest.milestones_landed) or "none"
    actions = (
        ", ".join(
            f"#{a.number} {escape(a.title[:60])} ({mention(a.owner_user) if a.owner_user else 'the leads'}, "
            f"due {a.due_date.isoformat()})"
            for a in digest.overdue_actions
        )
        or "none"
    )
    lines = [
        f"*Check-ins:* {digest.checkins} closed, {rate}{missing}",
        f"*Escalations:* {digest.opened} opened · {digest.resolved} resolved · {digest.breached} breached a target",
        f"*Feedback:* {cycle}",
        f"*Milestones:* due {due} · landed {landed}",
        f"*Kudos:* client→vendor {digest.kudos['client→vendor']} · vendor→client {digest.kudos['vendor→client']}",
        f"*Overdue actions:* {actions}",
    ]
    governance = [
        f"*Decisions:* {awaiting_text(partnership, digest.decisions_awaiting)}",
        f"*KPIs:* {scorecard_state_text(digest.scorecard)}",
        f"*Incentives:* {misalignment_text(digest.incentives)}",
    ]
    blocks = [
        section(f":bookmark_tabs: *{word} digest* — {name_text(partnership.name)}"),
        section(health_headline(digest.health)),
        section("\n".join(lines)),
        section("\n".join(governance)),
        context(f"From {date_token(digest.since)} to {date_token(digest.until)}. `/partner digest` shows it any time."),
    ]
    return f"{word} digest of {name_text(partnership.name)}: health {digest.health.now.score}/100", blocks


# -- the export -------------------------------------------------------------------------------------------


def export_started_text() -> str:
    return ":package: Preparing the export; it comes to you by DM as a ZIP of CSV files."


def export_comment(partnership: Partnership, tables: int) -> str:
    return (
        f":package: The data of *{name_text(partnership.name)}*: {tables} CSV files, one per table. Times are UTC "
        f"(ISO 8601) with a local-time column ({partnership.timezone}) beside each; anonymous feedback carries no "
        "names or keys."
    )
