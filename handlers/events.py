"""Events: each delivered once (by event_id), bots ignored, thread replies routed in one place."""

from __future__ import annotations

import logging
from typing import Callable

from slack_bolt import App, BoltContext, BoltResponse
from sqlalchemy import select

from bot.channels import rekey_channel
from bot.claims import claim_event, release_event
from bot.errors import UserError
from bot.partnerships import roster
from bot.partnerships.blocks import direct_message_answer
from bot.partnerships.models import Member
from bot.runtime import Runtime
from bot.slack.text import from_slack
from handlers import escalations, milestones, rhythms
from handlers.context import EVENT_CLAIMED, Actor, runtime
from handlers.people import learn_people
from handlers.replies import answer_for, tell_in

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
    subtype = event.get("subtype")
    if event.get("channel_type") == "im":
        answer_direct_message(rt, event)
        return
    if subtype == "message_changed":
        edited = event.get("message") or {}
        if edited.get("user") and not edited.get("bot_id") and edited.get("thread_ts") not in (None, edited["ts"]):
            edited_text = from_slack(edited.get("text", ""))  # entity-escaped by Slack; stored as typed
            rhythms.on_thread_edit(rt, event["channel"], edited["thread_ts"], edited["ts"], edited_text)
        return
    if subtype == "message_deleted":
        gone = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or gone.get("ts")
        if gone.get("thread_ts") not in (None, ts) and not gone.get("bot_id"):
            rhythms.on_thread_delete(rt, event["channel"], gone["thread_ts"], ts)
        return
    if event.get("bot_id") or subtype == "bot_message":
        return
    user_id = event.get("user")
    if not user_id or user_id == rt.identity.user_id:
        return
    with rt.db.session() as session:  # only people in a channel speak in it, whatever the roster last said
        if not roster.is_in_channel(session, event["channel"], user_id):
            roster.note_joined(session, event["channel"], user_id, rt.clock.now())
    # A bot joining (a `channel_join` message without bot_id) is looked up and left out like any bot.
    learn_people(rt, event["channel"], [user_id], tolerant=False)
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != event["ts"]:
        actor = Actor(user_id=user_id, team_id=event.get("user_team") or home_team_of(rt, user_id))
        reply = (event["channel"], thread_ts, event["ts"], from_slack(event.get("text", "")), actor)
        try:
            (
                rhythms.on_thread_reply(rt, *reply)
                or escalations.on_thread_reply(rt, *reply)
                or milestones.on_thread_reply(rt, *reply)
            )
        except UserError as error:  # e.g. someone of a team with no side yet: told, and the event is done
            tell_in(rt, event["channel"], user_id, answer_for(error))


def answer_direct_message(rt: Runtime, event: dict) -> None:
    """A person writing to the bot directly gets a short pointer to where partnerbot works (once per message:
    events are claimed by id). Its own messages, other bots' and edits are not answered."""
    if event.get("bot_id") or event.get("subtype") or event.get("user") in (None, rt.identity.user_id):
        return
    rt.gateway.post_message(channel=event["channel"], text=direct_message_answer())


def on_member_joined(event, context):
    rt = runtime(context)
    with rt.db.session() as session:
        roster.note_joined(session, event["channel"], event["user"], rt.clock.now())
    # This event's `team` is not reliably the joiner's home team: Slack is asked, which also says who is a bot.
    learn_people(rt, event["channel"], [event["user"]], tolerant=False)


def on_member_left(event, context):
    rt = runtime(context)
    with rt.db.session() as session:
        roster.note_left(session, event["channel"], event["user"], rt.clock.now())


def on_channel_id_changed(event, context):
    """Slack re-keyed a channel (e.g. when it became shared): everything that names it follows."""
    rt = runtime(context)
    with rt.db.session() as session:
        rekey_channel(session, old=event.get("old_channel_id", ""), new=event.get("new_channel_id", ""))


def home_team_of(rt: Runtime, user_id: str) -> str:
    """The home team of someone whose event did not say it: from our records, else from Slack."""
    with rt.db.session() as session:
        known = session.scalar(select(Member.team_id).where(Member.user_id == user_id).limit(1))
    return known or rt.gateway.user_team(user_id)


def register(app: App) -> None:
    app.middleware(deliver_each_event_once)
    app.event("message")(released_on_failure(on_message))
    app.event("member_joined_channel")(released_on_failure(on_member_joined))
    app.event("member_left_channel")(released_on_failure(on_member_left))
    app.event("channel_id_changed")(released_on_failure(on_channel_id_changed))
