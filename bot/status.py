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
from bot.gather import Gather
from bot.governance import service as governance
from bot.governance.blocks import health_headline
from bot.incentives import blocks as incentive_blocks
from bot.incentives import status as incentives
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
from bot.workdays import local_date


def status_blocks(session: Session, partnership: Partnership, now: datetime) -> tuple[str, list[dict]]:
    """Every area's lines from one gathered statement, whatever the history (plus the members, when the
    partnership came without them)."""
    today = local_date(now, partnership.timezone)
    gather = Gather()
    next_and_last = answers.next_and_last_read(gather, partnership, now)
    health = governance.reading_read(gather, partnership, now)
    last_edit = partnerships.last_charter_edit_read(gather, partnership)
    overview = escalations.overview_read(gather, partnership, now)
    next_milestones = milestones.next_milestones_read(gather, partnership, count=3)
    scores = feedback.latest_scores_read(gather, partnership)
    open_actions = actions.open_counts_read(gather, partnership, today)
    kudos_counts = kudos.counts_read(gather, partnership, now)
    scorecard = kpis.scorecard_read(gather, partnership, now)
    incentive_status = incentives.status_read(gather, partnership, now)
    open_decisions = decisions.open_states_read(gather, partnership)
    blockers = answers.open_blockers_read(gather, partnership, shown=rhythm_blocks.BLOCKERS_SHOWN)
    gather.run(session)

    upcoming, last = next_and_last()
    summary = answers.summarize(last, partnership, local_date(last.closes_at, partnership.timezone)) if last else None
    metrics = overview()
    blocks = [
        section(f"*{escape(partnership.name)}* — status"),
        section(health_headline(health())),
        section(
            "\n".join(
                partnership_blocks.status_lines(partnership, partnerships.members_by_side(partnership), last_edit())
            )
        ),
        section("\n".join(rhythm_blocks.status_lines(upcoming, last, summary))),
        section(
            "\n".join(
                [
                    *metrics_lines(metrics.severities, metrics.by_category),
                    milestone_blocks.status_line(next_milestones.get(), today),
                    feedback_blocks.status_line(scores()),
                    action_blocks.status_line(*open_actions()),
                    kudos_blocks.status_line(kudos_counts()),
                    kpi_blocks.status_line(scorecard()),
                    incentive_blocks.status_line(*incentive_status()),
                    decision_blocks.status_line(open_decisions.get()),
                ]
            )
        ),
    ]
    shown, total = blockers()
    if total:
        blocks.append(section(f"*Open blockers ({total})*"))
        blocks.extend(rhythm_blocks.blocker_blocks(shown, total))
    blocks.append(context(partnership_blocks.calendar_text(partnership)))
    return f"Status of {escape(partnership.name)}", blocks
