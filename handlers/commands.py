"""The three slash commands. `/escalate` and `/kudos` are `/partner escalate` and `/partner kudos`;
every subcommand is declared in its area's handler module and routed here."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse

from bot.partnerships.blocks import help_blocks
from handlers import (
    actions,
    appraisal,
    decisions,
    escalations,
    feedback,
    governance,
    incentives,
    kpis,
    kudos,
    milestones,
    partnerships,
    rhythms,
    time_off,
)
from handlers.context import runtime, scheduler
from handlers.router import CommandContext, CommandSet, Reply, Router

general = CommandSet()


@general.add("help", summary="this list", example="/partner help", static=True)
def show_help(ctx: CommandContext) -> Reply:
    return Reply(*help_blocks(ROUTER.help_entries()))


ROUTER = Router(
    [
        *general,
        *partnerships.commands,
        *rhythms.commands,
        *time_off.commands,
        *escalations.commands,
        *actions.commands,
        *feedback.commands,
        *milestones.commands,
        *kudos.commands,
        *governance.commands,
        *appraisal.commands,
        *decisions.commands,
        *kpis.commands,
        *incentives.commands,
    ]
)


def context_of(command: dict, ack, context: BoltContext) -> CommandContext:
    return CommandContext(
        runtime=runtime(context),
        scheduler=scheduler(context),
        user_id=command["user_id"],
        team_id=command.get("user_team_id") or command["team_id"],
        channel_id=command["channel_id"],
        trigger_id=command.get("trigger_id", ""),
        response_url=command.get("response_url", ""),
        _ack=ack,
    )


def answer_static(body, next):
    """Middleware: a `/partner` command whose answer is static (help), once worked out, is answered here in the
    request thread, from Bolt's own Ack: no listener thread to hand it to and to be woken by. It touches no
    database, like the listener's answer it repeats."""
    if body.get("command") == "/partner":
        reply = ROUTER.static_answer(body.get("text", ""))
        if reply is not None:
            return _static_responses.get(id(reply)) or _static_response(reply)
    return next()


def answered_inline(request: BoltRequest) -> bool:
    """Whether a request is a `/partner` subcommand declared `inline` (bot.ack_runner.answer_inline)."""
    body = request.body
    return body.get("command") == "/partner" and ROUTER.answered_inline(body.get("text", ""))


# Each static answer as Bolt's response, built once (help's blocks are 6 kB of JSON).
_static_responses: dict[int, BoltResponse] = {}


def _static_response(reply: Reply) -> BoltResponse:
    ack = Ack()
    ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")  # as CommandContext.ack answers it
    _static_responses[id(reply)] = ack.response  # its body serialised by Bolt once, here
    return ack.response


def on_partner(ack, command, context):
    ROUTER.dispatch(context_of(command, ack, context), command.get("text", ""))


def on_escalate(ack, command, context):
    ROUTER.dispatch(context_of(command, ack, context), "escalate " + command.get("text", ""))


def on_kudos(ack, command, context):
    ROUTER.dispatch(context_of(command, ack, context), "kudos " + command.get("text", ""))


def register(app: App) -> None:
    app.command("/partner")(on_partner)
    app.command("/escalate")(on_escalate)
    app.command("/kudos")(on_kudos)
