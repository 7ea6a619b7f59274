"""Events: each delivered once (by event_id), bots ignored, thread replies routed in one place."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from slack_bolt import App, BoltContext, BoltResponse
from sqlalchemy import select

from bot.channels import rekey_channel
from bot.claims import claim_event, event_done, event_is_done, release_event
from bot.errors import DatabaseUnavailable, UserError
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
            done = not first and event_is_done(session, event_id=event_id)
        if done:
            log.info("event %s already handled; acknowledging the retry", event_id)
            return BoltResponse(status=200, body="")
        if not first:  # its first delivery is being worked on: if that fails, this retry must not have had a 200
            log.info("event %s is being handled; Slack is asked to retry it later", event_id)
            return BoltResponse(status=503, body="")
        context[EVENT_CLAIMED] = True
    return next()


# Slack waits 3 s for an event's answer: work still going after this is answered 200 and finishes after (its
# claim stays unfinished until it does). Slack calls with back-off (a users.info that fails) can take that long.
ANSWER_BUDGET = 2.0


class OneAnswer:
    """An event's one answer, whichever comes first: its work's outcome, or 200 once ANSWER_BUDGET has passed."""

    def __init__(self, ack):
        self._ack, self._lock, self.status = ack, threading.Lock(), None
        self._timer = threading.Timer(ANSWER_BUDGET, self.give, (200,))
        self._timer.daemon = True
        self._timer.start()

    def give(self, status: int) -> bool:
        """False when the event was answered already (the budget ran out first)."""
        with self._lock:
            if self.status is not None:
                return False
            self.status = status
        self._timer.cancel()
        if status == 200:
            self._ack()
        else:
            self._ack.response = BoltResponse(status=status, body="")
        return True


def answered_after_work(listener: Callable) -> Callable:
    """An event listener that answers Slack once its work is done: 200 when done (and its claim marked done),
    503 when the database failed it (and its claim given back), so that Slack delivers the event again instead
    of it being lost in an outage. When the claim cannot be given back (the database is gone), the claim stays
    unfinished and Slack's retry takes it over after EVENT_LEASE. Work longer than ANSWER_BUDGET is answered
    200 then. A bug is answered 200, as before, so that Slack does not repeat what broke."""

    def handling(ack, event, body, context):  # the names Bolt fills in
        rt, event_id = runtime(context), body.get("event_id")
        answer = OneAnswer(ack)
        slots = getattr(context.listener_runner, "slots", None)
        if slots is not None:  # the work waits for a work slot like any listener's (bot.ack_runner)
            slots.take()
        try:
            listener(event, context)
            if event_id:
                with rt.db.session() as session:
                    event_done(session, event_id=event_id, now=rt.clock.now())
        except DatabaseUnavailable as error:
            given_back = give_back(rt, event_id)
            if answer.give(503):
                log.warning(
                    "database unreachable (%s): event %s not handled; Slack delivers it again%s",
                    error,
                    event_id,
                    "" if given_back else " (its claim is taken over then)",
                )
            else:  # answered 200 when its budget ran out: Slack will not deliver it again
                log.error("event %s met the database outage after its answer (%s); it is not handled", event_id, error)
            return
        except Exception:
            answer.give(200)
            give_back(rt, event_id)
            raise
        answer.give(200)

    handling.__name__ = handling.__qualname__ = listener.__name__
    return handling


def give_back(rt: Runtime, event_id: str | None) -> bool:
    if not event_id:
        return True
    try:
        with rt.db.session() as session:
            release_event(session, event_id=event_id)
        return True
    except DatabaseUnavailable:
        return False


def on_event(app: App, event_type: str, listener: Callable) -> None:
    """Listen to an event, answered by the listener itself after its work (answered_after_work), not by Bolt
    before it: Bolt's `app.event` acknowledges events at once, and that answer could not be taken back."""
    app.event(event_type)(answered_after_work(listener))
    app._listeners[-1].auto_acknowledgement = False


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
            where = (event["channel"], edited["thread_ts"], edited["ts"], edited_text)
            (
                rhythms.on_thread_edit(rt, *where)
                or escalations.on_thread_edit(rt, *where, edited["user"])
                or milestones.on_thread_edit(rt, *where, edited["user"])
            )
        return
    if subtype == "message_deleted":
        # What a thread reply recorded goes with it: a check-in answer (and its blocker), an escalation's
        # timeline entry, a milestone's thanks.
        gone = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or gone.get("ts")
        if gone.get("thread_ts") not in (None, ts) and not gone.get("bot_id"):
            where = (event["channel"], gone["thread_ts"], ts)
            (
                rhythms.on_thread_delete(rt, *where)
                or escalations.on_thread_delete(rt, *where)
                or milestones.on_thread_delete(rt, *where)
            )
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
    on_event(app, "message", on_message)
    on_event(app, "member_joined_channel", on_member_joined)
    on_event(app, "member_left_channel", on_member_left)
    on_event(app, "channel_id_changed", on_channel_id_changed)
