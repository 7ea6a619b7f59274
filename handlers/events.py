"""Events: each delivered once (by event_id), bots ignored, thread replies routed in one place."""

from __future__ import annotations

import logging
from typing import Callable

from slack_bolt import App, BoltContext, BoltResponse
from sqlalchemy import select

from bot.claims import claim_event, release_event
from bot.partnerships import roster
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member
from bot.runtime import Runtime
from bot.slack.text import from_slack
from handlers import escalations, milestones, rhythms
from handlers.context import EVENT_CLAIMED, Actor, runtime

log = logging.getLogger(__name__)


def deliver_each_event_once(body, context: BoltContext, next):
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id:
        rt = runtime(context)
        with rt.db.session() as session:
            first = claim_event(
                session, event_id=event_id, event_type=body["event"].get("type", ""), now=rt.clock.now()
            )
        if not first:
            log.info("event %s already handled; acknowledging the retry", event_id)
            return BoltResponse(status=200, body="")
        context[EVENT_CLAIMED] = True
    return next()


def released_on_failure(listener: Callable) -> Callable:
    """An event listener whose failure gives its event's claim back: the claim was committed before the work
    (Bolt runs the work after the ack), so a failed delivery must not make Slack's retry of it look handled."""

    def handling(event, body, context):  # the names Bolt fills in
        try:
            listener(event, context)
        except Exception:
            if body.get("event_id"):
                with runtime(context).db.session() as session:
                    release_event(session, event_id=body["event_id"])
            raise

    handling.__name__ = handling.__qualname__ = listener.__name__
    return handling


def on_message(event, context):
    # Bolt runs only the first matching listener, so every kind of message is routed from here.
    rt = runtime(context)
    if event.get("subtype") == "message_changed":
        edited = event.get("message") or {}
        if edited.get("user") and not edited.get("bot_id") and edited.get("thread_ts") not in (None, edited["ts"]):
            edited_text = from_slack(edited.get("text", ""))  # entity-escaped by Slack; stored as typed
            rhythms.on_thread_edit(rt, event["channel"], edited["thread_ts"], edited["ts"], edited_text)
        return
    if event.get("bot_id") or event.get("subtype") in ("bot_message", "message_deleted"):
        return
    user_id = event.get("user")
    if not user_id:
        return
    with rt.db.session() as session:  # only people in a channel speak in it, whatever the roster last said
        if not roster.is_in_channel(session, event["channel"], user_id):
            roster.note_joined(session, event["channel"], user_id, rt.clock.now())
    actor = Actor(user_id=user_id, team_id=event.get("user_team") or home_team_of(rt, user_id))
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != event["ts"]:
        reply = (event["channel"], thread_ts, event["ts"], from_slack(event.get("text", "")), actor)
        (
            rhythms.on_thread_reply(rt, *reply)
            or escalations.on_thread_reply(rt, *reply)
            or milestones.on_thread_reply(rt, *reply)
        )
    note_participant(rt, event["channel"], actor)


def on_member_joined(event, context):
    rt = runtime(context)
    with rt.db.session() as session:
        roster.note_joined(session, event["channel"], event["user"], rt.clock.now())
    # This event's `team` is not reliably the joiner's home team: ask Slack, which also says who is a bot.
    info = rt.gateway.user_info(event["user"])
    if not info.is_bot:
        note_participant(rt, event["channel"], Actor(user_id=info.user_id, team_id=info.team_id))


def on_member_left(event, context):
    rt = runtime(context)
    with rt.db.session() as session:
        roster.note_left(session, event["channel"], event["user"], rt.clock.now())


def home_team_of(rt: Runtime, user_id: str) -> str:
    """The home team of someone whose event did not say it: from our records, else from Slack."""
    with rt.db.session() as session:
        known = session.scalar(select(Member.team_id).where(Member.user_id == user_id).limit(1))
    return known or rt.gateway.user_team(user_id)


def note_participant(rt: Runtime, channel_id: str, actor: Actor) -> None:
    """Someone spoke or joined in a partnership channel: make them a member of the side their team implies."""
    with rt.db.session() as session:
        partnership = partnerships.find_partnership(session, channel_id)
        if partnership is not None:
            partnerships.ensure_member(
                session, partnership, team_id=actor.team_id, user_id=actor.user_id, now=rt.clock.now()
            )


def register(app: App) -> None:
    app.middleware(deliver_each_event_once)
    app.event("message")(released_on_failure(on_message))
    app.event("member_joined_channel")(released_on_failure(on_member_joined))
    app.event("member_left_channel")(released_on_failure(on_member_left))
