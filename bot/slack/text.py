"""Putting people's words and Slack references into mrkdwn safely, and the wording every area shares."""

from __future__ import annotations

from datetime import datetime

# mrkdwn markers turned into look-alikes Slack does not format: a name typed as `*x`, `_x`, `~x` or with a
# backtick cannot open bold/italic/strike/code that runs into the bot's own words around it.
_MARKERS = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def escape(text: str) -> str:
    """Escape user text so `<!channel>`, `<@U…>` and links typed by a person stay plain text. Free text keeps
    its own *bold* and `code`, but not a code fence: an unclosed one would swallow the rest of the message."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("```", "ˋˋˋ")


def name_text(text: str) -> str:
    """A name or title a person gave (a rhythm, a milestone, a holiday, an escalation...), shown inside the
    bot's own sentences and *headings*: escaped, on one line, and with no mrkdwn markers of its own."""
    return " ".join(escape(text).translate(_MARKERS).split())


# Control characters but line breaks and tabs: PostgreSQL refuses NUL in text, and none of them is text.
_CONTROL = dict.fromkeys(c for c in [*range(32), *range(127, 160)] if chr(c) not in "\n\t")  # Unicode's Cc


def has_control(text: str) -> bool:
    return text != text.translate(_CONTROL)


def without_control(text: str) -> str:
    """Text a person sent with no control characters (a NUL pasted into a form or a thread reply)."""
    return text.translate(_CONTROL)


def from_slack(text: str) -> str:
    """Text as Slack delivers it in message events and slash commands, where `&`, `<` and `>` arrive as
    entities, back to what the person typed: stored like a form's (raw) text, so `escape` runs once when shown
    and "R&D" never reads "R&amp;D". Control characters are dropped."""
    return without_control(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def date_token(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A `<!date>` token: each reader sees the moment in their own timezone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


# Where a list cut short at Slack's limits can be read whole.
EVERYTHING = "the export (`/partner export`, leads) has them all."

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SEVERITY_NAMES = {"P1": "P1 critical", "P2": "P2 high", "P3": "P3 medium", "P4": "P4 low"}


def weekdays_text(days: list[int]) -> str:
    return ", ".join(WEEKDAYS[day - 1] for day in days)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
