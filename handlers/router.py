"""`/partner SUBCOMMAND …`: one listener, a table of subcommands, errors answered ephemerally."""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

from bot.errors import UserError
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

log = logging.getLogger(__name__)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass
class Reply:
    text: str
    blocks: list[dict] | None = None


@dataclass
class CommandContext:
    runtime: Runtime
    args: list[str]
    user_id: str
    team_id: str
    channel_id: str
    trigger_id: str
    response_url: str
    _ack: Callable = field(repr=False)
    acked: bool = False
    rest: str = ""  # the text after the subcommand, untouched: free text keeps its quotes and apostrophes

    def ack(self, reply: Reply | None = None) -> None:
        """Answer Slack now (within its 3 s); slow work such as opening a modal comes after."""
        if reply is None:
            self._ack()
        else:
            self._ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        self.acked = True


Handler = Callable[[CommandContext], "Reply | None"]


@dataclass(frozen=True)
class HelpEntry:
    usage: str
    summary: str
    example: str


class Router:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self.help: list[HelpEntry] = []

    def add(self, name: str, handler: Handler, *entries: HelpEntry) -> None:
        self._handlers[name] = handler
        self.help.extend(entries)

    def dispatch(self, ctx: CommandContext, text: str) -> None:
        try:
            words = split_args(text)
            name = words[0].lower() if words else "help"
            handler = self._handlers.get(name)
            if handler is None:
                raise UserError(f"`{name}` is not a /partner command.", usage="/partner help")
            ctx.args = words[1:]
            ctx.rest = (text or "").strip()[len(text.strip().split(None, 1)[0]) :].strip() if words else ""
            reply = handler(ctx)
        except UserError as error:
            reply = error_reply(error)
        except SlackApiError as exc:
            log.warning("/partner %s: Slack said %s", text.split(None, 1)[0] if text else "", exc.response.get("error"))
            reply = slack_refusal(exc)
        if not ctx.acked:
            ctx.ack(reply or Reply("Done."))
        elif reply is not None:
            ctx.runtime.gateway.respond(ctx.response_url, text=reply.text, blocks=reply.blocks)


def slack_refusal(exc: SlackApiError) -> Reply:
    """Slack would not do what the command needed; say so, and how to fix the usual cause."""
    return Reply(
        f":warning: Slack refused that ({exc.response.get('error')}). If I am not in this channel, "
        "invite me with `/invite @partnerbot` and try again."
    )


def error_reply(error: UserError) -> Reply:
    text = f":warning: {error.message}"
    if error.usage:
        text += f"\nUsage: `{error.usage}`"
    return Reply(text)


def split_args(text: str) -> list[str]:
    """Words, with "quoted names" kept whole; an apostrophe in free text (it's) is not a quote."""
    text = (text or "").translate(_CURLY_QUOTES)
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def parse_mention(word: str, usage: str) -> str:
    """The user id in an escaped mention `<@U123|dana>`; anything else is a usage error."""
    match = _MENTION.match(word or "")
    if not match:
        raise UserError(f"'{word}' is not a person: mention them with @.", usage=usage)
    return match.group(1)


def expect_args(ctx: CommandContext, count: int, usage: str) -> list[str]:
    if len(ctx.args) != count:
        raise UserError("That command needs different arguments.", usage=usage)
    return ctx.args
