"""Who is in a partnership channel, including people who have never said a word there yet."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.errors import NoSide
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError, UserInfo
from bot.slack.rosters import channel_roster

log = logging.getLogger(__name__)


def channel_people(rt: Runtime, channel: str) -> set[str] | None:
    """Everyone in the channel, from the roster (refreshed from Slack at most hourly), or None when Slack
    will not say and never has (then known members stand in)."""
    return channel_roster(rt, channel)


# Bots in a channel (this one included) never become members, so without remembering them every check-in
# would ask Slack about each again (users.info is Tier 4: that alone held a fan-out to under two a second).
# Whether a user id is a bot never changes.
_bots: set[str] = set()


def newcomers(rt: Runtime, known: set[str], in_channel: set[str] | None) -> list[UserInfo]:
    """The people in the channel we have never seen, as Slack describes them (bots left out): asked with no
    transaction open, before the unit of work that makes them members (`learn_newcomers`)."""
    found = []
    for user_id in sorted((in_channel or set()) - known - _bots - {rt.identity.user_id}):
        try:
            info = rt.gateway.user_info(user_id)
        except SlackApiError as exc:  # one person Slack cannot describe must not hold up everyone else
            log.warning("skipping %s: %s", user_id, exc.response.get("error"))
            continue
        if info.is_bot:
            _bots.add(user_id)
            continue
        found.append(info)
    return found


def learn_newcomers(rt: Runtime, session: Session, partnership: Partnership, described: list[UserInfo]) -> None:
    """People in the channel we have never seen are members too: their home team tells their side."""
    for info in described:
        try:
            partnerships.ensure_member(
                session, partnership, team_id=info.team_id, user_id=info.user_id, now=rt.clock.now()
            )
        except NoSide:  # a further organisation's people wait for a lead to say which company they are
            continue
