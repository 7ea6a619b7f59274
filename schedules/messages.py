"""Plain messages owed by other jobs: one claimed send per DM or post, so a fan-out retries only
the messages Slack refused and never repeats one that went out."""

from __future__ import annotations

from bot.claims import SendJob
from bot.runtime import Runtime


def send_dm(rt: Runtime, job: SendJob) -> None:
    rt.gateway.post_message(channel=job.payload["user"], text=job.payload["text"], blocks=job.payload.get("blocks"))


def send_post(rt: Runtime, job: SendJob) -> None:
    rt.gateway.post_message(channel=job.payload["channel"], text=job.payload["text"],
                            thread_ts=job.payload.get("thread_ts"), blocks=job.payload.get("blocks"))


PERFORMERS = {"dm": send_dm, "post": send_post}
