"""The one path from a person's mistake or a Slack refusal to the ephemeral answer they see, before or
after ack, and the one way a button opens a modal (or says why it can't)."""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from handlers.context import actor_of, channel_of, runtime
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
    actor = actor_of(body)
    try:
        if body.get("response_url"):
            rt.gateway.respond(body["response_url"], text=text, blocks=blocks)
        elif channel_of(body):
            rt.gateway.post_ephemeral(channel=channel_of(body), user=actor.user_id, text=text, blocks=blocks)
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


def button(listener: Callable[[Runtime, dict, dict], None]) -> Callable:
    """A block action listener `listener(rt, body, action)`: acknowledged at once; a UserError or a Slack
    refusal is told to the person who pressed."""

    def acting(ack, body, context):  # the names Bolt fills in
        ack()
        try:
            listener(runtime(context), body, body["actions"][0])
        except (UserError, SlackApiError) as exc:
            if isinstance(exc, SlackApiError):
                log.warning("%s: Slack said %s", listener.__name__, exc.response.get("error"))
            tell(runtime(context), body, answer_for(exc))

    acting.__name__ = acting.__qualname__ = listener.__name__
    return acting


def open_modal(rt: Runtime, body: dict, build: Callable[[Session], dict]) -> None:
    """Open the view `build(session)` returns for whoever pressed; a UserError from `build` is told instead.

    The trigger lives 3 s: the view is built in one short read and opened at once, never retried later."""
    with rt.db.session() as session:
        view = build(session)
    rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)
