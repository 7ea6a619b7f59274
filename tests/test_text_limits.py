"""Shortening never cuts a mention, link, channel or entity in half; lists stay inside Slack's block limits
and count what they leave out; names typed with mrkdwn cannot format the bot's sentences or ping anyone."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.forms import SECTION_LIMIT, clip, listing
from bot.slack.text import EVERYTHING, escape, name_text

WHOLE = re.compile(r"<[^<>\n]*>|&(?:amp|lt|gt);")
PIECES = st.one_of(
    st.text(alphabet=st.characters(exclude_characters="<>&"), max_size=12),
    st.sampled_from(
        [
            "<@U123>",
            "<@U123|dana>",
            "<#C42|partner>",
            "<https://example.com/a_b|the plan>",
            "&amp;",
            "&lt;",
            "&gt;",
            "<!date^1700000000^{date_short}|2023-11-14>",
            " ",
            "\n",
        ]
    ),
)
MRKDWN = st.lists(st.sampled_from([*"ab *_~`>\n<&!", "```", "<!channel>", "<!here>", "&amp;"])).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join), st.integers(min_value=1, max_value=200))
def test_clip_keeps_every_reference_whole(text, limit):
    clipped = clip(text, limit)
    assert len(clipped) <= limit
    if len(text) <= limit:
        assert clipped == text
        return
    kept = clipped.removesuffix("…")
    assert clipped.endswith("…") and text.startswith(kept)
    assert not any(whole.start() < len(kept) < whole.end() for whole in WHOLE.finditer(text))


def test_clip_steps_back_over_a_mention_it_would_cut():
    assert clip("thanks <@U123|dana> and R&amp;D", 12) == "thanks …"
    assert clip("R&amp;D", 4) == "R…"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(exclude_characters="\n"), max_size=4000), max_size=120), st.integers(1, 45))
def test_a_listing_stays_within_slacks_limits_and_counts_the_rest(lines, room):
    blocks = listing(lines, rest=EVERYTHING, room=room)
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) <= room and len(blocks) <= room + 1
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    shown = sum(b["text"]["text"].count("\n") + 1 for b in sections)
    if blocks and blocks[-1]["type"] == "context":
        assert blocks[-1]["elements"][0]["text"] == f"…and {len(lines) - shown} more: {EVERYTHING}"
    else:
        assert shown == len(lines) or (not lines and not blocks)


@settings(max_examples=300, deadline=None)
@given(MRKDWN)
def test_a_name_cannot_format_or_ping(typed):
    shown = name_text(typed)
    assert not set(shown) & set("*_~`<>\n")
    assert "<!" not in shown and f"*{shown}*".count("*") == 2


@given(MRKDWN)
def test_free_text_never_opens_a_code_block_or_pings(typed):
    shown = escape(typed)
    assert "```" not in shown and "<" not in shown and ">" not in shown


def test_a_kpi_name_cannot_change_the_bold_around_it():
    from bot.kpis.blocks import kpi_line
    from bot.kpis.models import Kpi

    kpi = Kpi(number=1, name="*CSAT* _x_ ```y", unit="%", target=90, higher_is_better=True, amber_percent=5,
              period="weekly", reporting_side="vendor")  # fmt: skip
    line = kpi_line(kpi)
    assert line.startswith("*1.* ") and line.count("*") == 2 and "_" not in line and "`" not in line, line
