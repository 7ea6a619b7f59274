"""A channel's members from the roster, taken from Slack's member list only when the roster is stale."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from weakref import WeakKeyDictionary

from bot.db import Database
from bot.partnerships import roster
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

log = logging.getLogger(__name__)


def channel_roster(rt: Runtime, channel: str) -> set[str] | None:
    """Everyone in the channel; None when Slack will not say and it never has (then known members stand in).

    `conversations.members` is asked at most once an hour per channel: join and leave events keep the
    roster current in between."""
    with rt.db.snapshot() as session:  # runs before every ack in a channel: a read that never waits for writers
        if _found_fresh(rt, session, channel):
            return roster.people_in_channel(session, channel)
    return _refreshed(rt, channel)


def keep_fresh(rt: Runtime, channel: str) -> None:
    """The channel's roster made current (from Slack, when over an hour old) without reading who is in it: when it
    is fresh, which is nearly always, one small read, and none at all while this process knows it still is."""
    if _known_fresh(rt, channel):
        return
    with rt.db.snapshot() as session:
        if _found_fresh(rt, session, channel):
            return
    _refreshed(rt, channel)


# Until when each channel's roster is known to be fresh, per database: a refresh (by any replica) only ever moves
# that moment later, so what one read found stays true until then; only the read is saved, before every ack.
_fresh_until: WeakKeyDictionary[Database, dict[str, datetime]] = WeakKeyDictionary()


def _known_fresh(rt: Runtime, channel: str) -> bool:
    until = _fresh_until.get(rt.db, {}).get(channel)
    return until is not None and rt.clock.now() <= until


def _found_fresh(rt: Runtime, session, channel: str) -> bool:
    """Whether the roster is fresh, read in `session` unless this process already knows it is (and then noted)."""
    if _known_fresh(rt, channel):
        return True
    until = roster.fresh_until(session, channel)
    if until is None or rt.clock.now() > until:
        return False
    _fresh_until.setdefault(rt.db, {})[channel] = until
    return True


# One refresh of a channel at a time in this process: workers sending that channel's check-ins together, or a
# burst of presses finding the roster stale before their acks, would otherwise each ask Slack for the same member
# list (Tier 4: about 100 a minute for the whole workspace) and queue on its rate limit; the rest wait for that
# one answer. Other channels are not held up.
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
