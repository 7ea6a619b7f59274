"""Posts to a partnership's governance channel: the one way there, so a channel that stopped taking the bot's
posts (removed, archived, made private) is told to the leads once, not only logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.claims import owe_post, schedule_send
from bot.partnerships import governance_channel
from bot.partnerships.blocks import governance_unreachable_text
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

KIND = "governance_post"


def post_to_governance(rt: Runtime, *, channel: str, text: str, blocks: list[dict] | None = None, **once) -> str:
    """Post to `channel` (a governance channel, or the partnership's own when it has none) and return the ts.
    A refusal for good is re-raised after the leads of each partnership governed there are owed a note in their
    partnership channel, once per failure episode; a post that goes through ends the episode."""
    try:
        ts = rt.gateway.post_message(channel=channel, text=text, blocks=blocks, **once)
    except SlackApiError as exc:
        note_refusal(rt, channel, exc)
        raise
    with rt.db.session() as session:
        governance_channel.reached(session, channel)
    return ts


def note_refusal(rt: Runtime, channel: str, exc: SlackApiError) -> None:
    """Slack refused a post to `channel`: when that is for good and the channel governs partnerships, their leads
    are owed a note in each partnership channel, once per failure episode. Called with no transaction open."""
    error = exc.response.get("error")
    if error not in governance_channel.CHANNEL_GONE:
        return
    now = rt.clock.now()
    with rt.db.session() as session:
        for partnership in governance_channel.refused(session, channel, now):
            owe_post(
                session,
                key=f"governance-unreachable:{partnership.id}:{now.isoformat()}",
                due_at=now,
                subject_id=partnership.id,
                channel=partnership.channel_id,
                text=governance_unreachable_text(partnership, error),
            )


def owe_governance_post(
    session: Session, *, key: str, due_at: datetime, channel: str, text: str, subject_id: int | None = None
) -> bool:
    """Owe one post to a governance channel, sent once by the scheduler through `post_to_governance`."""
    return schedule_send(
        session, key=key, kind=KIND, due_at=due_at, subject_id=subject_id, payload={"channel": channel, "text": text}
    )
