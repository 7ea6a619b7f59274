"""The KPI area's action ids, form (callback) ids and what its forms carry."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.slack.modal_state import ModalState


class Action(StrEnum):
    ENTER_ACTUALS = "kpi_enter_actuals"
    ADD = "kpi_add"


class Form(StrEnum):
    KPI = "kpi_form"
    ACTUALS = "kpi_actuals_form"


class KpiState(ModalState):
    """Adding (no kpi_id) or editing one KPI of the channel's partnership."""

    channel_id: str
    kpi_id: int | None = None


class ActualsState(ModalState):
    """One side's actuals for one period (weekly or monthly) of one partnership."""

    partnership_id: int
    side: str
    period: str
    start: date
