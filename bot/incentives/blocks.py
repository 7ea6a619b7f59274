"""Block Kit for incentives: the terms form, the review's ask and form, the report side by side with its
points (each can become an action), and what `/partner incentives` shows."""

from __future__ import annotations

from calendar import month_name
from datetime import datetime

from bot.incentives.ids import Action, Form, PointState, ReviewState, TermsState
from bot.incentives.models import PRIORITIES, STILL_WANTED, IncentiveReview, IncentiveTerms
from bot.incentives.service import RANKS, ReviewReport, SideView
from bot.partnerships.models import Partnership
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
from bot.slack.text import channel_link, date_token, escape, mention, name_text

SILENCE = "silence might mean disengagement, not perfection"
PLACES = ("1st", "2nd", "3rd", "4th")
ICONS = {
    "first_priority": ":warning:",
    "not_wanted": ":warning:",
    "moved": ":warning:",
    "behaviour": ":mag:",
    "silence": ":mute:",
}


def _rank_selects(initial: list[str] | None) -> list[dict]:
    options = [option(label, value) for value, label in PRIORITIES.items()]
    order = initial or [None] * len(RANKS)
    return [
        static_select(rank, f"{place} priority", options, initial=chosen)
        for rank, place, chosen in zip(RANKS, PLACES, order, strict=True)
    ]


def ranking_text(ranking: list[str] | None) -> str:
    return " > ".join(PRIORITIES[p] for p in ranking) if ranking else "_not set_"


def terms_modal(channel_id: str, side: str, terms: IncentiveTerms, month: int) -> dict:
    mine = terms.client_priorities if side == "client" else terms.vendor_priorities
    blocks = [
        text_input(
            "paid_for",
            "What is paid for",
            initial=terms.paid_for,
            multiline=True,
            optional=True,
            max_length=2000,
            placeholder="e.g. per resolved ticket; bonus above 90% CSAT",
        ),
        section(f"*Your side's ({side}) priority order* — if quality trumps cost, say so."),
        *_rank_selects(mine),
        static_select(
            "review_month",
            "Quarterly review in",
            [option(f"{month_name[m]} (and every 3 months)", str(m)) for m in range(1, 13)],
            initial=str(month),
        ),
    ]
    return modal(
        Form.TERMS, "Incentives", blocks, submit="Save", private_metadata=TermsState(channel_id=channel_id).dump()
    )


def edit_terms_button(channel_id: str) -> dict:
    """Leads of either company write down their side's priorities from here (no slash command needed)."""
    return button("Our priorities", Action.EDIT_TERMS, channel_id)


def terms_saved(user_id: str, channel_id: str, changes: dict) -> tuple[str, list[dict]]:
    changed = ", ".join(name.replace("_", " ") for name in changes)
    text = f":memo: {mention(user_id)} changed the charter's incentives: {changed} (`/partner incentives`)."
    return text, [section(text, accessory=edit_terms_button(channel_id))]


def terms_lines(terms: IncentiveTerms, next_review: datetime | None) -> list[str]:
    lines = [
        f"*What is paid for:* {escape(terms.paid_for) if terms.paid_for else '_not written down yet_'}",
        f"*Client priorities:* {ranking_text(terms.client_priorities)}",
        f"*Vendor priorities:* {ranking_text(terms.vendor_priorities)}",
    ]
    if next_review:
        lines.append(f"Next quarterly review: {date_token(next_review, '{date_short_pretty}')}")
    return lines


def ask_blocks(partnership: Partnership, review: IncentiveReview) -> tuple[str, list[dict]]:
    text = (
        f":scales: Time for the incentive review of {name_text(partnership.name)} in "
        f"{channel_link(partnership.channel_id)}: is what is paid for still what we want? "
        f"Answer by {date_token(review.closes_at)}."
    )
    blocks = [
        section(text),
        context(f"What is paid for: {escape(review.paid_for) if review.paid_for else 'not written down yet'}"),
        {
            "type": "actions",
            "elements": [
                button("Answer the review", Action.ANSWER, str(review.id), style="primary"),
                edit_terms_button(partnership.channel_id),
            ],
        },
    ]
    return text, blocks


def answer_modal(review: IncentiveReview, side: str) -> dict:
    mine = review.client_priorities if side == "client" else review.vendor_priorities
    blocks = [
        section(f"*What is paid for:* {escape(review.paid_for) if review.paid_for else '_not written down yet_'}"),
        radio_buttons(
            "still_wanted",
            "Is what is paid for still what we want?",
            [option(label, value) for value, label in STILL_WANTED.items()],
        ),
        text_input("why", "Why", multiline=True, optional=True, max_length=2000),
        section("*Rank what matters now*"),
        *_rank_selects(mine),
        text_input(
            "unwanted_behaviour",
            "Which behaviour do our metrics reward that we don't want?",
            multiline=True,
            optional=True,
            max_length=2000,
        ),
    ]
    return modal(
        Form.ANSWER, "Incentive review", blocks, submit="Send", private_metadata=ReviewState(review_id=review.id).dump()
    )


def answered_text() -> str:
    return "Thank you: your answer counts in the incentive review (you can answer again until it closes)."


def _side_text(partnership: Partnership, view: SideView) -> str:
    head = f"*{view.side.title()}* ({escape(partnership.org_of(view.side))})"
    if view.silent:
        return f"{head}\n:mute: no answer — {SILENCE}."
    tally = " · ".join(f"{label.lower()} {view.count(value)}" for value, label in STILL_WANTED.items())
    lines = [
        head,
        f"Still what we want? {tally}",
        f"Ranks now: {ranking_text(view.ranking)}",
        f"Charter: {ranking_text(view.charter)}",
    ]
    return "\n".join(lines)


def report_blocks(
    partnership: Partnership, report: ReviewReport, *, with_buttons: bool = True
) -> tuple[str, list[dict]]:
    review = report.review
    state = "closed" if review.closed_at else f"open until {date_token(review.closes_at)}"
    verdict = ":warning: *Misalignment*" if report.misaligned else ":white_check_mark: Aligned"
    title = f"Incentive review of {name_text(partnership.name)}"
    blocks = [
        section(f"*{title}* — opened {date_token(review.opened_at, '{date_short_pretty}')}, {state}\n{verdict}"),
        context(f"What is paid for: {escape(review.paid_for) if review.paid_for else 'not written down'}"),
        side_by_side(partnership, report),
    ]
    for index, point in enumerate(report.points[:40]):
        text = f"{ICONS[point.kind]} {escape(point.text)}"
        if point.kind == "silence":
            text += f" — {SILENCE}."
        accessory = button("Make an action", Action.MAKE_ACTION, f"{review.id}:{index}") if with_buttons else None
        blocks.append(section(text, accessory=accessory))
    if not report.points:
        blocks.append(context("Nothing to act on: both sides answered, want what is paid for and rank alike."))
    return title, blocks


def status_line(report: ReviewReport | None, next_review: datetime) -> str:
    """`/partner status`: how the latest incentive review came out, and when the next one opens."""
    upcoming = f"next review {date_token(next_review, '{date_short_pretty}')}"
    if report is None:
        return f"Incentives: no review yet; {upcoming}"
    opened = date_token(report.review.opened_at, "{date_short_pretty}")
    verdict = "*misalignment* flagged :warning:" if report.misaligned else "aligned"
    silent = [side for side, view in report.sides.items() if view.silent]
    said = f"; the {' and '.join(silent)} side silent" if silent else ""
    return f"Incentives: review of {opened} {verdict}{said}; {upcoming} — `/partner incentives`"


def no_review_blocks(terms_text: list[str]) -> tuple[str, list[dict]]:
    return "Incentives", [
        section("\n".join(terms_text)),
        context(
            "No incentive review yet. A lead starts one with `/partner incentives run`; they also come "
            "every quarter. Leads write down the incentives with `/partner incentives edit`."
        ),
    ]


def started_text(review: IncentiveReview) -> str:
    return f"The incentive review is open until {date_token(review.closes_at)}; leads and sponsors are asked."


def action_modal(review_id: int, index: int, text: str) -> dict:
    blocks = [
        text_input("title", "Action", initial=text, multiline=True, max_length=500),
        users_select("owner", "Owner"),
        datepicker("due_date", "Due date"),
    ]
    return modal(
        Form.MAKE_ACTION,
        "Make an action",
        blocks,
        submit="Create",
        private_metadata=PointState(review_id=review_id, point=index).dump(),
    )


def action_made_text(user_id: str, action, title: str, owner_id: str) -> str:
    return (
        f":dart: {mention(user_id)} turned an incentive review point into action {action.number}: {escape(title)} — "
        f"{mention(owner_id)}, due {action.due_date.isoformat()}."
    )


def misalignment_text(report: ReviewReport | None) -> str:
    """The latest review in one line for the digest: aligned, or the points of misalignment and silence."""
    if report is None:
        return "no incentive review yet"
    opened = date_token(report.review.opened_at, "{date_short_pretty}")
    flagged = [p for p in report.points if p.kind in ("first_priority", "not_wanted", "moved", "silence")]
    if not flagged:
        return f"review of {opened}: aligned"
    verdict = "*misalignment* :warning:" if report.misaligned else "no misalignment"
    return f"review of {opened}: {verdict} — " + " ".join(escape(p.text) for p in flagged[:6])


def side_by_side(partnership: Partnership, report: ReviewReport) -> dict:
    """Both sides' answers next to each other (two fields of one section)."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": _side_text(partnership, view)[:2000]} for view in report.sides.values()],
    }
