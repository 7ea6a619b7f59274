"""Every list a command shows stays inside Slack's limits however long it grows (50 blocks a message, 3000
characters a section) and counts what it leaves out, with where to read the rest."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from bot.actions.blocks import actions_list
from bot.decisions.blocks import decision_list
from bot.milestones.blocks import milestone_list
from bot.partnerships.blocks import holiday_list, members_blocks
from bot.slack.forms import SECTION_LIMIT
from bot.slack.text import EVERYTHING

TODAY = date(2026, 11, 23)
LONG = "R&D <@U1> " + "word " * 120  # about 600 characters, an entity and a would-be mention in each
MANY = 400


def actions():
    return [
        SimpleNamespace(number=n, title=LONG, owner_user="U9", due_date=date(2026, 12, 1)) for n in range(1, MANY + 1)
    ]


def milestones():
    return [
        SimpleNamespace(number=n, name=LONG, owner_user=None, due_date=date(2027, 1, 1), moves=[])
        for n in range(1, MANY + 1)
    ]


def decisions():
    closes = datetime(2026, 12, 1, tzinfo=timezone.utc)
    return [
        SimpleNamespace(
            number=n, what=LONG, state="open", closes_at=closes, settled_at=None, author_user="U9", side="client"
        )
        for n in range(1, MANY + 1)
    ]


def members():
    partnership = SimpleNamespace(name="Acme", org_of=lambda side: side.title())
    people = [SimpleNamespace(user_id=f"U{n:05d}", role="member", side_explicit=False) for n in range(MANY * 10)]
    return members_blocks(partnership, {"client": people, "vendor": people})


@pytest.mark.parametrize(
    "shown",
    [
        lambda: actions_list(actions(), TODAY)[1],
        lambda: milestone_list(milestones(), TODAY)[1],
        lambda: decision_list(decisions(), only_open=True)[1],
        lambda: members()[1],
    ],
    ids=["actions", "milestones", "decisions", "members"],
)
def test_a_long_list_stays_inside_slack_limits_and_says_how_many_more(shown):
    blocks = shown()
    assert len(blocks) <= 50
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= SECTION_LIMIT for t in texts)
    assert "&amp;amp;" not in "".join(texts) and "<@U1>" not in "".join(texts).replace("&lt;@U1&gt;", "")
    more = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"] if "more:" in e["text"]]
    assert more and more[0].startswith("…and ") and more[0].endswith(EVERYTHING)


def test_a_long_holiday_list_says_how_many_more():
    upcoming = [SimpleNamespace(day=date(2027, 1, 1), name=LONG) for _ in range(MANY)]
    text = holiday_list(upcoming)
    assert len(text) < 40_000 and text.endswith(f"…and {MANY - 60} more: {EVERYTHING}")
