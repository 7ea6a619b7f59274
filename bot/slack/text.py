"""Putting people's words and Slack references into mrkdwn safely."""

from __future__ import annotations

from datetime import datetime


def escape(text: str) -> str:
    """Escape user text so `<!channel>`, `<@U…>` and links typed by a person stay plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def local_date(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A `<!date>` token: each reader sees the moment in their own timezone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"
