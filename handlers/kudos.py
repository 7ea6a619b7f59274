"""Listeners for kudos: `/kudos`, `/partner kudos` and the card's Kudos button (for both companies)."""

from __future__ import annotations

from slack_bolt import App

from bot.db import inserted_by
from bot.errors import UserError
from bot.kudos import service as kudos
from bot.kudos.blocks import kudos_failed_text, kudos_modal, kudos_post
from bot.kudos.ids import Form, KudosState
from bot.partnerships import service as partnerships
from bot.partnerships.ids import Card
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from handlers.context import Actor, actor_of, channel_of, runtime
from handlers.people import look_up, member_for
from handlers.replies import button, failure_text, form, open_modal, post_stored, tell_in
from handlers.router import CommandContext, CommandSet, person, text

commands = CommandSet()


@commands.add(
    "kudos",
    person(missing="Mention who you are thanking and say what they did."),
    text("what they did", missing="Say what they did."),
    summary="thank someone in the channel (same as /kudos)",
    example="/partner kudos @ravi for turning the backlog around",
)
def kudos_command(ctx: CommandContext, receiver_id: str, said: str) -> None:
    kudos.check(ctx.user_id, receiver_id, said)
    ctx.ack()  # the post in the channel is the answer; a failure after this comes back only to the giver
    give(ctx.runtime, ctx.channel_id, Actor(ctx.user_id, ctx.team_id), receiver_id, said)


def give(rt: Runtime, channel_id: str, giver: Actor, receiver_id: str, said: str) -> None:
    now = rt.clock.now()
    receiver = look_up(rt, [receiver_id])[receiver_id]
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, channel_id)
        given = kudos.give(
            session,
            partnership,
            member_for(session, partnership, giver, now),
            member_for(session, partnership, receiver, now),
            said,
            now,
        )
        text, inserted = kudos_post(partnership, given), inserted_by(session)
    post_stored(rt, inserted, channel=channel_id, text=text)  # kudos count only when people saw them


def on_card_kudos(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        partnerships.require_partnership(session, channel_of(body))
        return kudos_modal(channel_of(body))

    open_modal(rt, body, build)


def on_kudos_submitted(ack, body, view, context):
    rt = runtime(context)
    values, actor, channel = state_values(view), actor_of(body), KudosState.of(view).channel_id
    try:
        kudos.check(actor.user_id, values["receiver"], values.get("text") or "")
    except UserError as error:
        ack(response_action="errors", errors={"receiver": error.message})
        return
    ack()
    try:
        give(rt, channel, actor, values["receiver"], values.get("text") or "")
    except (UserError, SlackApiError) as exc:
        tell_in(rt, channel, actor.user_id, kudos_failed_text(failure_text(exc)))


def register(app: App) -> None:
    app.action(Card.KUDOS)(button(on_card_kudos))
    app.view(Form.GIVE)(form(on_kudos_submitted))
