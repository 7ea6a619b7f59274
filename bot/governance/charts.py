"""The pre-read's charts as PNG images (matplotlib's Agg backend: headless, no display), each with a one-line
text equivalent for readers who cannot see images. Pure: figures in, bytes and words out."""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)
from matplotlib.ticker import FixedLocator, MaxNLocator  # noqa: E402

from bot.escalations.models import CATEGORIES  # noqa: E402
from bot.governance.preread import PreRead  # noqa: E402

SIZE = (6.4, 3.2)
DPI = 80
MAX_LABELS = 8
TITLE_Y = 1.02  # a title at a set height spares matplotlib measuring the axes to place it
CLIENT, VENDOR, PREVIOUS = "#2c7fb8", "#f28e2b", "#bbbbbb"


@dataclass(frozen=True)
class Chart:
    filename: str
    title: str
    png: bytes
    text: str  # the same information in one line of words


def _render(draw) -> bytes:
    """Most of a chart's cost is laying out tick labels and finding where the title goes, so: at most
    MAX_LABELS labels on the x axis, four on the y axis, titles at a fixed height, a modest resolution, and
    the fastest PNG compression (the image is small either way)."""
    figure = Figure(figsize=SIZE, dpi=DPI)  # not pyplot: no global state shared between threads
    axes = figure.subplots()
    draw(axes)
    ticks, labels = axes.get_xticks(), axes.get_xticklabels()
    if len(ticks) > MAX_LABELS:
        step = -(-len(ticks) // MAX_LABELS)
        keep = list(range(len(ticks) - 1, -1, -step))[::-1]  # always the latest
        axes.set_xticks([ticks[i] for i in keep], [labels[i].get_text() for i in keep])
    if not isinstance(axes.yaxis.get_major_locator(), FixedLocator):  # the scorecard names its rows
        axes.yaxis.set_major_locator(MaxNLocator(4))
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.3)  # fixed margins: tight_layout is slow
    out = io.BytesIO()
    figure.savefig(out, format="png", pil_kwargs={"compress_level": 1})
    return out.getvalue()


def response_chart(pre: PreRead) -> Chart:
    weeks = [(monday, rate) for monday, rate in pre.current.response_by_week if rate is not None]

    def draw(axes):
        axes.plot([m.strftime("%d %b") for m, _ in weeks], [r for _, r in weeks], marker="o", color=CLIENT)
        axes.set_ylim(0, 105)
        axes.set_ylabel("% answered on time")
        axes.set_title("Check-in response rate by week", y=TITLE_Y)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)

    words = ", ".join(f"week of {m.isoformat()} {r:.0f}%" for m, r in weeks) or "no check-ins closed"
    return Chart("checkin-response.png", "Check-in response rate by week", _render(draw),
                 f"Check-in response rate by week: {words}.")  # fmt: skip


def feedback_chart(pre: PreRead) -> Chart:
    cycles = pre.current.feedback

    def draw(axes):
        labels = [f"#{n}" for n, _, _ in cycles]
        axes.plot(labels, [c for _, c, _ in cycles], marker="o", color=CLIENT, label="client rates vendor")
        axes.plot(labels, [v for _, _, v in cycles], marker="s", color=VENDOR, label="vendor rates client")
        axes.set_ylim(1, 5.2)
        axes.set_ylabel("score (1–5)")
        axes.set_title("Feedback scores both ways, per cycle", y=TITLE_Y)
        axes.legend(fontsize=7, loc="lower left")

    def score(value):
        return f"{value:.1f}" if value is not None else "—"

    words = "; ".join(f"cycle #{n}: client→vendor {score(c)}, vendor→client {score(v)}" for n, c, v in cycles)
    gap = pre.current.perception_gap
    gap_text = f" Perception gap {gap:+.2f}." if gap is not None else ""
    return Chart("feedback-scores.png", "Feedback scores both ways", _render(draw),
                 f"Feedback scores per cycle: {words or 'no cycle closed'}.{gap_text}")  # fmt: skip


def escalations_chart(pre: PreRead) -> Chart:
    now, before = pre.current.escalations.by_category, pre.previous.escalations.by_category
    categories = [c for c in CATEGORIES if now.get(c) or before.get(c)]

    def draw(axes):
        positions = range(len(categories))
        axes.bar([p - 0.2 for p in positions], [before.get(c, 0) for c in categories], 0.4, color=PREVIOUS,
                 label="previous period")  # fmt: skip
        axes.bar([p + 0.2 for p in positions], [now.get(c, 0) for c in categories], 0.4, color=VENDOR,
                 label="this period")  # fmt: skip
        axes.set_xticks(list(positions), [CATEGORIES[c] for c in categories], rotation=30, fontsize=7)
        axes.set_title("Escalations by category", y=TITLE_Y)
        axes.legend(fontsize=7)

    words = ", ".join(f"{CATEGORIES[c]} {now.get(c, 0)} (was {before.get(c, 0)})" for c in categories)
    words = words or "none, in this period or the one before"
    return Chart("escalations-by-category.png", "Escalations by category", _render(draw),
                 f"Escalations by category this period: {words}.")  # fmt: skip


def health_chart(pre: PreRead) -> Chart:
    def draw(axes):
        axes.plot([m.strftime("%d %b") for m, _ in pre.health], [s for _, s in pre.health], marker="o", color=CLIENT)
        axes.set_ylim(0, 105)
        axes.set_ylabel("health (0–100)")
        axes.set_title("Health trend, week by week", y=TITLE_Y)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)

    words = ", ".join(f"{m.date().isoformat()} {s}" for m, s in pre.health)
    return Chart("health-trend.png", "Health trend", _render(draw), f"Health trend week by week: {words}.")


RATING_COLOURS = {
    "green": (0.20, 0.63, 0.33),
    "amber": (0.96, 0.73, 0.18),
    "red": (0.84, 0.19, 0.15),
    None: (0.85,) * 3,
}


def scorecard_chart(pre: PreRead) -> Chart:
    """Each KPI a row, its last six periods as coloured cells (one image artist, however many KPIs)."""
    rows = pre.scorecard
    kinds = {row.kpi.period for row in rows}

    def draw(axes):
        axes.imshow([[RATING_COLOURS[c.rating] for c in row.cells] for row in rows], aspect="auto")
        axes.set_yticks(range(len(rows)), [row.kpi.name[:24] for row in rows], fontsize=7)
        if len(kinds) == 1 and rows:
            fmt = "%d %b" if kinds == {"weekly"} else "%b %Y"
            labels = [c.start.strftime(fmt) for c in rows[0].cells]
        else:
            labels = [f"{n} ago" for n in range(len(rows[0].cells) - 1, 0, -1)] + ["latest"] if rows else []
        axes.set_xticks(range(len(labels)), labels, fontsize=7)
        axes.set_title("KPI scorecard: green / amber / red, grey = missing", y=TITLE_Y)

    def cells(row) -> str:
        words = ", ".join(c.rating or "missing" for c in row.cells)
        streak = f" (red {row.red_streak} in a row)" if row.red_streak >= 3 else ""
        return f"{row.kpi.name} {words}{streak}"

    words = "; ".join(cells(row) for row in rows) or "no KPIs"
    return Chart("kpi-scorecard.png", "KPI scorecard", _render(draw),
                 f"KPI scorecard, last six periods oldest first: {words}.")  # fmt: skip


# Every chart by its place, which keys its claimed send; the scorecard's is drawn only for partnerships with KPIs.
ALL = (response_chart, feedback_chart, escalations_chart, health_chart, scorecard_chart)


def drawn(pre: PreRead) -> list[int]:
    """The places in ALL of the charts this pre-read has."""
    return [index for index, chart in enumerate(ALL) if chart is not scorecard_chart or pre.scorecard]
