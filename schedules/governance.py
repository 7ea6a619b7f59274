"""The governance rhythm over time: each partnership's digest, the appraisal's pre-read and forms, and Home
tabs republished when what someone waits on changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bot import moments
from bot.claims import ScheduledSend, SendJob, schedule_send
from bot.governance import appraisal as appraisals
from bot.governance import digest as digests
from bot.governance import home as homes
from bot.governance import preread as prereads
from bot.governance import service as governance
from bot.governance.appraisal_blocks import answers_blocks, chart_comment, form_ask, preread_blocks, tally_text
from bot.governance.blocks import digest_blocks
from bot.governance.home_blocks import home_view
from bot.governance.models import Appraisal
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from bot.slack.governance_posts import note_refusal, post_to_governance
from bot.workdays import local_date, work_calendar, work_calendars
from schedules.messages import tell
from schedules.scheduler import PLAN_BATCH, probed


@probed(lambda now: moments.any_due("digest", now))
def plan_digests(rt: Runtime, now: datetime) -> None:
    """Owe each partnership the digest of the period running now, once its moment has come (keyed by the
    period, so any number of replicas owe it once). Only partnerships whose moment has come are read, a batch a
    tick; each look stores the next moment."""
    with rt.db.session() as session:
        looks = moments.due(session, "digest", now, PLAN_BATCH)
        if not looks:
            return
        ids = [partnership_id for partnership_id, _ in looks]
        found = {
            p.id: p
            for p in session.scalars(
                select(Partnership).where(Partnership.id.in_(ids)).options(joinedload(Partnership.charter))
            )
        }
        calendars = work_calendars(session, list(found.values()))
        # The digests owed lately (a period is a quarter at most): not owed again.
        owed = set(
            session.scalars(
                select(ScheduledSend.key).where(
                    ScheduledSend.kind == "digest",
                    ScheduledSend.subject_id.in_(ids),
                    ScheduledSend.due_at > now - timedelta(days=100),
                )
            )
        )
        for partnership_id, seen in looks:
            partnership = found[partnership_id]
            calendar = calendars[partnership_id]
            cadence = partnership.charter.digest_cadence if partnership.charter else "off"
            _owe_digest(session, partnership, cadence, calendar, owed, now)
            moments.move(session, "digest", partnership_id, seen, _next_digest(cadence, calendar, now))


def _owe_digest(session, partnership: Partnership, cadence: str, calendar, owed: set[str], now: datetime) -> None:
    moment = digests.send_moment(cadence, local_date(now, partnership.timezone), calendar)
    if moment is None or not partnership.created_at <= moment[1] <= now:
        return
    first, at = moment
    key = f"digest:{partnership.id}:{cadence}:{first.isoformat()}"
    if key in owed:
        return
    since = at - (first - digests.previous_period_start(cadence, first))
    schedule_send(
        session, key=key, kind="digest", due_at=at, subject_id=partnership.id, payload={"since": since.isoformat()}
    )


# Periods looked ahead for a digest moment: a year of weeks, past any run of holidays a partnership could set.
DIGEST_LOOKAHEAD = 60


def _next_digest(cadence: str, calendar, now: datetime) -> datetime:
    """The first digest moment after `now`: the period running now's, else a later period's."""
    if cadence == "off":
        return moments.NEVER
    day = local_date(now, calendar.timezone)
    for _ in range(DIGEST_LOOKAHEAD):
        moment = digests.send_moment(cadence, day, calendar)
        if moment is not None and moment[1] > now:
            return moment[1]
        day = digests.period_of(cadence, day)[1] + timedelta(days=1)
    return moments.NEVER


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
    post_to_governance(rt, channel=channel, text=text, blocks=blocks)
    return None


# -- the appraisal ----------------------------------------------------------------------------------------


@probed(lambda now: moments.any_due("appraisal", now))
def plan_appraisals(rt: Runtime, now: datetime) -> None:
    """Five business days before each council meeting, open its appraisal (once) and owe its pre-read. Only
    partnerships whose moment has come are read, a batch a tick; each look stores the next pre-read moment."""
    with rt.db.session() as session:
        looks = moments.due(session, "appraisal", now, PLAN_BATCH)
        if not looks:
            return
        found = {
            p.id: p
            for p in session.scalars(
                select(Partnership)
                .where(Partnership.id.in_([partnership_id for partnership_id, _ in looks]))
                .options(joinedload(Partnership.charter))
            )
        }
        calendars = work_calendars(session, list(found.values()))
        for partnership_id, seen in looks:
            partnership, calendar = found[partnership_id], calendars[partnership_id]
            charter = partnership.charter
            if charter.next_appraisal_on is None:
                charter.next_appraisal_on = appraisals.first_meeting(partnership, calendar)
            if now >= appraisals.preread_moment(charter.next_appraisal_on, calendar):
                appraisals.owe_preread(session, partnership, charter.next_appraisal_on, calendar, now)
            # Not yet past when the meeting could not be opened (it was already): looked at again next tick.
            moments.move(session, "appraisal", partnership_id, seen,
                         appraisals.preread_moment(charter.next_appraisal_on, calendar))  # fmt: skip


def send_preread(rt: Runtime, job: SendJob) -> str | None:
    """The pre-read in the governance channel (or the partnership's), the council mentioned; then the charts, the
    tally and the forms are owed, each its own claimed send."""
    try:
        return _send_preread(rt, job)
    except SlackApiError as exc:  # refused: nothing was recorded, and the send is retried or ends failed
        with rt.db.session() as session:
            appraisal = session.get(Appraisal, job.subject_id)
            partnership = session.get(Partnership, appraisal.partnership_id) if appraisal else None
            channel = partnership.governance_channel_id if partnership else None
        if channel:
            note_refusal(rt, channel, exc)
        raise


def _send_preread(rt: Runtime, job: SendJob) -> str | None:
    # Read, post with no transaction open, then record. The post carries the send's key (job.once), so a retry
    # after a post whose recording was lost finds that post instead of posting twice.
    with rt.db.read() as session:
        appraisal = session.get(Appraisal, job.subject_id)
        if appraisal is None or appraisal.preread_ts:
            return "dropped"
        partnership = session.get(Partnership, appraisal.partnership_id)
        pre = prereads.pre_read(session, partnership, appraisal.period_start, appraisal.period_end)
        members = governance.council(session, partnership)
        text, blocks = preread_blocks(partnership, appraisal, pre, [m.user_id for m in members])
        channel = partnership.governance_channel_id or partnership.channel_id
    ts = rt.gateway.post_message(channel=channel, text=text, blocks=blocks, **job.once)
    from bot.governance import charts  # matplotlib: imported only when a pre-read is sent (cold start)

    with rt.db.session() as session:
        appraisal = session.get(Appraisal, job.subject_id)
        partnership = session.get(Partnership, appraisal.partnership_id)
        appraisal.preread_ts, appraisal.preread_channel = ts, channel
        for index in charts.drawn(pre):
            schedule_send(session, key=f"{job.key}:chart:{index}", kind="appraisal_chart", due_at=job.due_at,
                          subject_id=appraisal.id, payload={"index": index})  # fmt: skip
        schedule_send(session, key=f"{job.key}:tally", kind="appraisal_tally", due_at=job.due_at,
                      subject_id=appraisal.id)  # fmt: skip
        ask_text, ask_blocks = form_ask(partnership, appraisal)
        tell(session, key=f"{job.key}:ask", due_at=job.due_at, partnership=partnership,
             people=[(m.team_id, m.user_id) for m in governance.council(session, partnership)], text=ask_text,
             blocks=ask_blocks)  # fmt: skip
        calendar = work_calendar(session, partnership)
        schedule_send(session, key=f"appraisal:{appraisal.id}:meeting", kind="appraisal_meeting",
                      due_at=max(appraisals.meeting_moment(appraisal.meeting_on, calendar), job.due_at),
                      subject_id=appraisal.id)  # fmt: skip
    return None


def send_chart(rt: Runtime, job: SendJob) -> str | None:
    """One chart as an image in the pre-read's thread (Slack's external upload flow), with its words beside it."""
    with rt.db.session() as session:
        appraisal = session.get(Appraisal, job.subject_id)
        if appraisal is None or not appraisal.preread_ts:
            return "dropped"
        partnership = session.get(Partnership, appraisal.partnership_id)
        pre = prereads.pre_read(session, partnership, appraisal.period_start, appraisal.period_end)
        channel, thread = appraisal.preread_channel, appraisal.preread_ts
    from bot.governance import charts  # matplotlib is a good part of a cold start: imported when a chart is owed

    chart = charts.ALL[job.payload["index"]](pre)
    rt.gateway.upload_file(
        channel=channel,
        thread_ts=thread,
        filename=chart.filename,
        content=chart.png,
        title=chart.title,
        alt_text=chart.text,
        initial_comment=chart_comment(chart.text),
    )
    return None


def send_tally(rt: Runtime, job: SendJob) -> str | None:
    """The count of answered forms in the pre-read's thread, kept up to date as forms come in. Read, post with no
    transaction open (carrying the send's key, so a lost answer never posts it twice), then record its ts."""
    with rt.db.read() as session:
        appraisal = session.get(Appraisal, job.subject_id)
        if appraisal is None or not appraisal.preread_ts or appraisal.tally_ts:
            return "dropped"
        text = tally_text(*appraisals.tally(session, appraisal))
        channel, thread = appraisal.preread_channel, appraisal.preread_ts
    ts = rt.gateway.post_message(channel=channel, thread_ts=thread, text=text, **job.once)
    with rt.db.session() as session:
        appraisal = session.get(Appraisal, job.subject_id)
        appraisal.tally_ts = ts
        latest = tally_text(*appraisals.tally(session, appraisal))
    if latest != text:  # a form answered while the count was being posted found no tally to update yet
        rt.gateway.update_message(channel=channel, ts=ts, text=latest)
    return None


def send_meeting(rt: Runtime, job: SendJob) -> str | None:
    """On the meeting's morning, the council's answers side by side in the pre-read's thread."""
    with rt.db.session() as session:
        appraisal = session.get(Appraisal, job.subject_id)
        if appraisal is None or not appraisal.preread_ts:
            return "dropped"
        text, blocks = answers_blocks(appraisal)
        channel, thread = appraisal.preread_channel, appraisal.preread_ts
    rt.gateway.post_message(channel=channel, thread_ts=thread, text=text, blocks=blocks)
    return None


# -- the App Home -----------------------------------------------------------------------------------------


@probed(homes.any_recheck_due)
def plan_home_refresh(rt: Runtime, now: datetime) -> None:
    """Republish the Home of everyone who opened it whenever what they wait on changes: only Homes marked by a
    change, or whose recheck moment came, are looked at, a batch a tick."""
    with rt.db.session() as session:
        for user_id, version in homes.changed_views(session, now, rt.settings.answer_key_secret(), PLAN_BATCH):
            homes.owe_publish(session, user_id, version, now)


def publish_home(rt: Runtime, job: SendJob) -> str | None:
    """A Home view is built when it is published, so it shows what is true then."""
    with rt.db.session() as session:
        view = home_view(
            homes.home(session, job.payload["user"], rt.clock.now(), rt.settings.answer_key_secret()), rt.clock.now()
        )
    rt.gateway.publish_home(user_id=job.payload["user"], view=view)
    return None


PERFORMERS = {
    "home_publish": publish_home,
    "digest": send_digest,
    "appraisal_preread": send_preread,
    "appraisal_chart": send_chart,
    "appraisal_tally": send_tally,
    "appraisal_meeting": send_meeting,
}
