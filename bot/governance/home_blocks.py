"""The App Home: the partnerships someone belongs to, what waits on them, what comes next, governance."""

from __future__ import annotations

from datetime import datetime

from bot.decisions.blocks import ICONS, decision_message, move_buttons
from bot.decisions.lifecycle import STATES
from bot.decisions.models import Decision
from bot.escalations.blocks import escalation_message
from bot.escalations.models import Escalation
from bot.feedback.ids import Action as FeedbackAction
from bot.governance.blocks import health_headline
from bot.governance.home import Home as HomeData
from bot.governance.home import Waiting
from bot.governance.ids import Action, Form
from bot.incentives.ids import Action as IncentiveAction
from bot.kpis.ids import Action as KpiAction
from bot.kpis.periods import period_label
from bot.partnerships.models import Partnership
from bot.rhythms.ids import Action as RhythmAction
from bot.slack.forms import (
    button,
    context,
    modal,
    plain,
    section,
)
from bot.slack.text import channel_link, date_token, escape, mention, name_text

# -- the App Home -----------------------------------------------------------------------------------------

HOME_LIMIT = 100  # blocks in a Home view


def home_view(data: HomeData, now: datetime) -> dict:
    blocks: list[dict] = [{"type": "header", "text": plain("partnerbot")}]
    if not data.belongings:
        blocks.append(
            section("You are not in a partnership yet. In a partnership channel, `/partner setup` makes one.")
        )
        return {"type": "home", "blocks": blocks}
    for b in data.belongings:
        line = (
            f"*{name_text(b.partnership.name)}* — you are {b.member.side} {b.member.role} "
            f"({escape(b.partnership.org_of(b.member.side))}){' · on the council' if b.council else ''} "
            f"· {channel_link(b.partnership.channel_id)}"
        )
        if b.health is not None:
            line += "\n" + health_headline(b.health)
        blocks.append(section(line))
    blocks.append({"type": "divider"})
    blocks.append(section("*Waiting on you*"))
    items = _waiting_blocks(data.waiting)
    blocks.extend(items or [section("Nothing. :sparkles:")])
    if data.milestones:
        lines = [
            f"{name_text(p.name)}: *{name_text(m.name)}* due {m.due_date.isoformat()}"
            + (f" ({mention(m.owner_user)})" if m.owner_user else "")
            for p, m in data.milestones
        ]
        blocks += [{"type": "divider"}, section("*Next milestones*\n" + "\n".join(lines))]
    for g in data.governance:
        when = g.next_appraisal_on.isoformat() if g.next_appraisal_on else "not planned yet"
        items = [f"#{e.number} {name_text(e.title)} (referred)" for e in g.referred]
        items += [f"appraisal #{a.number} to record (meeting {a.meeting_on.isoformat()})" for a in g.unrecorded]
        blocks += [
            {"type": "divider"},
            section(
                f"*Governance — {name_text(g.partnership.name)}*\nNext council appraisal: {when}\n"
                f"Open council items: {', '.join(items) if items else 'none'}"
            ),
        ]
    if len(blocks) > HOME_LIMIT:
        blocks = [*blocks[: HOME_LIMIT - 1], context("…and more: see `/partner status` in each channel.")]
    return {"type": "home", "blocks": blocks}


def _waiting_blocks(waiting: Waiting) -> list[dict]:
    blocks = []
    for p, checkin in waiting.checkins:
        blocks.append(
            section(
                f"Check-in *{name_text(checkin.rhythm.name)}* in {name_text(p.name)}, open until "
                f"{date_token(checkin.closes_at)}",
                accessory=button("Answer", RhythmAction.ANSWER, str(checkin.id), "primary"),
            )
        )
    for p, cycle in waiting.cycles:
        blocks.append(
            section(
                f"Feedback cycle #{cycle.number} in {name_text(p.name)}, open until {date_token(cycle.closes_at)}",
                accessory=button("Give feedback", FeedbackAction.GIVE, str(cycle.id)),
            )
        )
    for p, action, late in waiting.actions:
        mark = ":red_circle: overdue, " if late else ""
        blocks.append(
            section(
                f"Action #{action.number} in {name_text(p.name)}: {escape(action.title[:200])} "
                f"({mark}due {action.due_date.isoformat()})"
            )
        )
    for p, escalation, why in waiting.escalations:
        what = "you own it" if why == "owner" else "waiting for your side to acknowledge"
        blocks.append(
            section(
                f"Escalation #{escalation.number} ({escalation.severity}) in {name_text(p.name)}: "
                f"{name_text(escalation.title)} — {what}",
                accessory=button("Open", Action.OPEN_ESCALATION, str(escalation.id)),
            )
        )
    for p, appraisal in waiting.forms:
        blocks.append(
            section(
                f"Appraisal #{appraisal.number} form for {name_text(p.name)} "
                f"(meeting {appraisal.meeting_on.isoformat()})",
                accessory=button("Fill the form", Action.FILL_FORM, str(appraisal.id)),
            )
        )
    for p, decision, answers in waiting.decisions:
        blocks.extend(_decision_blocks(p, decision, answers))
    for p, owed in waiting.actuals:
        names = ", ".join(name_text(k.name) for k in owed.kpis)
        blocks.append(
            section(
                f"KPI actuals your side ({owed.side}) owes in {name_text(p.name)} for the "
                f"{period_label(owed.period, owed.start)}: {names}",
                accessory=button("Enter actuals", KpiAction.ENTER_ACTUALS, owed.button_value, "primary"),
            )
        )
    for p, review in waiting.reviews:
        blocks.append(
            section(
                f"Incentive review in {name_text(p.name)}, open until {date_token(review.closes_at)}: is what is paid "
                "for still what we want?",
                accessory=button("Answer", IncentiveAction.ANSWER, str(review.id), "primary"),
            )
        )
    return blocks


def _decision_blocks(p: Partnership, decision: Decision, answers: list[str]) -> list[dict]:
    """A decision awaiting the person's side: the answers they may give as buttons, else a button to open it."""
    if decision.state in ("open", "awaiting"):
        when = f", {'objection window closes' if decision.state == 'open' else 'agreement needed by'} "
        when += date_token(decision.closes_at)
    else:
        when = " — the other side is not aligned"
    head = section(
        f"{ICONS[decision.state]} Decision {decision.number} in {name_text(p.name)} by {mention(decision.author_user)} "
        f"({decision.side}): {escape(decision.what[:200])} — *{STATES[decision.state]}*{when}",
        accessory=None if answers else button("Open", Action.OPEN_DECISION, str(decision.id)),
    )
    if not answers:
        return [head]
    return [head, {"type": "actions", "elements": move_buttons(decision, answers)}]


def home_decision_modal(partnership: Partnership, decision: Decision) -> dict:
    """A decision opened from the Home tab: its message, with the buttons that move it."""
    _, blocks = decision_message(partnership, decision)
    view = modal(Form.DECISION, f"Decision {decision.number}", blocks)
    view.pop("submit")
    view["close"] = plain("Close", 24)
    return view


def escalation_modal(partnership: Partnership, escalation: Escalation, now: datetime) -> dict:
    """An escalation opened from the Home tab: its message, with the buttons that move it."""
    _, blocks = escalation_message(partnership, escalation, now)
    view = modal(Form.ESCALATION, f"Escalation #{escalation.number}", blocks)
    view.pop("submit")
    view["close"] = plain("Close", 24)
    return view
