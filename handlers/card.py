"""The partnership card's buttons that open a form: the same for both companies."""

from __future__ import annotations

from typing import Callable

from bot.errors import NotSetUp
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from handlers.router import error_reply


def open_form_from_card(rt: Runtime, body: dict, form_for: Callable[[str], dict]) -> None:
    """Open `form_for(channel)` for whoever pressed the button, or say the channel is not set up."""
    channel_id = body["channel"]["id"]
    with rt.db.session() as session:
        if partnerships.find_partnership(session, channel_id) is None:
            rt.gateway.respond(body["response_url"], text=error_reply(NotSetUp()).text)
            return
    rt.gateway.open_view(trigger_id=body["trigger_id"], view=form_for(channel_id))
