"""Block Kit for decisions: the share form, the channel message with its buttons, the reason and amend
forms, the list, and what the thread and the leads are told."""

from __future__ import annotations

from bot.decisions.ids import Action, DecisionState, Form, ShareState
from bot.decisions.lifecycle import EVENTS, STATES, events_from
from bot.decisions.models import Decision, DecisionMove
from bot.decisions.service import DEFAULT_WINDOW_DAYS, WINDOW_CHOICES
from bot.partnerships.models import Partnership, other_side
from bot.slack.forms import (
    button,
    clip,
    context,
    listing,
    modal,
    option,
    radio_buttons,
    section,
    static_select,
    text_input,
)
from bot.slack.text import EVERYTHING, channel_link, date_token, escape, mention, name_text

ICONS = {
    "open": ":hourglass_flowing_sand:",
    "awaiting": ":raising_hand:",
    "objected": ":speech_balloon:",
    "referred": ":classical_building:",
    "decided": ":white_check_mark:",
    "agreed": ":white_check_mark:",
    "declined": ":no_entry_sign:",
    "expired": ":zzz:",
    "withdrawn": ":leftwards_arrow_with_hook:",
}


def _days(n: int) -> str:
    return "1 business day" if n == 1 else f"{n} business days"


def share_modal(partnership: Partnership, channel_id: str, side: str, scope_text: str, what: str = "") -> dict:
    other = other_side(side)
    scope = escape(scope_text) if scope_text.strip() else "_The charter says nothing yet (`/partner charter`)._"
    blocks = [
        section(f"*What your side ({side}) may decide alone, per the charter:*\n{scope}"),
        text_input("what", "What we're doing", initial=what, multiline=True, max_length=2000),
        text_input("why", "Why", multiline=True, max_length=2000),
        radio_buttons(
            "scope",
            "Decision scope",
            [
                option(f"Within our ({side}) scope: tell us if you're not aligned", "within"),
                option(f"Needs the {other} side's agreement", "agreement"),
            ],
            initial="within",
        ),
        static_select(
            "window_days",
            "Objection window",
            [option(_days(n), str(n)) for n in WINDOW_CHOICES],
            initial=str(DEFAULT_WINDOW_DAYS),
        ),
    ]
    return modal(
        Form.SHARE,
        "Share a decision",
        blocks,
        submit="Share",
        private_metadata=ShareState(channel_id=channel_id).dump(),
    )


def _scope_line(partnership: Partnership, decision: Decision) -> str:
    other = other_side(decision.side)
    if decision.scope == "within":
        return f"Within the {decision.side} side's decision scope — {other} side, tell us if you're not aligned."
    return f"Needs the {other} side's agreement (a {other} lead agrees or declines)."


def decision_message(partnership: Partnership, decision: Decision) -> tuple[str, list[dict]]:
    head = (
        f"{ICONS[decision.state]} *Decision {decision.number}* by {mention(decision.author_user)} "
        f"({decision.side}) · *{STATES[decision.state]}*"
    )
    blocks = [
        section(head),
        section(f"*What we're doing*\n{escape(decision.what)}"),
        section(f"*Why*\n{escape(decision.why)}"),
        context(_scope_line(partnership, decision)),
    ]
    if decision.state in ("open", "awaiting"):
        verb = "objection window closes" if decision.state == "open" else "agreement needed by"
        blocks.append(context(f"The {verb} {date_token(decision.closes_at)} ({_days(decision.window_days)})."))
    elif decision.settled_at:
        blocks.append(context(f"{STATES[decision.state]} {date_token(decision.settled_at)}."))
    buttons = decision_buttons(decision)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"decision_{decision.id}", "elements": buttons})
    return f"Decision {decision.number}: {clip(escape(decision.what), 150)}", blocks


# The buttons of each move: (label, action id, style), in the order they show.
BUTTONS = {
    "aligned": ("Aligned", Action.ALIGNED, "primary"),
    "objected": ("Not aligned", Action.NOT_ALIGNED, "danger"),
    "agreed": ("Agree", Action.AGREE, "primary"),
    "declined": ("Decline", Action.DECLINE, "danger"),
    "amended": ("Amend", Action.AMEND, None),
    "withdrawn": ("Withdraw", Action.WITHDRAW, None),
    "referred": ("Refer to council", Action.REFER, None),
}


def move_buttons(decision: Decision, events) -> list[dict]:
    return [
        button(label, action, str(decision.id), style=style)
        for event, (label, action, style) in BUTTONS.items()
        if event in events
    ]


def decision_buttons(decision: Decision) -> list[dict]:
    value, events = str(decision.id), events_from(decision.state)
    buttons = move_buttons(decision, events)
    if decision.state == "objected":
        buttons.append(button("Raise as escalation", Action.ESCALATE, value))
    return buttons


def reason_modal(decision: Decision, event: str) -> dict:
    label = "Why are you not aligned?" if event == "objected" else "Why do you decline?"
    title = "Not aligned" if event == "objected" else "Decline"
    return modal(
        Form.REASON,
        f"{title} · {decision.number}",
        [
            section(f"*Decision {decision.number}:* {escape(decision.what)}"),
            text_input("note", label, multiline=True, max_length=2000),
        ],
        submit="Send",
        private_metadata=DecisionState(decision_id=decision.id, event=event).dump(),
    )


def amend_modal(decision: Decision) -> dict:
    return modal(
        Form.AMEND,
        f"Amend decision {decision.number}",
        [
            text_input("what", "What we're doing", initial=decision.what, multiline=True, max_length=2000),
            text_input("why", "Why", initial=decision.why, multiline=True, max_length=2000),
            context("Amending opens the window again from now; the earlier text stays in the history."),
        ],
        submit="Amend",
        private_metadata=DecisionState(decision_id=decision.id).dump(),
    )


def escalation_title(decision: Decision) -> str:
    return f"Decision {decision.number}: {decision.what}"[:150]


def move_text(move: DecisionMove, decision: Decision) -> str:
    """What the decision's thread says about a person's move."""
    who = mention(move.user_id) if move.user_id else "partnerbot"
    line = f"{ICONS[decision.state]} {who} {EVENTS[move.event]}"
    if move.event == "amended":
        line += f": *{escape(move.what)}* — the window is open again until {date_token(decision.closes_at)}"
    elif move.note:
        line += f": {escape(move.note)}"
    return line


def window_closed_text(decision: Decision, event: str) -> str:
    if event == "decided":
        return (
            f":white_check_mark: No objection within the window: decision {decision.number} is *decided* "
            f"({escape(decision.what)})."
        )
    return (
        f":zzz: Decision {decision.number} *expired undecided*: the {other_side(decision.side)} side did not "
        "agree or decline within the window."
    )


def objection_notice(partnership: Partnership, decision: Decision, move: DecisionMove) -> str:
    return (
        f":speech_balloon: {mention(move.user_id)} is *not aligned* with decision {decision.number} "
        f"(*{escape(decision.what)}*) in {channel_link(partnership.channel_id)}: {escape(move.note)}\n"
        "It stays open for discussion: its author may amend or withdraw it; a lead may refer it to the council "
        "or raise it as an escalation."
    )


def reminder_text(partnership: Partnership, decision: Decision) -> str:
    return (
        f":raising_hand: Decision {decision.number} by {mention(decision.author_user)} (*{escape(decision.what)}*) "
        f"in {channel_link(partnership.channel_id)} needs your side's agreement by {date_token(decision.closes_at)}: "
        "Agree or Decline on its message."
    )


def referral_text(partnership: Partnership, decision: Decision, move: DecisionMove) -> str:
    return (
        f":classical_building: {name_text(partnership.name)}: {mention(move.user_id)} referred decision "
        f"{decision.number} (*{escape(decision.what)}*) in {channel_link(partnership.channel_id)} to the council."
    )


def shared_text(number: int) -> str:
    return f"Decision {number} is shared; its thread records every answer."


def not_shared_text(reason: str) -> str:
    return (
        f":warning: Your decision could not be posted ({reason}), so it was not shared. "
        "Invite me with `/invite @partnerbot` and try again."
    )


def decision_list(decisions: list[Decision], *, only_open: bool) -> tuple[str, list[dict]]:
    scope = "open" if only_open else "all"
    if not decisions:
        return f"No {scope} decisions", [section(f"No {scope} decisions. Share one with `/partner decision`.")]
    lines = []
    for d in decisions:
        when = (
            f"window closes {date_token(d.closes_at)}"
            if d.state in ("open", "awaiting")
            else (f"since {date_token(d.settled_at)}" if d.settled_at else "")
        )
        lines.append(
            f"*{d.number}.* {ICONS[d.state]} {clip(escape(d.what), 200)} — {STATES[d.state]}, by "
            f"{mention(d.author_user)} ({d.side})" + (f", {when}" if when else "")
        )
    blocks = [section(f"*Decisions ({scope}), newest first*"), *listing(lines, rest=EVERYTHING)]
    return f"Decisions ({scope})", blocks


def status_line(open_decisions: list[Decision]) -> str:
    """`/partner status`: decisions still in play, by state."""
    if not open_decisions:
        return "Open decisions: none"
    counts = {state: sum(d.state == state for d in open_decisions) for state in STATES}
    parts = [f"{n} {STATES[state].lower()}" for state, n in counts.items() if n]
    return f"Open decisions: {len(open_decisions)} ({', '.join(parts)}) — `/partner decisions`"


def awaiting_text(partnership: Partnership, awaiting: dict[str, list[Decision]]) -> str:
    """Decisions waiting on each side, for the digest."""
    parts = []
    for side, found in awaiting.items():
        listed = ", ".join(f"{d.number}. {escape(d.what[:60])} ({STATES[d.state].lower()})" for d in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        parts.append(f"awaiting the {side} side ({escape(partnership.org_of(side))}): {listed or 'none'}{more}")
    return " · ".join(parts)


def period_text(found: list[Decision]) -> str:
    """Decisions of an appraisal's period (shared or settled in it, or still in play), for its pre-read."""
    if not found:
        return "none shared, settled or in play"
    lines = [f"{d.number}. {escape(d.what[:80])} ({d.side}) — {STATES[d.state]}" for d in found[:15]]
    more = f"; and {len(found) - 15} more (`/partner decisions all`)" if len(found) > 15 else ""
    return "; ".join(lines) + more
