"""A channel's members from the roster, taken from Slack's member list only when the roster is stale."""

from __future__ import annotations

import logging
import threading
import zlib

from bot.partnerships import roster
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

log = logging.getLogger(__name__)

# One refresh of a channel at a time in this process: a burst that finds the roster stale asks Slack once, and
# the rest of it waits for that answer instead of each asking (and queueing on the method's rate limit) before
# its ack. Striped by channel, so other channels are not held up.
_REFRESHING = [threading.Lock() for _ in range(64)]


def _refreshing(channel: str) -> threading.Lock:
    return _REFRESHING[zlib.crc32(channel.encode()) % len(_REFRESHING)]


def channel_roster(rt: Runtime, channel: str) -> set[str] | None:
    """Everyone in the channel; None when Slack will not say and it never has (then known members stand in).

    `conversations.members` is asked at most once an hour per channel: join and leave events keep the
    roster current in between."""
    with rt.db.snapshot() as session:  # runs before every ack in a channel: a read that never waits for writers
        if not roster.needs_refresh(session, channel, rt.clock.now()):
            return roster.people_in_channel(session, channel)
    with _refreshing(channel):
        with rt.db.session() as session:  # whoever held the lock before may just have refreshed it
            if not roster.needs_refresh(session, channel, rt.clock.now()):
                return roster.people_in_channel(session, channel)
        return _refresh(rt, channel)


def _refresh(rt: Runtime, channel: str) -> set[str] | None:
    try:
        members = rt.gateway.channel_members(channel)
    except SlackApiError as exc:
        log.warning("could not list members of %s (%s)", channel, exc.response.get("error"))
        with rt.db.session() as session:
            known = roster.people_in_channel(session, channel)
            return known if known or not roster.needs_refresh(session, channel, rt.clock.now()) else None
    with rt.db.session() as session:
        roster.replace_roster(session, channel, members, rt.clock.now())
    return members
