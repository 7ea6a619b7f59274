"""Whether the governance channel still takes the bot's posts: a refusal for good starts a failure episode,
told to the leads once; a post that goes through (or a setup that checked the channel) ends it. No Slack here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.partnerships.models import Partnership

# Slack's answers that mean the bot cannot post there until someone acts (re-invites it, unarchives, re-picks).
CHANNEL_GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def refused(session: Session, channel_id: str, now: datetime) -> list[Partnership]:
    """The partnerships whose governance channel `channel_id` just refused a post and were not yet known to be
    cut off: marked now, returned so their leads are told (once per episode, whoever noticed first)."""
    newly = []
    for partnership in session.scalars(select(Partnership).where(Partnership.governance_channel_id == channel_id)):
        marked = session.execute(
            update(Partnership)
            .where(Partnership.id == partnership.id, Partnership.governance_unreachable_since.is_(None))
            .values(governance_unreachable_since=now)
        )
        if marked.rowcount:
            newly.append(partnership)
    return newly


def reached(session: Session, channel_id: str) -> None:
    """A post to `channel_id` went through: any failure episode of the partnerships governed there is over."""
    session.execute(
        update(Partnership)
        .where(Partnership.governance_channel_id == channel_id, Partnership.governance_unreachable_since.is_not(None))
        .values(governance_unreachable_since=None)
    )
