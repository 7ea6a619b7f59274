"""The governance area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState, ModalState


class Action(StrEnum):
    FILL_FORM = "appraisal_fill"
    OPEN_ESCALATION = "home_open_escalation"
    OPEN_DECISION = "home_open_decision"


class Form(StrEnum):
    APPRAISAL = "appraisal_form"
    RECORD = "appraisal_record"
    SCHEDULE = "governance_schedule"
    ESCALATION = "home_escalation_view"
    DECISION = "home_decision_view"


class AppraisalState(ModalState):
    """The appraisal form and the record form act on one appraisal."""

    appraisal_id: int


ScheduleState = ChannelState
