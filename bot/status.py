"""`/partner status`: each area contributes its lines; this gathers them in one place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.actions import blocks as action_blocks
from bot.actions import service as actions
from bot.decisions import blocks as decision_blocks
from bot.decisions import service as decisions
from bot.escalations import service as escalations
from bot.escalations.blocks import metrics_lines
from bot.feedback import blocks as feedback_blocks
from bot.feedback import service as feedback
from bot.governance import service as governance
from bot.governance.blocks import health_headline
from bot.incentives import blocks as incentive_blocks
from bot.incentives import service as incentives
from bot.kpis import blocks as kpi_blocks
from bot.kpis import service as kpis
from bot.kudos import blocks as kudos_blocks
from bot.kudos import service as kudos
from bot.milestones import blocks as milestone_blocks
from bot.milestones import service as milestones
from bot.partnerships import blocks as partnership_blocks
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.rhythms import answers
from bot.rhythms import blocks as rhythm_blocks
from bot.slack.forms import context, section
from bot.slack.text import escape
from bot.workdays import local_date, work_calendar


def status_blocks(session: Session, partnership: Partnership, now: datetime) -> tuple[str, list[dict]]:
    """Every area's lines from at most one statement each (eight in all, with blockers), whatever the history."""
    today = local_date(now, partnership.timezone)
    upcoming, last = answers.next_and_last(session, partnership, now)
    summary = answers.summarize(last, partnership, local_date(last.closes_at, partnership.timezone)) if last else None
    overview = escalations.overview(session, partnership, now)
    blocks = [
        section(f"*{escape(partnership.name)}* — status"),
        section(health_headline(governance.reading(session, partnership, now))),
        section(
            "\n".join(
                partnership_blocks.status_lines(
                    partnership,
                    partnerships.members_by_side(partnership),
                    partnerships.last_charter_edit(session, partnership),
                )
            )
        ),
        section("\n".join(rhythm_blocks.status_lines(upcoming, last, summary))),
        section(
            "\n".join(
                [
                    *metrics_lines(overview.severities, overview.by_category),
                    milestone_blocks.status_line(milestones.open_milestones(session, partnership, limit=3), today),
                    feedback_blocks.status_line(feedback.latest_scores(session, partnership)),
                    action_blocks.status_line(*actions.open_counts(session, partnership, today)),
                    kudos_blocks.status_line(kudos.counts(session, partnership)),
                    kpi_blocks.status_line(kpis.scorecard(session, partnership, now)),
                    incentive_blocks.status_line(
                        *incentives.status(session, partnership, work_calendar(session, partnership), now)
                    ),
                    decision_blocks.status_line(decisions.list_decisions(session, partnership, only_open=True)),
                ]
            )
        ),
    ]
    blockers = answers.open_blockers(session, partnership)
    if blockers:
        blocks.append(section(f"*Open blockers ({len(blockers)})*"))
        blocks.extend(rhythm_blocks.blocker_blocks(blockers))
    blocks.append(context(partnership_blocks.calendar_text(partnership)))
    return f"Status of {escape(partnership.name)}", blocks
