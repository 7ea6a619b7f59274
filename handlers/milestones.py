"""Listeners for milestones and kudos: the subcommands, /kudos, the card's Kudos button, thread thanks."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.errors import UserError
from bot.kudos import service as kudos
from bot.kudos.blocks import kudos_modal, kudos_post
from bot.milestones import service as milestones
from bot.milestones.blocks import added_text, celebration, milestone_list
from bot.milestones.models import Milestone
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.partnerships.time_off import parse_day
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.workdays import local_date
from handlers.actors import Actor, actor_of, failure_text, member_for, tell_actor
from handlers.card import open_form_from_card
from handlers.router import CommandContext, HelpEntry, Reply, Router, parse_mention


def register(app: App, rt: Runtime, router: Router) -> None:
    def person(session, partnership: Partnership, user_id: str, now):
        """A mentioned person as a member: known ones keep their team; newcomers' team comes from Slack."""
        known = next((m for m in partnership.members if m.user_id == user_id), None)
        if known is not None:
            return known
        try:
            info = rt.gateway.user_info(user_id)
        except SlackApiError:
            raise UserError(f"I can't find <@{user_id}> in Slack.") from None
        if info.is_bot:
            raise UserError("That is a bot, not a person.")
        return partnerships.ensure_member(session, partnership, team_id=info.team_id, user_id=user_id, now=now)

    def add(ctx: CommandContext) -> Reply:
        if len(ctx.args) not in (3, 4):
            raise UserError("Give the name in quotes, the due date, and optionally the owner.", usage=milestones.USAGE)
        due = parse_day(ctx.args[2], milestones.USAGE)
        owner_id = parse_mention(ctx.args[3], milestones.USAGE) if len(ctx.args) == 4 else None
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            actor = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
            if owner_id and not any(m.user_id == owner_id for m in partnership.members):
                ctx.ack()  # a newcomer owner's team needs Slack: answer Slack first, reply when done
            owner = person(session, partnership, owner_id, now) if owner_id else None
            added = milestones.add(session, partnership, actor, name=ctx.args[1], due=due, owner=owner, now=now)
            if not ctx.acked:
                ctx.ack()
            # Posted inside the transaction: the milestone exists only with its message (its thread collects thanks).
            added.message_ts = rt.gateway.post_message(
                channel=partnership.channel_id, text=added_text(added, actor.user_id)
            )
            return Reply(f"Milestone {added.number} added.")

    def milestone(ctx: CommandContext) -> Reply | None:
        action = ctx.args[0].lower() if ctx.args else "list"
        if action == "add":
            return add(ctx)
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            actor = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
            today = local_date(now, partnership.timezone)
            if action == "list":
                return Reply(*milestone_list(milestones.open_milestones(session, partnership), today))
            if action not in ("done", "move", "remove"):
                raise UserError(f"`{action}` is not a milestone command.", usage=milestones.USAGE)
            if len(ctx.args) != (3 if action == "move" else 2):
                raise UserError("That milestone command needs different arguments.", usage=milestones.USAGE)
            target = milestones.find(session, partnership, ctx.args[1])
            if action == "move":
                milestones.move(session, partnership, target, actor, parse_day(ctx.args[2], milestones.USAGE), now)
                return Reply(f"Milestone {target.number} is now due {target.due_date.isoformat()}.")
            if action == "remove":
                milestones.remove(target, actor)
                return Reply(f"Milestone {target.number} removed.")
            landing = milestones.complete(session, partnership, target, actor, now)
            text, blocks = celebration(partnership, landing)
            channel = partnership.channel_id
        ctx.ack(Reply(f"Milestone {landing.milestone.number} is done. :tada:"))
        rt.gateway.post_message(channel=channel, text=text, blocks=blocks)
        return None

    router.add(
        "milestone",
        milestone,
        HelpEntry(
            '/partner milestone add "NAME" YYYY-MM-DD [@owner]',
            "add a dated goal",
            '/partner milestone add "Go-live in Manila" 2027-02-01 @dana',
        ),
        HelpEntry(
            "/partner milestone list · done N · move N YYYY-MM-DD · remove N",
            "milestones; done celebrates it (owner or lead)",
            "/partner milestone done 2",
        ),
    )

    def give(channel_id: str, giver: Actor, receiver_id: str, text: str) -> None:
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            receiver = person(session, partnership, receiver_id, now)
            given = kudos.give(session, partnership, member_for(session, partnership, giver, now), receiver, text, now)
            # Posted inside the transaction: kudos count only when people saw them.
            rt.gateway.post_message(channel=partnership.channel_id, text=kudos_post(partnership, given))

    def kudos_command(ctx: CommandContext) -> None:
        if not ctx.args:
            raise UserError("Mention who you are thanking and say what they did.", usage=kudos.USAGE)
        receiver = parse_mention(ctx.args[0], kudos.USAGE)
        text = ctx.rest.split(None, 1)[1] if len(ctx.rest.split(None, 1)) > 1 else ""
        kudos.check(ctx.user_id, receiver, text)
        ctx.ack()  # the post in the channel is the answer; a failure after this comes back only to the giver
        give(ctx.channel_id, Actor(ctx.user_id, ctx.team_id), receiver, text)

    router.add(
        "kudos",
        kudos_command,
        HelpEntry(
            "/partner kudos @user what they did",
            "thank someone in the channel (same as /kudos)",
            "/partner kudos @ravi for turning the backlog around",
        ),
    )

    @app.action("card_kudos")
    def on_card_kudos(ack, body):
        ack()
        open_form_from_card(rt, body, kudos_modal)

    @app.view("kudos_give")
    def on_kudos_submitted(ack, body, view):
        values, actor = state_values(view), actor_of(body)
        channel = json.loads(view["private_metadata"])["channel_id"]
        try:
            kudos.check(actor.user_id, values["receiver"], values.get("text") or "")
        except UserError as error:
            ack(response_action="errors", errors={"receiver": error.message})
            return
        ack()
        try:
            give(channel, actor, values["receiver"], values.get("text") or "")
        except (UserError, SlackApiError) as exc:
            tell_actor(rt, channel, actor, f":warning: Your kudos did not go through: {failure_text(exc)}")


def on_thread_reply(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, actor: Actor) -> bool:
    """People mentioned in a milestone's thread are thanked: they are named when it is celebrated."""
    with rt.db.session() as session:
        milestone = partnerships.find_by_thread(session, Milestone, channel_id, thread_ts)
        if milestone is None:
            return False
        milestones.note_thanks(session, milestone, text, actor.user_id)
    return True
