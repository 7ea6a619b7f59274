"""The decision area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState, ModalState


class Action(StrEnum):
    ALIGNED = "decision_aligned"
    NOT_ALIGNED = "decision_not_aligned"
    AGREE = "decision_agree"
    DECLINE = "decision_decline"
    AMEND = "decision_amend"
    WITHDRAW = "decision_withdraw"
    REFER = "decision_refer"
    ESCALATE = "decision_escalate"


class Form(StrEnum):
    SHARE = "decision_share"
    REASON = "decision_reason_form"
    AMEND = "decision_amend_form"


ShareState = ChannelState


class DecisionState(ModalState):
    """The forms opened from a decision's buttons act on that decision; the reason form says for which event."""

    decision_id: int
    event: str = ""
