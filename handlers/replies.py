"""The one path from a person's mistake, a Slack refusal or a database outage to the ephemeral answer they
see, before or after ack, and the one way a button opens a modal (or says why it can't)."""

from __future__ import annotations

import json
import logging
from typing import Callable

from slack_bolt import BoltContext, BoltResponse
from sqlalchemy.orm import Session

from bot.db import Inserted
from bot.errors import DatabaseUnavailable, UserError
from bot.partnerships.service import find_partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from bot.slack.modal_state import channel_of_form
from handlers.context import EVENT_CLAIMED, actor_of, channel_of, runtime
from handlers.people import require_in_channel
from handlers.router import error_reply, slack_refusal

log = logging.getLogger(__name__)


def failure_text(exc: Exception) -> str:
    """Why something did not go through, to put in a sentence."""
    return exc.message if isinstance(exc, UserError) else f"Slack said {exc.response.get('error')}"


def answer_for(exc: Exception) -> str:
    """The whole ephemeral answer to a UserError (with its usage) or a Slack refusal (with the usual fix)."""
    return error_reply(exc).text if isinstance(exc, UserError) else slack_refusal(exc).text


def tell(rt: Runtime, body: dict, text: str, blocks: list[dict] | None = None) -> None:
    """An ephemeral answer to whoever sent `body`: through its response_url when it has one (works for the
    other organisation too), else in the channel, else by DM. Best effort: the answer itself may fail."""
    actor, channel = actor_of(body), channel_of(body) or channel_of_form(body.get("view") or {})
    try:
        if body.get("response_url"):
            rt.gateway.respond(body["response_url"], text=text, blocks=blocks)
        elif channel:
            rt.gateway.post_ephemeral(channel=channel, user=actor.user_id, text=text, blocks=blocks)
        else:
            rt.gateway.post_message(channel=actor.user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not answer %s: %s", actor.user_id, exc.response.get("error"))


def tell_in(rt: Runtime, channel: str, user_id: str, text: str) -> None:
    """An after-the-fact answer to someone whose modal already closed, in the channel it was about."""
    try:
        rt.gateway.post_ephemeral(channel=channel, user=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s in %s: %s", user_id, channel, exc.response.get("error"))


def refuse_outsiders(rt: Runtime, body: dict) -> None:
    """A button pressed in a partnership channel by someone not in it does nothing but say so."""
    with rt.db.read() as session:
        partnership = find_partnership(session, channel_of(body))
        if partnership is not None:
            require_in_channel(session, partnership.channel_id, actor_of(body))


def button(listener: Callable[[Runtime, dict, dict], None]) -> Callable:
    """A block action listener `listener(rt, body, action)`: acknowledged at once; a UserError or a Slack
    refusal is told to the person who pressed."""

    def acting(ack, body, context):  # the names Bolt fills in
        ack()
        try:
            refuse_outsiders(runtime(context), body)
            listener(runtime(context), body, body["actions"][0])
        except (UserError, SlackApiError) as exc:
            if isinstance(exc, SlackApiError):
                log.warning("%s: Slack said %s", listener.__name__, exc.response.get("error"))
            tell(runtime(context), body, answer_for(exc))

    acting.__name__ = acting.__qualname__ = listener.__name__
    return acting


def form(listener: Callable) -> Callable:
    """A form's submission listener `listener(ack, body, view, context)`: a UserError or a Slack refusal it
    raises before answering (a tampered or stale form, something gone since the form opened) shows on the
    form itself; one raised after its ack is told to the person in the form's channel."""

    def submitted(ack, body, view, context):  # the names Bolt fills in
        answered = []

        def answer(*args, **kwargs):
            answered.append(True)
            return ack(*args, **kwargs)

        try:
            listener(answer, body, view, context)
        except (UserError, SlackApiError) as exc:
            if isinstance(exc, SlackApiError):
                log.warning("%s: Slack said %s", listener.__name__, exc.response.get("error"))
            field = next(iter((view.get("state") or {}).get("values") or {}), None)
            if not answered and field is not None:
                ack(response_action="errors", errors={field: failure_text(exc)})
                return
            if not answered:
                ack()
            rt, channel = runtime(context), channel_of_form(view)
            if channel:
                tell_in(rt, channel, actor_of(body).user_id, answer_for(exc))
            else:
                tell(rt, body, answer_for(exc))

    submitted.__name__ = submitted.__qualname__ = listener.__name__
    return submitted


def open_modal(rt: Runtime, body: dict, build: Callable[[Session], dict]) -> None:
    """Open the view `build(session)` returns for whoever pressed; a UserError from `build` is told instead.

    The trigger lives 3 s: the view is built in one short read and opened at once, never retried later. A button
    pressed inside a modal pushes the new view on top of it rather than replacing it, as Slack asks."""
    with rt.db.session() as session:
        view = build(session)
    in_modal = (body.get("view") or {}).get("type") == "modal"
    rt.gateway.open_view(trigger_id=body["trigger_id"], view=view, push=in_modal)


def post_stored(
    rt: Runtime,
    inserted: Inserted,
    *,
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    thread_ts: str | None = None,
) -> str:
    """Post the message that a committed unit of work stored something for, and return its ts; when Slack
    refuses it, take back every row that unit of work inserted (it never was) and re-raise the refusal.

    The transaction pattern (docs/architecture.md): store and commit, post with no transaction open,
    then record the ts in a second short one."""
    try:
        return rt.gateway.post_message(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)
    except SlackApiError:
        rt.db.take_back(inserted)
        raise


def on_unhandled(error: Exception, body: dict, response: BoltResponse | None, context: BoltContext):
    """Bolt's error handler, for what no listener handled. An unreachable database is told here, once for every
    kind of request: a command or a form gets the answer in its ack (a form inline), a button or anything already
    acknowledged through its response_url (or in the channel), and an event is refused so that Slack delivers it
    again later. Anything else is logged and answered 500, as Bolt does by default."""
    if not isinstance(error, DatabaseUnavailable):
        log.error("unhandled error in a listener: %s", error, exc_info=error)
        return None
    kind = body.get("type") or body.get("command") or "request"
    if kind == "event_callback":
        if context.get(EVENT_CLAIMED):  # Slack has had its 200 already: it will not deliver this event again
            log.error("event %s met the database outage after its ack (%s); it is not handled", body["event_id"], error)
            return None
        log.warning("database unreachable (%s): event %s refused, Slack delivers it again", error, body.get("event_id"))
        return BoltResponse(status=503, body="")  # not claimed: Slack's retry is handled as a first delivery
    log.warning("database unreachable (%s): %s answered with the outage notice", error, kind)
    if response is None:  # the listener acknowledged before it met the outage
        tell(runtime(context), body, DatabaseUnavailable.message)
        return None
    if body.get("command"):
        return _json({"response_type": "ephemeral", "text": DatabaseUnavailable.message})
    field = _first_field(body.get("view") or {}) if body.get("type") == "view_submission" else None
    if field:
        return _json({"response_action": "errors", "errors": {field: DatabaseUnavailable.message}})
    # A button (or a form with nothing to mark): acknowledged now, told right after, off the request thread.
    context.listener_runner.listener_executor.submit(tell, runtime(context), body, DatabaseUnavailable.message)
    return BoltResponse(status=200, body="")


def _json(answer: dict) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})


def _first_field(view: dict) -> str | None:
    """The block id of a form's first input, where an inline error can show."""
    fields = list(((view.get("state") or {}).get("values") or {}))
    fields += [b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id")]
    return fields[0] if fields else None
