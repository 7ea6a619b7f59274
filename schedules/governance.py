"""The governance rhythm over time: each partnership's digest, the appraisal's pre-read and forms, and Home
tabs republished when what someone waits on changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bot.claims import SendJob, schedule_send
from bot.governance import digest as digests
from bot.governance.blocks import digest_blocks
from bot.partnerships import service as partnerships
from bot.partnerships.models import Charter, Partnership
from bot.runtime import Runtime
from bot.workdays import local_date, work_calendar
from schedules.messages import tell


def plan_digests(rt: Runtime, now: datetime) -> None:
    """Owe each partnership the digest of the period running now, once its moment has come (keyed by the
    period, so any number of replicas owe it once)."""
    with rt.db.session() as session:
        found = session.scalars(
            select(Partnership)
            .join(Charter, Charter.partnership_id == Partnership.id)
            .where(Charter.digest_cadence != "off")
            .options(joinedload(Partnership.charter))
        ).all()
        for partnership in found:
            cadence = partnership.charter.digest_cadence
            calendar = work_calendar(session, partnership)
            moment = digests.send_moment(cadence, local_date(now, partnership.timezone), calendar)
            if moment is None or not partnership.created_at <= moment[1] <= now:
                continue
            first, at = moment
            since = at - (first - digests.previous_period_start(cadence, first))
            schedule_send(
                session,
                key=f"digest:{partnership.id}:{cadence}:{first.isoformat()}",
                kind="digest",
                due_at=at,
                subject_id=partnership.id,
                payload={"since": since.isoformat()},
            )


def send_digest(rt: Runtime, job: SendJob) -> str | None:
    """To the governance channel; without one, by DM to the installing company's sponsors (else its leads)."""
    with rt.db.session() as session:
        partnership = session.get(Partnership, job.subject_id)
        if partnership is None or partnership.charter.digest_cadence == "off":
            return "dropped"
        figures = digests.digest(session, partnership, datetime.fromisoformat(job.payload["since"]), job.due_at)
        today = local_date(job.due_at, partnership.timezone)
        text, blocks = digest_blocks(partnership, figures, partnership.charter.digest_cadence, today)
        channel = partnership.governance_channel_id
        if channel is None:
            home = [m for m in partnerships.sponsors(partnership) if m.is_home]
            home = home or [m for m in partnerships.leads(partnership) if m.is_home]
            people = [(m.team_id, m.user_id) for m in home]
            tell(session, key=job.key, due_at=job.due_at, partnership=partnership, people=people, text=text,
                 blocks=blocks)  # fmt: skip
            return None
    rt.gateway.post_message(channel=channel, text=text, blocks=blocks)
    return None


PERFORMERS = {"digest": send_digest}
