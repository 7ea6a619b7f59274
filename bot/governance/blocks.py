"""Every sentence governance shows: health, the council, the digest, the Home tab, the appraisal, referrals."""

from __future__ import annotations

from datetime import date, datetime

from bot.escalations.blocks import escalation_message
from bot.escalations.ids import EscalationState
from bot.escalations.ids import Form as EscalationForm
from bot.escalations.models import CATEGORIES, ROOT_CAUSES, Escalation
from bot.feedback.ids import Action as FeedbackAction
from bot.governance.appraisal import DECISION_SLOTS, PreRead
from bot.governance.digest import Digest
from bot.governance.health import WEIGHTS, WINDOW_DAYS, Health, Part
from bot.governance.home import Home as HomeData
from bot.governance.home import Waiting
from bot.governance.ids import Action, AppraisalState, Form, ScheduleState
from bot.governance.models import RATINGS, VERDICTS, Appraisal, AppraisalAnswer
from bot.governance.service import GovernanceSettings, HealthReading
from bot.partnerships.models import Member, Partnership
from bot.partnerships.targets import SEVERITIES
from bot.rhythms.ids import Action as RhythmAction
from bot.slack.forms import (
    button,
    context,
    datepicker,
    modal,
    option,
    plain,
    radio_buttons,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.slack.text import SEVERITY_NAMES, channel_link, date_token, duration_text, escape, mention

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
        f"*{escape(escalation.title)}* · {SEVERITY_NAMES[escalation.severity]} · {CATEGORIES[escalation.category]}\n"
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
            f"{escape(m.name)} ({m.due_date.isoformat()}{' overdue' if m.due_date < today else ''})"
            for m in digest.milestones_due
        )  # fmt: skip
        or "none in the next two weeks"
    )
    landed = ", ".join(escape(m.name) for m in digest.milestones_landed) or "none"
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
    blocks = [
        section(f":bookmark_tabs: *{word} digest* — {escape(partnership.name)}"),
        section(health_headline(digest.health)),
        section("\n".join(lines)),
        context(f"From {date_token(digest.since)} to {date_token(digest.until)}. `/partner digest` shows it any time."),
    ]
    return f"{word} digest of {escape(partnership.name)}: health {digest.health.now.score}/100", blocks


# -- the export -------------------------------------------------------------------------------------------


def export_started_text() -> str:
    return ":package: Preparing the export; it comes to you by DM as a ZIP of CSV files."


def export_comment(partnership: Partnership, tables: int) -> str:
    return (
        f":package: The data of *{escape(partnership.name)}*: {tables} CSV files, one per table. Times are UTC "
        f"(ISO 8601) with a local-time column ({partnership.timezone}) beside each; anonymous feedback carries no "
        "names or keys."
    )


# -- the appraisal ----------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return f"{value:.0f}%" if value is not None else "—"


def _versus(now: int, before: int) -> str:
    return f"{now} (previous period {before})"


def _hours(seconds: float | None) -> str:
    return duration_text(seconds)


def preread_blocks(
    partnership: Partnership, appraisal: Appraisal, pre: PreRead, council_ids: list[str]
) -> tuple[str, list[dict]]:
    now, before = pre.current, pre.previous
    esc, esc_before = now.escalations, before.escalations
    timing = []
    for severity in SEVERITIES:
        if esc.by_severity[severity] or esc_before.by_severity[severity]:
            timing.append(
                f"{severity} {esc.by_severity[severity]} (was {esc_before.by_severity[severity]}): median ack "
                f"{_hours(esc.median_ack[severity])} vs target {_hours(esc.ack_target[severity])}, resolve "
                f"{_hours(esc.median_resolve[severity])} vs target {_hours(esc.resolve_target[severity])}"
            )
    categories = ", ".join(f"{CATEGORIES[c]} {n}" for c, n in esc.by_category.items()) or "none"
    feedback = (
        "; ".join(
            f"#{n}: client→vendor {c if c is not None else '—'}, vendor→client {v if v is not None else '—'}"
            for n, c, v in now.feedback
        )
        or "no cycle closed in the period"
    )
    gap = now.perception_gap
    weeks = ", ".join(f"{m.strftime('%d %b')} {_pct(r)}" for m, r in now.response_by_week[-8:]) or "none"
    trend = pre.health
    health = f"{trend[0][1]} → {trend[-1][1]}" if trend else "—"
    who = " ".join(mention(u) for u in council_ids)
    lines = [
        f"*Check-ins:* {_pct(now.response_rate)} answered on time (previous period {_pct(before.response_rate)}); "
        f"by week: {weeks}",
        f"*Feedback both ways:* {feedback}"
        + (
            f" · perception gap {gap:+.2f} (client's score of vendor minus vendor's of client)"
            if gap is not None
            else ""
        ),  # fmt: skip
        f"*Escalations:* {_versus(sum(esc.by_severity.values()), sum(esc_before.by_severity.values()))}; by category "
        f"{categories}; {esc.breaches} target(s) breached (previous {esc_before.breaches})",
        *([f"• {line}" for line in timing] or ["• no escalation in either period"]),
        f"*Milestones:* {now.milestones_on_time} on time, {now.milestones_late} late "
        f"(previous {before.milestones_on_time} on time, {before.milestones_late} late)",
        f"*Actions:* {now.actions_opened} opened · {now.actions_closed} closed · {now.actions_overdue} overdue "
        f"(previous {before.actions_opened} · {before.actions_closed} · {before.actions_overdue})",
        f"*Kudos:* client→vendor {_versus(now.kudos['client→vendor'], before.kudos['client→vendor'])} · "
        f"vendor→client {_versus(now.kudos['vendor→client'], before.kudos['vendor→client'])}",
        f"*Health:* {health} over the period" + (f" · now {health_headline(pre.reading)}" if pre.reading else ""),
    ]
    blocks = [
        section(
            f":classical_building: *Appraisal #{appraisal.number} of {escape(partnership.name)}* — pre-read for the "
            f"council meeting on {appraisal.meeting_on.isoformat()}" + (f"\n{who}" if who else "")
        ),
        section("\n".join(lines[:4])),
        section("\n".join(lines[4:])),
        context(
            f"Period {date_token(now.start, '{date_short}')} – {date_token(now.end, '{date_short}')}, against the "
            "period before and the charter's escalation targets. Charts follow in the thread; each council member "
            "is asked for the appraisal form."
        ),
    ]
    return f"Appraisal #{appraisal.number} pre-read: {escape(partnership.name)}", blocks


def chart_comment(chart_text: str) -> str:
    return escape(chart_text)


def form_ask(partnership: Partnership, appraisal: Appraisal) -> tuple[str, list[dict]]:
    text = (
        f"The governance council of *{escape(partnership.name)}* meets on {appraisal.meeting_on.isoformat()} "
        f"(appraisal #{appraisal.number}). Please fill the appraisal form: four ratings and two questions."
    )
    return text, [
        section(text, accessory=button("Fill the appraisal form", Action.FILL_FORM, str(appraisal.id), "primary"))
    ]


def tally_text(appraisal: Appraisal, answered: dict[str, int], seats: dict[str, int]) -> str:
    parts = " · ".join(f"{side} {answered[side]} of {seats.get(side, 0)}" for side in ("client", "vendor"))
    return f":ballot_box_with_ballot: Appraisal forms answered: {parts}"


def answers_blocks(appraisal: Appraisal) -> tuple[str, list[dict]]:
    """The council's answers side by side, attributed, for the meeting."""
    blocks = [section(f"*Appraisal #{appraisal.number}: the council's forms, side by side*")]
    for side in ("client", "vendor"):
        mine = [a for a in appraisal.answers if a.side == side]
        if not mine:
            blocks.append(section(f"*{side.title()}*: no forms answered"))
            continue
        averages = " · ".join(
            f"{label} {sum(getattr(a, key) for a in mine) / len(mine):.1f}" for key, label in RATINGS.items()
        )
        people = "\n".join(
            f"{mention(a.user_id)}: "
            + ", ".join(f"{label} {getattr(a, key)}" for key, label in RATINGS.items())
            + (f"\n   _Decide:_ {escape(a.decide)}" if a.decide else "")
            + (f"\n   _At risk:_ {escape(a.risk)}" if a.risk else "")
            for a in mine
        )
        blocks.append(section(f"*{side.title()}* ({len(mine)}) — averages: {averages}\n{people}"))
    return f"Appraisal #{appraisal.number}: the council's forms", blocks[:50]


RATING_OPTIONS = [option(str(n), str(n)) for n in range(1, 6)]


def appraisal_modal(appraisal: Appraisal, answer: AppraisalAnswer | None) -> dict:
    def initial(key: str) -> str | None:
        return str(getattr(answer, key)) if answer else None

    blocks = [
        context(
            f"Appraisal #{appraisal.number}, meeting on {appraisal.meeting_on.isoformat()}. "
            "Attributed: the council sees who answered what."
        ),  # fmt: skip
        *(static_select(key, f"{label} (1–5)", RATING_OPTIONS, initial=initial(key)) for key, label in RATINGS.items()),
        text_input(
            "decide",
            "What should the council decide?",
            multiline=True,
            optional=True,
            max_length=2000,
            initial=answer.decide if answer else "",
        ),  # fmt: skip
        text_input(
            "risk",
            "What is at risk?",
            multiline=True,
            optional=True,
            max_length=2000,
            initial=answer.risk if answer else "",
        ),  # fmt: skip
    ]
    return modal(Form.APPRAISAL, f"Appraisal #{appraisal.number}", blocks, submit="Send",
                 private_metadata=AppraisalState(appraisal_id=appraisal.id).dump())  # fmt: skip


def form_thanks_text(appraisal: Appraisal) -> str:
    return f"Thanks: your appraisal form for #{appraisal.number} is in. Answering again replaces it."


def record_modal(appraisal: Appraisal) -> dict:
    blocks = [
        radio_buttons("verdict", "Verdict", [option(label, value) for value, label in VERDICTS.items()]),
    ]
    for slot in range(1, DECISION_SLOTS + 1):
        blocks += [
            text_input(f"decision_{slot}", f"Decision {slot}", optional=True, max_length=500),
            users_select(f"owner_{slot}", f"Owner of decision {slot}", optional=True),
            datepicker(f"due_{slot}", f"Due date of decision {slot}", optional=True),
        ]
    blocks.append(text_input("notes", "Notes", multiline=True, optional=True, max_length=3000))
    return modal(Form.RECORD, f"Record appraisal #{appraisal.number}", blocks, submit="Record",
                 private_metadata=AppraisalState(appraisal_id=appraisal.id).dump())  # fmt: skip


def recorded_blocks(partnership: Partnership, appraisal: Appraisal) -> tuple[str, list[dict]]:
    decisions = (
        "\n".join(
            f"• {escape(d['text'])} → action #{d['action_number']}"
            f" ({mention(d['owner']) if d.get('owner') else 'the leads'}, due {d['due']})"
            for d in appraisal.decisions
        )
        or "_No decisions._"
    )
    blocks = [
        section(
            f":classical_building: *Appraisal #{appraisal.number}* of {escape(partnership.name)} recorded by "
            f"{mention(appraisal.recorded_by)}: *{VERDICTS[appraisal.verdict]}*"
        ),
        section(f"*Decisions*\n{decisions}"),
    ]
    if appraisal.notes:
        blocks.append(section(f"*Notes*\n{escape(appraisal.notes)}"))
    return f"Appraisal #{appraisal.number} recorded: {VERDICTS[appraisal.verdict]}", blocks


def appraisal_history_blocks(
    partnership: Partnership, found: list[Appraisal], next_on: date | None, cadence: str
) -> tuple[str, list[dict]]:
    when = next_on.isoformat() if next_on else "not planned yet"
    blocks = [
        section(f"*Appraisals of {escape(partnership.name)}* — {CADENCE_NAMES[cadence]}; next meeting {when}"),
    ]
    if not found:
        blocks.append(section("No appraisal yet. `/partner appraisal run` posts a pre-read now (leads)."))
        return f"Appraisals of {escape(partnership.name)}", blocks
    latest, *older = found
    if latest.recorded_at:
        blocks.extend(recorded_blocks(partnership, latest)[1])
    else:
        blocks.append(
            section(
                f"*Appraisal #{latest.number}* (meeting {latest.meeting_on.isoformat()}): {len(latest.answers)} "
                "form(s) answered; not recorded yet (`/partner appraisal record`)"
            )
        )
    if older:
        lines = [
            f"#{a.number} · {a.meeting_on.isoformat()} · {VERDICTS[a.verdict] if a.verdict else 'not recorded'}"
            f" · {len(a.decisions)} decision(s)"
            for a in older[:30]
        ]
        blocks.append(section("*History*\n" + "\n".join(lines)))
    return f"Appraisals of {escape(partnership.name)}", blocks


CADENCE_NAMES = {"monthly": "monthly", "quarterly": "quarterly", "half_yearly": "half-yearly"}


def schedule_modal(channel_id: str, settings: GovernanceSettings) -> dict:
    blocks = [
        static_select(
            "appraisal_cadence",
            "Appraisal cadence",
            [option(label.capitalize(), value) for value, label in CADENCE_NAMES.items()],
            initial=settings.appraisal_cadence,
        ),  # fmt: skip
        datepicker(
            "next_appraisal_on",
            "Next council meeting",
            optional=True,
            initial=settings.next_appraisal_on.isoformat() if settings.next_appraisal_on else None,
        ),  # fmt: skip
        static_select(
            "digest_cadence",
            "Digest",
            [option(CADENCE_WORDS[c], c) for c in ("weekly", "biweekly", "monthly", "off")],
            initial=settings.digest_cadence,
        ),  # fmt: skip
    ]
    return modal(Form.SCHEDULE, "Governance rhythm", blocks,
                 private_metadata=ScheduleState(channel_id=channel_id).dump())  # fmt: skip


def schedule_changed_text(user_id: str, changes: dict) -> str:
    if not changes:
        return "Nothing changed in the governance rhythm."
    words = ", ".join(f"{name.replace('_', ' ')} {c['from'] or '—'} → {c['to'] or '—'}" for name, c in changes.items())
    return f"{mention(user_id)} changed the governance rhythm: {words}"


def appraisal_started_text(meeting_on: date) -> str:
    return f":classical_building: The pre-read for the council meeting on {meeting_on.isoformat()} is on its way."


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
            f"*{escape(b.partnership.name)}* — you are {b.member.side} {b.member.role} "
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
            f"{escape(p.name)}: *{escape(m.name)}* due {m.due_date.isoformat()}"
            + (f" ({mention(m.owner_user)})" if m.owner_user else "")
            for p, m in data.milestones
        ]
        blocks += [{"type": "divider"}, section("*Next milestones*\n" + "\n".join(lines))]
    for g in data.governance:
        when = g.next_appraisal_on.isoformat() if g.next_appraisal_on else "not planned yet"
        items = [f"#{e.number} {escape(e.title)} (referred)" for e in g.referred]
        items += [f"appraisal #{a.number} to record (meeting {a.meeting_on.isoformat()})" for a in g.unrecorded]
        blocks += [
            {"type": "divider"},
            section(
                f"*Governance — {escape(g.partnership.name)}*\nNext council appraisal: {when}\n"
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
                f"Check-in *{escape(checkin.rhythm.name)}* in {escape(p.name)}, open until "
                f"{date_token(checkin.closes_at)}",
                accessory=button("Answer", RhythmAction.ANSWER, str(checkin.id), "primary"),
            )
        )
    for p, cycle in waiting.cycles:
        blocks.append(
            section(
                f"Feedback cycle #{cycle.number} in {escape(p.name)}, open until {date_token(cycle.closes_at)}",
                accessory=button("Give feedback", FeedbackAction.GIVE, str(cycle.id)),
            )
        )
    for p, action, late in waiting.actions:
        mark = ":red_circle: overdue, " if late else ""
        blocks.append(
            section(
                f"Action #{action.number} in {escape(p.name)}: {escape(action.title[:200])} "
                f"({mark}due {action.due_date.isoformat()})"
            )
        )
    for p, escalation, why in waiting.escalations:
        what = "you own it" if why == "owner" else "waiting for your side to acknowledge"
        blocks.append(
            section(
                f"Escalation #{escalation.number} ({escalation.severity}) in {escape(p.name)}: "
                f"{escape(escalation.title)} — {what}",
                accessory=button("Open", Action.OPEN_ESCALATION, str(escalation.id)),
            )
        )
    for p, appraisal in waiting.forms:
        blocks.append(
            section(
                f"Appraisal #{appraisal.number} form for {escape(p.name)} (meeting {appraisal.meeting_on.isoformat()})",
                accessory=button("Fill the form", Action.FILL_FORM, str(appraisal.id)),
            )
        )
    return blocks


def escalation_modal(partnership: Partnership, escalation: Escalation, now: datetime) -> dict:
    """An escalation opened from the Home tab: its message, with the buttons that move it."""
    _, blocks = escalation_message(partnership, escalation, now)
    view = modal(Form.ESCALATION, f"Escalation #{escalation.number}", blocks)
    view.pop("submit")
    view["close"] = plain("Close", 24)
    return view
