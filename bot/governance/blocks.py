"""Every sentence governance shows: health, the council, the digest, the Home tab, the appraisal, referrals."""

from __future__ import annotations

from bot.governance.health import WEIGHTS, WINDOW_DAYS, Health, Part
from bot.governance.service import HealthReading
from bot.partnerships.models import Member, Partnership
from bot.slack.forms import context, section
from bot.slack.text import escape, mention

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
        section(f"*{escape(partnership.name)}* — health"),
        section(health_headline(health)),
        section("\n".join(lines)),
        context(
            f"The last {WINDOW_DAYS} days; each part scores 0–100 and weighs as shown "
            f"({' + '.join(str(w) for w in WEIGHTS.values())} = 100). The README explains each part."
        ),
    ]
    return f"Health of {escape(partnership.name)}: {health.now.score}/100", blocks


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
        section(f"*Governance council* of {escape(partnership.name)}"),
        section("\n".join(lines)),
        context(
            "By default the leads and sponsors of both sides. Leads change it with "
            "`/partner council add @user` and `/partner council remove @user`."
        ),
    ]
    return f"Governance council of {escape(partnership.name)}", blocks


def council_changed_text(user_id: str, seated: bool, changed: bool) -> str:
    if not changed:
        return f"{mention(user_id)} {'is already' if seated else 'is not'} on the governance council."
    return f"{mention(user_id)} {'joined' if seated else 'left'} the governance council."
