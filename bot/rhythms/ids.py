"""The rhythm area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState, ModalState


class Action(StrEnum):
    ANSWER = "checkin_answer"
    CLEAR_BLOCKER = "blocker_clear"


class Form(StrEnum):
    ADD_RHYTHM = "rhythm_add"
    ANSWER = "checkin_answer_form"


RhythmState = ChannelState


class AnswerState(ModalState):
    checkin_id: int
