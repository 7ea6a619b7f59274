"""The slash commands themselves; each area adds its subcommands to the router."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers.router import CommandContext, Router


def register(app: App, rt: Runtime, router: Router) -> None:
    def context_of(command: dict, ack) -> CommandContext:
        return CommandContext(
            runtime=rt,
            args=[],
            user_id=command["user_id"],
            team_id=command.get("user_team_id") or command["team_id"],
            channel_id=command["channel_id"],
            trigger_id=command.get("trigger_id", ""),
            response_url=command.get("response_url", ""),
            _ack=ack,
        )

    @app.command("/partner")
    def on_partner(ack, command):
        router.dispatch(context_of(command, ack), command.get("text", ""))

    @app.command("/escalate")
    def on_escalate(ack, command):
        router.dispatch(context_of(command, ack), "escalate " + command.get("text", ""))

    @app.command("/kudos")
    def on_kudos(ack, command):
        router.dispatch(context_of(command, ack), "kudos " + command.get("text", ""))
