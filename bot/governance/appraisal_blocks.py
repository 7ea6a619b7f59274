"""Every sentence of the appraisal: the pre-read, the council's forms, the recorded outcome, the rhythm's form."""

from __future__ import annotations

from datetime import date

from bot.decisions.blocks import period_text
from bot.escalations.models import CATEGORIES
from bot.governance.appraisal import DECISION_SLOTS
from bot.governance.blocks import CADENCE_WORDS, health_headline
from bot.governance.ids import Action, AppraisalState, Form, ScheduleState
from bot.governance.models import RATINGS, VERDICTS, Appraisal, AppraisalAnswer
from bot.governance.preread import PreRead
from bot.governance.service import GovernanceSettings
from bot.incentives.blocks import misalignment_text, side_by_side
from bot.kpis.blocks import scorecard_state_text
from bot.kpis.service import scorecard_state
from bot.partnerships.models import Partnership
from bot.partnerships.targets import SEVERITIES
from bot.slack.forms import (
    button,
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
from bot.slack.text import date_token, duration_text, escape, mention, name_text

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
            f":classical_building: *Appraisal #{appraisal.number} of {name_text(partnership.name)}* — pre-read for the "
            f"council meeting on {appraisal.meeting_on.isoformat()}" + (f"\n{who}" if who else "")
        ),
        section("\n".join(lines[:4])),
        section("\n".join(lines[4:])),
        *_governance_blocks(partnership, pre),
        context(
            f"Period {date_token(now.start, '{date_short}')} – {date_token(now.end, '{date_short}')}, against the "
            "period before and the charter's escalation targets. Charts follow in the thread; each council member "
            "is asked for the appraisal form."
        ),
    ]
    return f"Appraisal #{appraisal.number} pre-read: {name_text(partnership.name)}", blocks


def _governance_blocks(partnership: Partnership, pre: PreRead) -> list[dict]:
    """The KPI scorecard's state, the decisions of the period and the latest incentive review, both sides side
    by side with misalignment flagged."""
    scorecard = scorecard_state_text(scorecard_state(pre.scorecard) if pre.scorecard else None)
    blocks = [
        section(
            f"*KPI scorecard:* {scorecard}" + (" (chart in the thread)" if pre.scorecard else "") + "\n"
            f"*Decisions of the period:* {period_text(pre.decisions)}"
        ),
        section(f"*Incentives:* {misalignment_text(pre.incentives)}"),
    ]
    if pre.incentives is not None:
        blocks.append(side_by_side(partnership, pre.incentives))
    return blocks


def chart_comment(chart_text: str) -> str:
    return escape(chart_text)


def form_ask(partnership: Partnership, appraisal: Appraisal) -> tuple[str, list[dict]]:
    text = (
        f"The governance council of *{name_text(partnership.name)}* meets on {appraisal.meeting_on.isoformat()} "
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
            f":classical_building: *Appraisal #{appraisal.number}* of {name_text(partnership.name)} recorded by "
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
        section(f"*Appraisals of {name_text(partnership.name)}* — {CADENCE_NAMES[cadence]}; next meeting {when}"),
    ]
    if not found:
        blocks.append(section("No appraisal yet. `/partner appraisal run` posts a pre-read now (leads)."))
        return f"Appraisals of {name_text(partnership.name)}", blocks
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
    return f"Appraisals of {name_text(partnership.name)}", blocks


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
