"""The partnership area's action ids, form (callback) ids and what its forms carry. An id names one
thing: no id is both a button's action and a form's callback."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState


class Card(StrEnum):
    """The pinned partnership card's buttons; each area answers its own."""

    POST_UPDATE = "card_post_update"
    GIVE_FEEDBACK = "card_give_feedback"
    RAISE_ESCALATION = "card_raise_escalation"
    KUDOS = "card_kudos"
    STATUS = "card_status"
    SHARE_DECISION = "card_share_decision"


class Action(StrEnum):
    EDIT_CHARTER = "charter_edit"


class Form(StrEnum):
    SETUP = "partnership_setup"
    CHARTER = "charter_form"


SetupState = ChannelState
CharterState = ChannelState
