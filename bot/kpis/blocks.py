"""Block Kit for KPIs: the KPI form, the list, the request for actuals and its form, the scorecard, the
red-streak notice and the status line."""

from __future__ import annotations

from datetime import date

from bot.kpis.ids import Action, ActualsState, Form, KpiState
from bot.kpis.models import Kpi, KpiActual
from bot.kpis.periods import period_label
from bot.kpis.service import ScorecardState, ScoreRow
from bot.partnerships.models import Partnership
from bot.slack.forms import button, listing, modal, option, radio_buttons, section, text_input
from bot.slack.text import EVERYTHING, channel_link, escape, mention, name_text

DOTS = {
    "green": ":large_green_circle:",
    "amber": ":large_yellow_circle:",
    "red": ":red_circle:",
    None: ":white_circle:",
}
ARROWS = {"up": ":arrow_upper_right:", "down": ":arrow_lower_right:", "flat": ":arrow_right:", "": ""}


def number_text(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def target_text(kpi: Kpi) -> str:
    unit = f" {escape(kpi.unit)}" if kpi.unit else ""
    return f"{'≥' if kpi.higher_is_better else '≤'} {number_text(kpi.target)}{unit}"


def kpi_line(kpi: Kpi) -> str:
    return (
        f"*{kpi.number}.* {name_text(kpi.name)} — target {target_text(kpi)}, amber within "
        f"{number_text(kpi.amber_percent)}%, {kpi.period}, reported by the {kpi.reporting_side} side"
    )


def kpi_modal(channel_id: str, kpi: Kpi | None = None) -> dict:
    sides = [option("the client", "client"), option("the vendor", "vendor")]
    blocks = [
        text_input("name", "Name", initial=kpi.name if kpi else "", max_length=100, placeholder="e.g. CSAT"),
        text_input(
            "unit",
            "Unit",
            initial=kpi.unit if kpi else "",
            optional=True,
            max_length=20,
            placeholder="e.g. %, tickets, hours",
        ),
        text_input("target", "Target", initial=number_text(kpi.target) if kpi else "", max_length=20),
        radio_buttons(
            "direction",
            "Better is",
            [option("higher (at or above the target)", "higher"), option("lower (at or below the target)", "lower")],
            initial=("higher" if kpi.higher_is_better else "lower") if kpi else "higher",
        ),
        text_input(
            "amber_percent",
            "Amber band, % of the target",
            initial=number_text(kpi.amber_percent) if kpi else "5",
            optional=True,
            max_length=6,
            hint="How far on the wrong side of the target is amber rather than red (default 5%).",
        ),
        radio_buttons("reporting_side", "Reported by", sides, initial=kpi.reporting_side if kpi else None),
        radio_buttons(
            "period",
            "Every",
            [option("week", "weekly"), option("month", "monthly")],
            initial=kpi.period if kpi else "weekly",
        ),
    ]
    title = f"Edit KPI {kpi.number}" if kpi else "Add a KPI"
    state = KpiState(channel_id=channel_id, kpi_id=kpi.id if kpi else None)
    return modal(Form.KPI, title, blocks, submit="Save", private_metadata=state.dump())


def kpi_list(kpis: list[Kpi]) -> tuple[str, list[dict]]:
    if not kpis:
        return "No KPIs yet", [section("No KPIs yet. A lead adds one with `/partner kpi add`.")]
    lines = [kpi_line(k) for k in kpis]
    return "KPIs", [section("*KPIs in the charter*"), *listing(lines, rest=EVERYTHING)]


def kpi_saved(user_id: str, channel_id: str, kpi: Kpi, added: bool) -> tuple[str, list[dict]]:
    """Told in the channel, with a button by which leads of either company (the other has no slash commands)
    add the next KPI."""
    text = f":bar_chart: {mention(user_id)} {'added' if added else 'changed'} KPI {kpi_line(kpi)}"
    return text, [section(text, accessory=button("Add a KPI", Action.ADD, channel_id))]


def kpi_retired_text(user_id: str, kpi: Kpi) -> str:
    return f":bar_chart: {mention(user_id)} retired KPI {kpi.number}, {name_text(kpi.name)}."


def ask_blocks(partnership: Partnership, side: str, period: str, start: date, kpis: list[Kpi]) -> tuple[str, list]:
    names = ", ".join(name_text(k.name) for k in kpis)
    text = (
        f":bar_chart: Actuals for the {period_label(period, start)} are due from the {side} side in "
        f"{channel_link(partnership.channel_id)}: {names}."
    )
    value = f"{partnership.id}|{side}|{period}|{start.isoformat()}"
    blocks = [
        section(text),
        {"type": "actions", "elements": [button("Enter actuals", Action.ENTER_ACTUALS, value, style="primary")]},
    ]
    return text, blocks


def nudge_blocks(partnership: Partnership, side: str, period: str, start: date, kpis: list[Kpi]) -> tuple[str, list]:
    _, blocks = ask_blocks(partnership, side, period, start, kpis)
    names = ", ".join(name_text(k.name) for k in kpis)
    late = f"Reminder: the {period_label(period, start)} actuals are still missing for {names}."
    return late, [section(late), blocks[1]]


def actuals_modal(
    partnership: Partnership, side: str, period: str, start: date, kpis: list[Kpi], current: dict[int, KpiActual]
) -> dict:
    blocks = [section(f"*{name_text(partnership.name)}* — {period_label(period, start)}")]
    for kpi in kpis:
        earlier = current.get(kpi.id)
        blocks.append(
            text_input(
                f"kpi_{kpi.id}",
                f"{kpi.name}" + (f" ({kpi.unit})" if kpi.unit else ""),
                initial=number_text(earlier.value) if earlier else "",
                optional=True,
                max_length=20,
                hint=f"Target {target_text(kpi)}"
                + (" — changing it keeps the earlier value in history" if earlier else ""),
            )
        )
    blocks.append(text_input("comment", "Comment", multiline=True, optional=True, max_length=2000))
    state = ActualsState(partnership_id=partnership.id, side=side, period=period, start=start)
    return modal(Form.ACTUALS, "Enter actuals", blocks, submit="Save", private_metadata=state.dump())


def reported_text(user_id: str, period: str, start: date, entered, ratings: dict[int, str]) -> str:
    parts = []
    for kpi, actual, before in entered:
        corrected = f" (corrected from {number_text(before.value)})" if before else ""
        parts.append(f"{DOTS[ratings[kpi.id]]} {name_text(kpi.name)} {number_text(actual.value)}{corrected}")
    comment = next((a.comment for _, a, _ in entered if a.comment), "")
    return (
        f":bar_chart: {mention(user_id)} reported the {period_label(period, start)}: "
        + " · ".join(parts)
        + (f"\n> {escape(comment)}" if comment else "")
    )


def streak_notice(kpi: Kpi, starts: list[date], leads: list[str], action_number: int, due: str) -> str:
    return (
        f":repeat: *Recurring miss*: {name_text(kpi.name)} has been red {len(starts)} periods in a row (since the "
        f"{period_label(kpi.period, starts[0])}). {' '.join(mention(u) for u in leads) or 'Leads'}: please agree a "
        f"correction plan — action {action_number}, due {due} (`/partner actions`)."
    )


def _cell_text(kpi: Kpi, cell) -> str:
    label = cell.start.strftime("%d %b") if kpi.period == "weekly" else cell.start.strftime("%b %Y")
    shown = number_text(cell.actual.value) if cell.actual else "_missing_"
    return f"{label} {DOTS[cell.rating]} {shown}"


def scorecard_blocks(partnership: Partnership, rows: list[ScoreRow]) -> tuple[str, list[dict]]:
    title = f"Scorecard of {name_text(partnership.name)}"
    if not rows:
        return title, [section(f"*{title}*\nNo KPIs yet. A lead adds one with `/partner kpi add`.")]
    blocks = [section(f"*{title}* — the last six periods, oldest first")]
    for row in rows[:45]:
        kpi, latest = row.kpi, row.latest
        facts = [f"target {target_text(kpi)}", kpi.period, f"{kpi.reporting_side} reports"]
        if row.trend:
            facts.append(f"trend {ARROWS[row.trend]}")
        if latest:
            facts.append(f"last reported by {mention(latest.actual.reported_by_user)}")
        streak = f"\n:repeat: *red {row.red_streak} periods in a row*" if row.red_streak >= 3 else ""
        blocks.append(
            section(
                f"*{kpi.number}. {name_text(kpi.name)}* — {', '.join(facts)}\n"
                + " · ".join(_cell_text(kpi, c) for c in row.cells)
                + streak
            )
        )
    return title, blocks


def status_line(rows: list[ScoreRow]) -> str:
    """`/partner status`: the latest colour of each KPI, what is missing, and red streaks."""
    if not rows:
        return "KPIs: none yet (`/partner kpi add`)"
    counts = {colour: 0 for colour in ("green", "amber", "red")}
    for row in rows:
        if row.latest:
            counts[row.latest.rating] += 1
    missing = sum(row.cells[-1].actual is None for row in rows)
    streaks = sum(row.red_streak >= 3 for row in rows)
    line = f"KPIs: {len(rows)} — " + " ".join(f"{DOTS[c]} {n}" for c, n in counts.items())
    if missing:
        line += f"; {missing} missing for the last period"
    if streaks:
        line += f"; {streaks} red {'streak' if streaks == 1 else 'streaks'} :repeat:"
    return line + " — `/partner scorecard`"


def scorecard_state_text(state: ScorecardState | None) -> str:
    """The scorecard in one line for the digest and the appraisal pre-read: colours, recurring misses, what is
    missing for the last period."""
    if state is None:
        return "no KPIs yet (`/partner kpi add`)"
    line = " ".join(f"{DOTS[colour]} {state.counts[colour]} {colour}" for colour in ("green", "amber", "red"))
    if state.recurring:
        misses = ", ".join(f"{name_text(r.kpi.name)} (red {r.red_streak} in a row)" for r in state.recurring[:10])
        line += f" · recurring misses: {misses}"
    if state.missing:
        line += " · actuals missing: " + ", ".join(
            f"{name_text(r.kpi.name)} ({period_label(r.kpi.period, r.cells[-1].start)}, {r.kpi.reporting_side})"
            for r in state.missing[:10]
        )
    return line
