"""Listeners for feedback: giving it (command, card, the asks), cycle settings, the report, making actions."""

from __future__ import annotations

import json
from datetime import date

from slack_bolt import App

from bot.actions import service as actions
from bot.errors import UserError
from bot.feedback import service as feedback
from bot.feedback.blocks import action_modal, cycle_modal, feedback_modal, report_blocks
from bot.feedback.models import FeedbackCycle, FeedbackPoint
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.slack.text import escape, mention
from bot.workdays import local_date
from handlers.actors import Actor, actor_of, failure_text, member_for, tell_actor
from handlers.router import CommandContext, HelpEntry, Reply, Router, error_reply

USAGE = "/partner feedback | feedback cycle | feedback report"


def register(app: App, rt: Runtime, router: Router) -> None:
    def command(ctx: CommandContext) -> Reply | None:
        action = ctx.args[0].lower() if ctx.args else "give"
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            member = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
            if action == "report":
                cycle = feedback.latest_closed_cycle(session, partnership)
                if cycle is None:
                    return Reply("No feedback cycle has closed yet.")
                report = feedback.build_report(session, partnership, cycle)
                return Reply(*report_blocks(partnership, report, local_date(now, partnership.timezone)))
            if action == "cycle":
                partnerships.require_lead(member, "change feedback cycles")
                view = cycle_modal(partnership)
            elif action == "give":
                view = give_view(session, partnership, member, None, now)
            else:
                raise UserError(f"`{action}` is not a feedback command.", usage=USAGE)
        ctx.ack()
        rt.gateway.open_view(trigger_id=ctx.trigger_id, view=view)
        return None

    router.add(
        "feedback",
        command,
        HelpEntry("/partner feedback", "give feedback about the other side now (opens a form)", "/partner feedback"),
        HelpEntry(
            "/partner feedback cycle",
            "how often both sides are asked, and anonymity (leads)",
            "/partner feedback cycle",
        ),
        HelpEntry("/partner feedback report", "the latest cycle's report", "/partner feedback report"),
    )

    def give_view(session, partnership: Partnership, member, cycle_id: int | None, now) -> dict:
        cycle = session.get(FeedbackCycle, cycle_id) if cycle_id else None
        if cycle is None or cycle.status != "open":  # an old ask's button: the running cycle instead
            cycle = feedback.cycle_for_giving(session, partnership, now)
        if cycle is None:
            raise UserError("No feedback cycle is running: a lead can turn them on with `/partner feedback cycle`.")
        return feedback_modal(partnership, member.side, cycle)

    def on_give_button(ack, body, action):
        ack()
        now, actor = rt.clock.now(), actor_of(body)
        try:
            with rt.db.session() as session:
                if action["action_id"] == "feedback_give":  # from an ask: the cycle names the partnership
                    cycle = session.get(FeedbackCycle, int(action["value"]))
                    partnership, cycle_id = cycle.partnership, cycle.id
                else:
                    partnership = partnerships.require_partnership(session, body["channel"]["id"])
                    cycle_id = None
                view = give_view(session, partnership, member_for(session, partnership, actor, now), cycle_id, now)
        except UserError as error:
            rt.gateway.respond(body["response_url"], text=error_reply(error).text)
            return
        rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)

    app.action("feedback_give")(on_give_button)
    app.action("card_give_feedback")(on_give_button)

    @app.view("feedback_give")
    def on_feedback_submitted(ack, body, view):
        form, errors = feedback.feedback_from_form(state_values(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        now, actor = rt.clock.now(), actor_of(body)
        with rt.db.session() as session:
            cycle = session.get(FeedbackCycle, json.loads(view["private_metadata"])["cycle_id"])
            partnership = cycle.partnership
            if cycle.status != "open":
                cycle = feedback.cycle_for_giving(session, partnership, now) or cycle
            try:
                feedback.give(session, partnership, cycle, member_for(session, partnership, actor, now), form, now)
            except UserError as error:
                ack(response_action="errors", errors={"quality": error.message})
                return
            channel, number = partnership.channel_id, cycle.number
        ack()
        rt.gateway.post_ephemeral(
            channel=channel, user=actor.user_id, text=f"Thank you: your feedback counts in cycle {number}."
        )

    @app.view("feedback_cycle")
    def on_cycle_submitted(ack, body, view):
        values, now = state_values(view), rt.clock.now()
        channel_id = json.loads(view["private_metadata"])["channel_id"]
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            try:
                feedback.set_cycle(
                    session,
                    partnership,
                    member_for(session, partnership, actor_of(body), now),
                    weeks=int(values["weeks"]),
                    anonymous=values["anonymity"] == "anonymous",
                    now=now,
                )
            except UserError as error:
                ack(response_action="errors", errors={"weeks": error.message})
                return
            weeks, anonymous = partnership.feedback_weeks, partnership.feedback_anonymous
        ack()
        said = "off" if weeks == 0 else f"every {weeks} week(s), {'anonymous' if anonymous else 'attributed'}"
        rt.gateway.post_message(
            channel=channel_id, text=f"{mention(actor_of(body).user_id)} set feedback cycles: {said}."
        )

    @app.action("feedback_point_action")
    def on_point_action(ack, body, action):
        ack()
        now = rt.clock.now()
        try:
            with rt.db.session() as session:
                point = session.get(FeedbackPoint, int(action["value"]))
                partnership = point.cycle.partnership
                feedback.point_to_action(
                    session, partnership, member_for(session, partnership, actor_of(body), now), point
                )
                view = action_modal(point.id, point.text)
        except UserError as error:
            rt.gateway.respond(body["response_url"], text=error_reply(error).text)
            return
        rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)

    @app.view("feedback_action")
    def on_action_submitted(ack, body, view):
        values, now, actor = state_values(view), rt.clock.now(), actor_of(body)
        title = (values.get("title") or "").strip()
        point_id = json.loads(view["private_metadata"])["point_id"]
        errors = {}
        with rt.db.session() as session:
            point = session.get(FeedbackPoint, point_id)
            partnership = point.cycle.partnership
            today, channel = local_date(now, partnership.timezone), partnership.channel_id
            try:
                feedback.point_to_action(session, partnership, member_for(session, partnership, actor, now), point)
            except UserError as error:
                errors["title"] = error.message
        if not title:
            errors["title"] = "Say what should be done."
        due = date.fromisoformat(values["due_date"]) if values.get("due_date") else None
        if due is None or due < today:
            errors["due_date"] = "Choose a due date from today on."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        try:
            owner_team = rt.gateway.user_team(values["owner"])
        except SlackApiError as exc:
            tell_actor(rt, channel, actor, f":warning: The action was not created: {failure_text(exc)}")
            return
        with rt.db.session() as session:
            point = session.get(FeedbackPoint, point_id)
            partnership = point.cycle.partnership
            lead = member_for(session, partnership, actor, now)
            feedback.point_to_action(session, partnership, lead, point)
            owner = partnerships.ensure_member(
                session, partnership, team_id=owner_team, user_id=values["owner"], now=now
            )
            made = actions.create_action(
                session,
                partnership,
                title=title,
                due_date=due,
                source="feedback",
                source_key=f"feedback:{point.id}",
                created_by=actor.user_id,
                now=now,
                owner=owner,
            )
            text = (
                f":dart: {mention(actor.user_id)} turned feedback into action {made.number}: {escape(title)} — "
                f"{mention(owner.user_id)}, due {due.isoformat()}."
            )
            channel = partnership.channel_id
        rt.gateway.post_message(channel=channel, text=text)
