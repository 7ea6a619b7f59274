"""Block Kit for kudos."""

from __future__ import annotations

from bot.kudos.ids import Form, KudosState
from bot.kudos.models import Kudos
from bot.kudos.service import KudosCounts
from bot.partnerships.models import Partnership
from bot.slack.forms import modal, text_input, users_select
from bot.slack.text import escape, mention


def kudos_modal(channel_id: str) -> dict:
    blocks = [
        users_select("receiver", "Who"),
        text_input("text", "What they did", multiline=True, max_length=1000),
    ]
    return modal(Form.GIVE, "Kudos", blocks, submit="Send", private_metadata=KudosState(channel_id=channel_id).dump())


def kudos_post(partnership: Partnership, kudos: Kudos) -> str:
    def who(user: str, side: str) -> str:
        return f"{mention(user)} ({escape(partnership.org_of(side))}, {side})"

    return (
        f":clap: Kudos from {who(kudos.giver_user, kudos.giver_side)} to "
        f"{who(kudos.receiver_user, kudos.receiver_side)}: {escape(kudos.text)}"
    )


def status_line(counts: KudosCounts) -> str:
    """`/partner status`: kudos each way and the most thanked people, over the last `counts.days` days."""
    if not counts.by_receiver:
        return f"Kudos: none in the last {counts.days} days (`/kudos @user what they did`)"
    directions = " · ".join(
        f"{direction} {counts.by_direction.get(direction, 0)}" for direction in ("client→vendor", "vendor→client")
    )
    top = ", ".join(f"{mention(user)} {n}" for user, n in counts.by_receiver[:5])
    return f"Kudos: {directions} · most thanked: {top} (last {counts.days} days)"


def kudos_failed_text(reason: str) -> str:
    return f":warning: Your kudos did not go through: {reason}"
