"""Plain messages owed by other jobs: one claimed send per DM or post, so a fan-out retries only
the messages Slack refused and never repeats one that went out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.claims import SendJob, owe_post, schedule_send
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.forms import section
from bot.slack.governance_posts import KIND as GOVERNANCE_POST
from bot.slack.governance_posts import post_to_governance
from bot.slack.text import mention


def send_dm(rt: Runtime, job: SendJob) -> None:
    rt.gateway.post_message(
        channel=job.payload["user"], text=job.payload["text"], blocks=job.payload.get("blocks"), **job.once
    )


def send_post(rt: Runtime, job: SendJob) -> None:
    rt.gateway.post_message(
        channel=job.payload["channel"],
        text=job.payload["text"],
        thread_ts=job.payload.get("thread_ts"),
        blocks=job.payload.get("blocks"),
        **job.once,
    )


def tell(
    session: Session,
    *,
    key: str,
    due_at: datetime,
    partnership: Partnership,
    people: list[tuple[str, str]],
    text: str,
    thread_ts: str | None = None,
    blocks: list[dict] | None = None,
) -> None:
    """Owe `text` to people: a DM each for the installing org, one mention in the partnership channel (or
    `thread_ts`) for the other org, whom apps may not be able to DM."""
    for team, user in people:
        if team == partnership.home_team_id:
            schedule_send(
                session,
                key=f"{key}:dm:{user}",
                kind="dm",
                due_at=due_at,
                payload={"user": user, "text": text, "blocks": blocks},
            )
    others = [user for team, user in people if team != partnership.home_team_id]
    if others:
        mentions = " ".join(mention(u) for u in others)
        owe_post(
            session,
            key=f"{key}:channel",
            due_at=due_at,
            channel=partnership.channel_id,
            thread_ts=thread_ts,
            text=f"{mentions} {text}",
            blocks=[section(mentions), *blocks] if blocks else None,
        )


def send_governance_post(rt: Runtime, job: SendJob) -> None:
    post_to_governance(rt, channel=job.payload["channel"], text=job.payload["text"], **job.once)


PERFORMERS = {"dm": send_dm, "post": send_post, GOVERNANCE_POST: send_governance_post}
