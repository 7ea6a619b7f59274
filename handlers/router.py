"""`/partner SUBCOMMAND …`: subcommands and their arguments are declared once; parsing, every usage
line and `/partner help` come from that declaration, and errors are answered ephemerally."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from bot.errors import BadInput, UserError
from bot.numbering import number_typed
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from bot.slack.rosters import keep_fresh
from bot.slack.text import from_slack, has_control

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
# A word, or a "quoted name" kept whole. Only double quotes group: an apostrophe in free text (it's) is text.
_WORD = re.compile(r'"([^"]*)"|(\S+)')
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # dates a partnership can sensibly mean


@dataclass
class Reply:
    text: str
    blocks: list[dict] | None = None


@dataclass
class CommandContext:
    runtime: Runtime
    user_id: str
    team_id: str
    channel_id: str
    trigger_id: str
    response_url: str
    _ack: Callable = field(repr=False)
    scheduler: Any = None  # schedules.Scheduler; typed loosely so the core never imports schedules
    acked: bool = False

    def ack(self, reply: Reply | None = None) -> None:
        """Answer Slack now (within its 3 s); slow work such as opening a modal comes after."""
        if reply is None:
            self._ack()
        else:
            self._ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        self.acked = True


# -- argument kinds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """One argument of a subcommand: `shown` is how usage lines spell it."""

    shown: str
    parse: Callable[[str, "Arg"], Any]
    optional: bool = False
    rest: bool = False  # free text: everything after the previous arguments, untouched
    choices: tuple[str, ...] = ()
    what: str = ""  # what a choice is called in errors ("side", "role")
    missing: str = ""  # what to say when it is left out

    def usage(self) -> str:
        return f"[{self.shown}]" if self.optional else self.shown


def _parse_number(word: str, arg: Arg) -> int:
    number = number_typed(word)
    if number is None:
        raise ValueError(f"'{word}' is not a number: give the number shown in the list, e.g. 2.")
    return number


def _parse_date(word: str, arg: Arg) -> date:
    try:
        day = date.fromisoformat(word) if _ISO_DAY.fullmatch(word) else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"'{word}' is not a date: write it as YYYY-MM-DD, e.g. 2026-12-24.")
    return day


def _parse_mention(word: str, arg: Arg) -> str:
    match = _MENTION.fullmatch(word)
    if not match:
        raise ValueError(f"'{word}' is not a person: mention them with @.")
    return match.group(1)


def _parse_choice(word: str, arg: Arg) -> str:
    if word.lower() not in arg.choices:
        raise ValueError(f"'{word}' is not a {arg.what or 'choice here'}: say {' or '.join(arg.choices)}.")
    return word.lower()


def _parse_text(word: str, arg: Arg) -> str:
    return from_slack(word)  # Slack sends command text entity-escaped; stored text is as typed


def _parse_problem(arg: Arg, word: str) -> str:
    try:
        arg.parse(word, arg)
    except ValueError as problem:
        return str(problem)
    return f"`{word}` is given twice."


def number(shown: str = "N", *, optional: bool = False, missing: str = "Say which one, by its number.") -> Arg:
    return Arg(shown, _parse_number, optional=optional, missing=missing)


def day(shown: str = "YYYY-MM-DD", *, optional: bool = False) -> Arg:
    return Arg(shown, _parse_date, optional=optional, missing="Give the date as YYYY-MM-DD.")


def person(shown: str = "@user", *, optional: bool = False, missing: str = "Mention the person with @.") -> Arg:
    return Arg(shown, _parse_mention, optional=optional, missing=missing)


def choice(*choices: str, what: str = "", optional: bool = False) -> Arg:
    lowered = tuple(c.lower() for c in choices)
    return Arg("|".join(choices), _parse_choice, optional=optional, choices=lowered, what=what)


def word(shown: str, *, optional: bool = False, missing: str = "") -> Arg:
    """One word, or a "quoted name"."""
    return Arg(shown, _parse_text, optional=optional, missing=missing)


def text(shown: str = "TEXT", *, optional: bool = False, missing: str = "") -> Arg:
    """The rest of the line as typed (quotes and apostrophes kept)."""
    return Arg(shown, _parse_text, optional=optional, rest=True, missing=missing)


# -- declarations ---------------------------------------------------------------------------------------

Handler = Callable[..., "Reply | None"]


@dataclass(frozen=True)
class Subcommand:
    words: tuple[str, ...]  # ("rhythm", "pause")
    args: tuple[Arg, ...]
    summary: str
    example: str
    handler: Handler
    default: bool = False  # the group's word alone runs this one (`/partner rhythm` = `rhythm list`)
    # Its answer depends on nothing stored or said in the channel (help): worked out once, then answered
    # without the database, the roster or anyone's side.
    static: bool = False
    # It only reads, and answers with the Reply it returns (it never acks first to go on with slower work): run in
    # the request thread, with no listener thread to hand it to and be woken by (bot.ack_runner.answer_inline).
    inline: bool = False

    @property
    def usage(self) -> str:
        return " ".join(["/partner", *self.words, *(arg.usage() for arg in self.args)])


class CommandSet:
    """The subcommands one handler module declares, with the functions that carry them out."""

    def __init__(self) -> None:
        self.subcommands: list[Subcommand] = []

    def add(
        self,
        words: str,
        *args: Arg,
        summary: str,
        example: str,
        default: bool = False,
        static: bool = False,
        inline: bool = False,
    ):
        def declare(handler: Handler) -> Handler:
            sub = Subcommand(tuple(words.split()), args, summary, example, handler, default, static, inline)
            self.subcommands.append(sub)
            return handler

        return declare

    def __iter__(self):
        return iter(self.subcommands)


@dataclass(frozen=True)
class _Word:
    value: str
    start: int  # where it begins in the text, so free text can be taken as typed


def split_words(text: str) -> list[_Word]:
    return [_Word(m.group(1) if m.group(1) is not None else m.group(2), m.start()) for m in _WORD.finditer(text)]


class Router:
    def __init__(self, subcommands) -> None:
        self.subcommands: list[Subcommand] = list(subcommands)
        self._by_words = {sub.words: sub for sub in self.subcommands}
        self._groups = {sub.words[0] for sub in self.subcommands}
        self._static: dict[tuple[str, ...], Reply] = {}  # each static subcommand's answer, once worked out

    def dispatch(self, ctx: CommandContext, text: str) -> None:
        sub = None
        try:
            sub, values = self.parse(text)
            reply = self._answer(sub, ctx, values)
        except UserError as error:
            if isinstance(error, BadInput) and sub is not None and not error.usage:
                error.usage = sub.usage  # what was typed does not fit: show how this command is written
            reply = error_reply(error)
        except SlackApiError as exc:
            log.warning("/partner %s: Slack said %s", (text or "").split(None, 1)[:1], exc.response.get("error"))
            reply = slack_refusal(exc)
        if not ctx.acked:
            ctx.ack(reply or Reply("Done."))
        elif reply is not None:
            ctx.runtime.gateway.respond(ctx.response_url, text=reply.text, blocks=reply.blocks)

    def static_answer(self, text: str) -> Reply | None:
        """The answer `text` gets, when it names a static subcommand whose answer has been worked out already
        (by `dispatch`, the first time it was asked); None for anything else, which `dispatch` answers."""
        try:
            sub, values = self.parse(text)
        except UserError:
            return None
        return self._static.get(sub.words) if sub.static and not values else None

    def answered_inline(self, text: str) -> bool:
        """Whether `text` names a subcommand declared `inline` (a mistyped one is not: `dispatch` answers it)."""
        try:
            sub, _ = self.parse(text)
        except UserError:
            return False
        return sub.inline

    def _answer(self, sub: Subcommand, ctx: CommandContext, values: list[Any]) -> Reply | None:
        if sub.static:
            if sub.words not in self._static:
                self._static[sub.words] = sub.handler(ctx, *values)
            return self._static[sub.words]
        if ctx.channel_id[:1] in ("C", "G"):
            # Who may take part is checked against the channel's roster: made current first (a Slack call at
            # most hourly per channel), outside any unit of work. Buttons and forms have it done by middleware.
            keep_fresh(ctx.runtime, ctx.channel_id)
        reply = sub.handler(ctx, *values)
        if sub.inline and ctx.acked:
            raise RuntimeError(f"/partner {' '.join(sub.words)} is declared inline but acked before its answer")
        return reply

    def parse(self, text: str) -> tuple[Subcommand, list[Any]]:
        """The subcommand a line means and its parsed arguments; a UserError with the right usage otherwise."""
        text = (text or "").translate(_CURLY_QUOTES).strip()
        if has_control(text):
            raise UserError(
                "That text has control characters in it; type it again without them.", usage="/partner help"
            )
        words = split_words(text)
        if not words:
            return self._by_words[("help",)], []
        group = words[0].value.lower()
        if group not in self._groups:
            raise UserError(f"`{words[0].value}` is not a /partner command.", usage="/partner help")
        verb = words[1].value.lower() if len(words) > 1 else None
        sub = self._by_words.get((group, verb)) if verb else None
        if sub is not None:
            return sub, self._arguments(sub, text, words[2:])
        sub = self._by_words.get((group,)) or next(
            (s for s in self.subcommands if s.words[0] == group and s.default), None
        )
        if sub is None or (verb and len(sub.words) > 1):
            what = f"`{words[1].value}` is not a {group} command." if verb else f"Say what to do with {group}."
            raise UserError(what, usage=self.group_usage(group))
        return sub, self._arguments(sub, text, words[1:])

    def _arguments(self, sub: Subcommand, text: str, words: list[_Word]) -> list[Any]:
        words = list(words)
        # Optional choices name themselves (`escalations P1 all`): taken wherever they stand.
        chosen: dict[int, str] = {}
        for index, arg in enumerate(sub.args):
            if arg.optional and arg.choices:
                found = next((w for w in words if w.value.lower() in arg.choices), None)
                if found is not None:
                    chosen[index] = found.value.lower()
                    words.remove(found)
        values: list[Any] = []
        position = 0
        for index, arg in enumerate(sub.args):
            if arg.optional and arg.choices:
                values.append(chosen.get(index))
            elif arg.rest:
                typed = text[words[position].start :].strip() if position < len(words) else ""
                if not typed and not arg.optional:
                    raise UserError(arg.missing or f"Say {arg.shown.lower()}.", usage=sub.usage)
                values.append(from_slack(typed))
                position = len(words)
            elif position >= len(words):
                if not arg.optional:
                    raise UserError(arg.missing or f"Give {arg.shown}.", usage=sub.usage)
                values.append(None)
            else:
                try:
                    values.append(arg.parse(words[position].value, arg))
                    position += 1
                except ValueError as problem:
                    later = [a for a in sub.args[index + 1 :] if not (a.optional and a.choices)]
                    if not arg.optional or not later:  # nothing after it could take this word
                        raise UserError(str(problem), usage=sub.usage) from None
                    values.append(None)  # an optional argument not given; the word may be the next one's
        if position < len(words):
            stray = words[position].value
            open_choices = [a for i, a in enumerate(sub.args) if a.optional and a.choices and i not in chosen]
            if open_choices:  # most likely a mistyped choice: say which ones there are
                raise UserError(_parse_problem(open_choices[0], stray), usage=sub.usage)
            raise UserError(f"I don't know what `{stray}` means there.", usage=sub.usage)
        return values

    def group_usage(self, group: str) -> str:
        return " | ".join(s.usage for s in self.subcommands if s.words[0] == group)

    def help_entries(self) -> list[tuple[str, str, str]]:
        return [(s.usage, s.summary, s.example) for s in self.subcommands]


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
