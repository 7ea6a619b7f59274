"""The /partner grammar: every declared subcommand parses its own example, usage and help come from the
declaration, and any text at all gives either a subcommand with valid arguments or a clear UserError."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.numbering import LARGEST_NUMBER
from handlers.commands import ROUTER
from handlers.router import Arg


def test_every_example_parses_as_its_own_subcommand():
    for sub in ROUTER.subcommands:
        command = sub.example.removeprefix("/partner").strip()
        parsed, _ = ROUTER.parse(
            command.replace("@dana", "<@U1|dana>").replace("@sam", "<@U2|sam>").replace("@ravi", "<@U3|ravi>")
        )
        assert parsed is sub, sub.example


def test_each_subcommand_is_declared_once_and_help_lists_them_all():
    words = [sub.words for sub in ROUTER.subcommands]
    assert len(words) == len(set(words))
    assert [usage for usage, _, _ in ROUTER.help_entries()] == [sub.usage for sub in ROUTER.subcommands]


@pytest.mark.parametrize(
    ("text", "words", "values"),
    [
        ("rhythm pause 2", ("rhythm", "pause"), [2]),
        ("rhythm", ("rhythm", "list"), []),
        ("RHYTHM Pause 0002", ("rhythm", "pause"), [2]),
        (
            'milestone add "Go-live in Manila" 2027-02-01 <@U1|dana>',
            ("milestone", "add"),
            ["Go-live in Manila", date(2027, 2, 1), "U1"],
        ),
        ('milestone add "Go-live" 2027-02-01', ("milestone", "add"), ["Go-live", date(2027, 2, 1), None]),
        ("escalations P1 all", ("escalations",), ["all", "p1"]),
        ("escalations", ("escalations",), [None, None]),
        ('kudos <@U9> for it\'s "great" work', ("kudos",), ["U9", 'for it\'s "great" work']),
        ("holiday add 2026-12-25", ("holiday", "add"), [date(2026, 12, 25), ""]),
        ("ooo off", ("ooo", "off"), []),
        ("", ("help",), []),
    ],
)
def test_parses(text, words, values):
    sub, parsed = ROUTER.parse(text)
    assert sub.words == words and parsed == values


@pytest.mark.parametrize(
    ("text", "problem", "usage"),
    [
        ("rhythm pause ²", "'²' is not a number", "/partner rhythm pause N"),
        ("rhythm pause ①", "'①' is not a number", "/partner rhythm pause N"),
        ("rhythm pause 99999999999999999999", "is not a number", "/partner rhythm pause N"),
        (f"action done {LARGEST_NUMBER + 1}", "is not a number", "/partner action done N"),
        ("rhythm pause 0", "is not a number", "/partner rhythm pause N"),
        (
            'milestone add "X" 9999-12-31',
            "'9999-12-31' is not a date",
            '/partner milestone add "NAME" YYYY-MM-DD [@owner]',
        ),
        ("ooo 2026-02-30 2026-03-01", "'2026-02-30' is not a date", "/partner ooo YYYY-MM-DD YYYY-MM-DD"),
        ("side <@U1> partner", "'partner' is not a side", "/partner side @user client|vendor"),
        ("escalations urgent", "'urgent' is not a filter", "/partner escalations [open|all] [P1|P2|P3|P4]"),
        ("rhythm fly", "`fly` is not a rhythm command", "/partner rhythm add"),
        ("fly", "`fly` is not a /partner command", "/partner help"),
        ("members everyone", "I don't know what `everyone` means", "/partner members"),
        ("kudos <@U1> thanks\x00", "control characters", "/partner help"),
    ],
)
def test_refuses_with_the_right_usage(text, problem, usage):
    with pytest.raises(UserError) as refused:
        ROUTER.parse(text)
    assert problem in refused.value.message and usage in refused.value.usage


def _valid(arg: Arg, value) -> bool:
    if value is None:
        return arg.optional
    if arg.choices:
        return value in arg.choices
    if isinstance(value, int):
        return 1 <= value <= LARGEST_NUMBER
    if isinstance(value, date):
        return date(2000, 1, 1) <= value <= date(2100, 12, 31)
    return isinstance(value, str) and not any(unicodedata.category(c) == "Cc" and c not in "\t\n" for c in value)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.builds(
            lambda head, tail: f"{head} {tail}",
            st.sampled_from(sorted({" ".join(s.words) for s in ROUTER.subcommands})),
            st.text(alphabet=st.characters(), max_size=40),
        ),
    )
)
def test_any_text_is_a_valid_subcommand_or_a_clear_refusal(text):
    try:
        sub, values = ROUTER.parse(text)
    except UserError as refused:
        assert refused.message and refused.usage
        return
    assert len(values) == len(sub.args)
    assert all(_valid(arg, value) for arg, value in zip(sub.args, values, strict=True))
