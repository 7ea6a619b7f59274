"""A channel's members from the roster, taken from Slack's member list only when the roster is stale."""

from __future__ import annotations

import logging
import threading

from bot.partnerships import roster
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

log = logging.getLogger(__name__)


def channel_roster(rt: Runtime, channel: str) -> set[str] | None:
    """Everyone in the channel; None when Slack will not say and it never has (then known members stand in).

    `conversations.members` is asked at most once an hour per channel: join and leave events keep the
    roster current in between."""
    with rt.db.session() as session:
        if not roster.needs_refresh(session, channel, rt.clock.now()):
            return roster.people_in_channel(session, channel)
    return _refreshed(rt, channel)


def keep_fresh(rt: Runtime, channel: str) -> None:
    """The channel's roster made current (from Slack, when over an hour old) without reading who is in it: one
    small read when it is fresh, which is nearly always."""
    with rt.db.read() as session:
        if not roster.needs_refresh(session, channel, rt.clock.now()):
            return
    _refreshed(rt, channel)


# One refresh of a channel at a time in this process: workers sending that channel's check-ins together would
# otherwise each ask Slack for the same member list (Tier 4: about 100 a minute for the whole workspace).
_refreshing: dict[str, threading.Lock] = {}
_refreshing_guard = threading.Lock()


def _refreshed(rt: Runtime, channel: str) -> set[str] | None:
    with _refreshing_guard:
        lock = _refreshing.setdefault(channel, threading.Lock())
    with lock:
        with rt.db.session() as session:  # another worker may have refreshed it while this one waited
            if not roster.needs_refresh(session, channel, rt.clock.now()):
                return roster.people_in_channel(session, channel)
        return _asked(rt, channel)


def _asked(rt: Runtime, channel: str) -> set[str] | None:
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
