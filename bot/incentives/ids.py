"""The incentive area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState, ModalState


class Action(StrEnum):
    ANSWER = "incentive_review_answer"
    MAKE_ACTION = "incentive_point_action"
    EDIT_TERMS = "incentive_terms_edit"


class Form(StrEnum):
    TERMS = "incentive_terms_form"
    ANSWER = "incentive_review_form"
    MAKE_ACTION = "incentive_action_form"


TermsState = ChannelState


class ReviewState(ModalState):
    review_id: int


class PointState(ModalState):
    """A point of a review's report, by its place in the report."""

    review_id: int
    point: int
