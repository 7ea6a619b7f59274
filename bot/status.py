"""`/partner status`: each area contributes its lines; this gathers them in one place.

A channel's status is one statement: the partnership (a detached copy, `bot.partnerships.copies`) and every
area's lines, read together. The lines' reads take their parameters (the partnership's id, its local date) from
a partnership, which is only known once read; so they are given the copy the channel's last status was read
with, and the copy read in the same statement is compared with it, row for row as fetched. Equal (nearly
always), the lines stand; different (the first status of a channel in this process, or the partnership, its
members, charter or teams changed since, by any replica), the lines are read again with the new copy."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session

from bot.actions import blocks as action_blocks
from bot.actions import service as actions
from bot.db import Database
from bot.decisions import blocks as decision_blocks
from bot.decisions import service as decisions
from bot.errors import NotSetUp
from bot.escalations import service as escalations
from bot.escalations.blocks import metrics_lines
from bot.feedback import blocks as feedback_blocks
from bot.feedback import service as feedback
from bot.gather import Gather, gathered
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
from bot.partnerships.copies import copy_read
from bot.partnerships.models import Partnership
from bot.rhythms import answers
from bot.rhythms import blocks as rhythm_blocks
from bot.slack.forms import context, section
from bot.slack.text import escape
from bot.workdays import local_date

# Per database, the copy each channel's last status was read with and its source; the most recent channels only.
KNOWN_CHANNELS = 1024
_known: WeakKeyDictionary[Database, dict[str, tuple[tuple, Partnership]]] = WeakKeyDictionary()
_known_guard = threading.Lock()


def channel_status(db: Database, channel_id: str, now: datetime) -> tuple[str, list[dict]]:
    """The channel's status, in one statement once the channel's partnership is known (NotSetUp without one).
    A copy kept is only ever read from (its attributes), by however many requests at once."""
    with _known_guard:
        known = _known.setdefault(db, {})
        guess = known.get(channel_id)
    with db.snapshot() as session:
        gather = Gather()
        copy = copy_read(gather, channel_id)
        lines = status_read(gather, guess[1], now) if guess is not None else None
        gather.run(session)
        partnership, source = copy(), copy.source()
        if partnership is None:
            with _known_guard:
                known.pop(channel_id, None)
            raise NotSetUp()
        if lines is None or guess is None or guess[0] != source:
            again = Gather()
            lines = status_read(again, partnership, now)
            again.run(session)
            guess = (source, partnership)
        answer = lines()
    with _known_guard:
        known.pop(channel_id, None)  # put back last: the dict's order is the order of use
        known[channel_id] = guess
        while len(known) > KNOWN_CHANNELS:
            known.pop(next(iter(known)))
    return answer


def status_blocks(session: Session, partnership: Partnership, now: datetime) -> tuple[str, list[dict]]:
    """Every area's lines from one gathered statement, whatever the history."""
    return gathered(session, lambda gather: status_read(gather, partnership, now))


def status_read(gather: Gather, partnership: Partnership, now: datetime) -> Callable[[], tuple[str, list[dict]]]:
    """Every area's lines as part of a gathered read."""
    today = local_date(now, partnership.timezone)
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

    def finish() -> tuple[str, list[dict]]:
        upcoming, last = next_and_last()
        summary = None
        if last:
            summary = answers.summarize(last, partnership, local_date(last.closes_at, partnership.timezone))
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

    return finish
