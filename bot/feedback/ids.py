"""The feedback area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState, ModalState


class Action(StrEnum):
    GIVE = "feedback_give"
    MAKE_ACTION = "feedback_point_action"


class Form(StrEnum):
    GIVE = "feedback_form"
    CYCLE = "feedback_cycle"
    MAKE_ACTION = "feedback_action"


class GiveState(ModalState):
    """The cycle a feedback form was opened for, and the anonymity it promised: an answer is stored only
    under that promise."""

    cycle_id: int
    anonymous: bool


CycleState = ChannelState


class PointState(ModalState):
    point_id: int
