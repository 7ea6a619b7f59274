"""Scheduled work of rhythms: plan due check-ins, post them, nudge the missing, summarise at close."""

from __future__ import annotations

from datetime import datetime

from bot.celebrations import service as celebrations
from bot.claims import SendJob, schedule_send
from bot.partnerships.models import Member
from bot.partnerships.time_off import is_out_of_office
from bot.rhythms import answers
from bot.rhythms import service as rhythms
from bot.rhythms.blocks import checkin_message, nudge_dm, nudge_thread, summary_message
from bot.rhythms.models import Checkin
from bot.runtime import Runtime
from bot.workdays import local_date, work_calendar
from schedules.people import channel_people, learn_newcomers, newcomers
from schedules.scheduler import PLAN_BATCH


def plan_checkins(rt: Runtime, now: datetime) -> None:
    """One batch a tick, in one transaction: what it owes is sent before the next tick plans more (planning
    moves each rhythm past now, so the next batch is the next due)."""
    with rt.db.session() as session:
        calendars = {}
        for rhythm in rhythms.due_rhythms(session, now, limit=PLAN_BATCH):
            if rhythm.partnership_id not in calendars:
                calendars[rhythm.partnership_id] = work_calendar(session, rhythm.partnership)
            rhythms.plan_rhythm(session, rhythm, calendars[rhythm.partnership_id], now)


def post_checkin(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        if checkin is None or checkin.status != "due":
            return "dropped"
        if not checkin.rhythm.active:  # paused or removed while this was waiting for Slack
            checkin.status = "skipped"
            return "dropped"
        if rt.clock.now() >= checkin.closes_at:  # Slack kept refusing until the window passed
            checkin.status = "missed"
            return "dropped"
        channel, known = checkin.partnership.channel_id, {m.user_id for m in checkin.partnership.members}
    in_channel = channel_people(rt, channel)
    described = newcomers(rt, known, in_channel)  # Slack is asked about them before the unit of work
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        partnership = checkin.partnership
        learn_newcomers(rt, session, partnership, described)
        day = local_date(checkin.scheduled_for, partnership.timezone)
        asked = rhythms.audience_of(partnership, checkin.rhythm, in_channel)
        expected = [m for m in asked if not is_out_of_office(m, day)]
        text, blocks = checkin_message(partnership, checkin.rhythm, checkin, expected)
        asked_ids = [m.id for m in asked]
    # Posted with no transaction open; a run that posted but did not record (the database failed just after) is
    # run again, and the post, which carries the send's key, is found instead of posted twice.
    ts = rt.gateway.post_message(channel=channel, text=text, blocks=blocks, **job.once)
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        asked = [session.get(Member, member_id) for member_id in asked_ids]
        rhythms.mark_sent(session, checkin, asked, day, ts, rt.clock.now())
    return None


def nudge(rt: Runtime, job: SendJob) -> str | None:
    """Owe one DM per missing person of the installing org and one thread mention for the other org."""
    now = rt.clock.now()
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        if checkin.status != "sent" or now >= checkin.closes_at:
            return "dropped"
        partnership = checkin.partnership
        missing = rhythms.missing_people(checkin, partnership, local_date(now, partnership.timezone))
        home = [p for p in missing if p["team"] == partnership.home_team_id]
        others = [p for p in missing if p["team"] != partnership.home_team_id]
        for person in home:
            schedule_send(
                session,
                key=f"nudge_dm:{checkin.id}:{person['team']}:{person['user']}",
                kind="nudge_dm",
                due_at=job.due_at,
                subject_id=checkin.id,
                payload=person,
            )
        if others:
            schedule_send(
                session,
                key=f"nudge_thread:{checkin.id}",
                kind="nudge_thread",
                due_at=job.due_at,
                subject_id=checkin.id,
                payload={"people": others},
            )
    return None


def _still_missing(session, checkin: Checkin, people: list[dict], now: datetime) -> list[dict]:
    partnership = checkin.partnership
    missing = rhythms.missing_people(checkin, partnership, local_date(now, partnership.timezone))
    return [p for p in people if p in missing]


def nudge_by_dm(rt: Runtime, job: SendJob) -> str | None:
    now = rt.clock.now()
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        if now >= checkin.closes_at or not _still_missing(session, checkin, [job.payload], now):
            return "dropped"  # answered (or went away) since the nudge was planned
        text, blocks = nudge_dm(checkin.partnership, checkin.rhythm, checkin)
    rt.gateway.post_message(channel=job.payload["user"], text=text, blocks=blocks, **job.once)
    return None


def nudge_in_thread(rt: Runtime, job: SendJob) -> str | None:
    now = rt.clock.now()
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        people = _still_missing(session, checkin, job.payload["people"], now)
        if now >= checkin.closes_at or not people:
            return "dropped"
        channel = checkin.partnership.channel_id
        text, thread_ts = nudge_thread([p["user"] for p in people], checkin), checkin.message_ts
    rt.gateway.post_message(channel=channel, thread_ts=thread_ts, text=text, **job.once)
    return None


def post_summary(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.snapshot() as session:  # it only reads: no write lock while the summary is worked out
        checkin = session.get(Checkin, job.subject_id)
        if checkin.status != "sent":
            return "dropped"
        partnership = checkin.partnership
        summary = answers.summarize(checkin, partnership, local_date(checkin.closes_at, partnership.timezone))
        text, blocks = summary_message(checkin.rhythm, summary)
        channel, thread_ts = partnership.channel_id, checkin.message_ts
    summary_ts = rt.gateway.post_message(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, **job.once)
    with rt.db.session() as session:
        checkin = session.get(Checkin, job.subject_id)
        checkin.summary_ts = summary_ts
        celebrations.owe_streak(session, checkin.partnership, rt.clock.now())
    return None


PERFORMERS = {
    "checkin": post_checkin,
    "nudge": nudge,
    "nudge_dm": nudge_by_dm,
    "nudge_thread": nudge_in_thread,
    "summary": post_summary,
}
