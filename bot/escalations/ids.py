"""The escalation area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.modal_state import ChannelState, ModalState


class Action(StrEnum):
    ACKNOWLEDGE = "esc_acknowledge"
    ASSIGN = "esc_assign"
    UPDATE = "esc_update"
    RESOLVE = "esc_resolve"
    CLOSE = "esc_close"
    REOPEN = "esc_reopen"
    DUPLICATE = "esc_duplicate"
    REFER = "esc_refer"
    COUNCIL_DECISION = "esc_council_decision"


class Form(StrEnum):
    RAISE = "escalation_raise"
    ASSIGN = "esc_assign_form"
    UPDATE = "esc_update_form"
    RESOLVE = "esc_resolve_form"
    DUPLICATE = "esc_duplicate_form"
    COUNCIL_DECISION = "esc_council_decision_form"


RaiseState = ChannelState


class EscalationState(ModalState):
    """The moves' forms (assign, update, resolve, duplicate) act on one escalation."""

    escalation_id: int
