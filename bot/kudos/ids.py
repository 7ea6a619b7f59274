"""The kudos area's form (callback) id and what its form carries."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState


class Form(StrEnum):
    GIVE = "kudos_give"


KudosState = ChannelState
