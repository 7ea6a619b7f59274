"""`/partner status`: each area contributes its lines; this gathers them in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.actions import service as actions
from bot.escalations import service as escalations
from bot.escalations.blocks import metrics_lines
from bot.feedback import service as feedback
from bot.kudos import service as kudos
from bot.milestones import service as milestones
from bot.milestones.blocks import kudos_line
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.rhythms import answers
from bot.rhythms import service as rhythms
from bot.rhythms.blocks import blocker_blocks
from bot.slack.forms import context, section
from bot.slack.text import date_token, duration_text, escape, mention, weekdays_text
from bot.workdays import local_date


def partnership_lines(session: Session, partnership: Partnership, now: datetime) -> list[str]:
    by_side = partnerships.members_by_side(partnership)
    lines = []
    for side, members in by_side.items():
        leads = [mention(m.user_id) for m in members if m.role == "lead"]
        lines.append(
            f"*{side.title()}* {escape(partnership.org_of(side))}: {len(members)} member(s)"
            + (f", led by {', '.join(leads)}" if leads else ", no lead yet")
        )
    edit = partnerships.last_charter_edit(session, partnership)
    lines.append(
        f"Charter last edited {date_token(edit.edited_at)} by {mention(edit.user_id)}"
        if edit
        else "Charter: defaults from setup (`/partner charter` to read or edit)"
    )
    return lines


def checkin_lines(session: Session, partnership: Partnership, now: datetime) -> list[str]:
    upcoming = rhythms.next_rhythm(session, partnership)
    lines = [
        f"Next check-in: *{escape(upcoming.name)}* {date_token(upcoming.next_run_at)}"
        if upcoming
        else "Next check-in: none scheduled (`/partner rhythm add`)"
    ]
    last = answers.last_closed_checkin(session, partnership, now)
    if last is not None:
        summary = answers.summarize(last, partnership, local_date(last.closes_at, partnership.timezone))
        answered = len(summary.on_time) + len(summary.late)
        rate = f"{round(100 * answered / summary.expected_count)}%" if summary.expected_count else "—"
        lines.append(
            f"Last check-in ({escape(last.rhythm.name)}): {answered} of {summary.expected_count} answered "
            f"({rate}), {len(summary.on_time)} on time; median response {duration_text(summary.median_seconds)}"
        )
    return lines


def feedback_line(session: Session, partnership: Partnership) -> str:
    cycle = feedback.latest_closed_cycle(session, partnership)
    if cycle is None:
        return "Feedback: no cycle has closed yet"
    parts = []
    for direction in feedback.build_report(session, partnership, cycle).directions:
        arrow = f"{direction.giver} → {'vendor' if direction.giver == 'client' else 'client'}"
        score = (
            "silent"
            if direction.answers == 0
            else "hidden (fewer than 3 answers)"
            if direction.hidden
            else f"{direction.overall:.1f}/5"
        )
        parts.append(f"{arrow} {score}")
    return f"Feedback (cycle {cycle.number}): " + " · ".join(parts)


def milestone_line(session: Session, partnership: Partnership, now: datetime) -> str:
    upcoming = milestones.open_milestones(session, partnership)[:3]
    if not upcoming:
        return "Next milestones: none (`/partner milestone add`)"
    today = local_date(now, partnership.timezone)
    return "Next milestones: " + " · ".join(
        f"{escape(m.name)} {m.due_date.isoformat()}" + (" :red_circle: overdue" if m.due_date < today else "")
        for m in upcoming
    )


def actions_line(session: Session, partnership: Partnership, now: datetime) -> str:
    still_open = actions.open_actions(session, partnership)
    today = local_date(now, partnership.timezone)
    overdue = sum(action.due_date < today for action in still_open)
    return (
        f"Open actions: {len(still_open)}"
        + (f" ({overdue} overdue :red_circle:)" if overdue else "")
        + (" — `/partner actions`" if still_open else "")
    )


def status_blocks(session: Session, partnership: Partnership, now: datetime) -> tuple[str, list[dict]]:
    blocks = [
        section(f"*{escape(partnership.name)}* — status"),
        section("\n".join(partnership_lines(session, partnership, now))),
        section("\n".join(checkin_lines(session, partnership, now))),
    ]
    by_category = escalations.counts_by_category(session, partnership, now - timedelta(days=90))
    blocks.append(
        section(
            "\n".join(
                metrics_lines(escalations.metrics(session, partnership, now), by_category)
                + [
                    milestone_line(session, partnership, now),
                    feedback_line(session, partnership),
                    actions_line(session, partnership, now),
                    kudos_line(kudos.counts(session, partnership)),
                ]
            )
        )
    )
    blockers = answers.open_blockers(session, partnership)
    if blockers:
        blocks.append(section(f"*Open blockers ({len(blockers)})*"))
        blocks.extend(blocker_blocks(blockers))
    blocks.append(
        context(f"Timezone {partnership.timezone} · business days {weekdays_text(partnership.business_days)}")
    )
    return f"Status of {escape(partnership.name)}", blocks
