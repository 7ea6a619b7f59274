"""KPIs in the charter, and the actuals each side reports every period (corrections appended, never rewritten)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership

PERIODS = ("weekly", "monthly")


class Kpi(Base):
    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20), default="")
    target: Mapped[float] = mapped_column(Float)
    higher_is_better: Mapped[bool]
    amber_percent: Mapped[float] = mapped_column(Float, default=5.0)  # the amber band, as % of the target
    reporting_side: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(8))  # weekly, monthly
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KpiActual(Base):
    """One reported value of a KPI for one period. A correction is a newer row for the same period: the latest
    counts, the earlier ones stay as history."""

    __tablename__ = "kpi_actuals"
    __table_args__ = (Index("ix_kpi_actuals_period", "kpi_id", "period_start", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    reported_by_team: Mapped[str] = mapped_column(String(32))
    reported_by_user: Mapped[str] = mapped_column(String(32))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
