"""Partnership holidays and people's out-of-office: who is expected when, and which days count."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BadInput
from bot.partnerships.models import Holiday, Member, Partnership
from bot.partnerships.service import require_lead
from bot.workdays import local_date


def holidays(session: Session, partnership: Partnership, *, since: date) -> list[Holiday]:
    return list(
        session.scalars(
            select(Holiday).where(Holiday.partnership_id == partnership.id, Holiday.day >= since).order_by(Holiday.day)
        )
    )


def add_holiday(session: Session, partnership: Partnership, actor: Member, day: date, name: str) -> Holiday:
    require_lead(actor, "add holidays")
    if session.scalar(select(Holiday).where(Holiday.partnership_id == partnership.id, Holiday.day == day)):
        raise BadInput(f"{day.isoformat()} is already a holiday.", usage="/partner holiday list")
    holiday = Holiday(partnership_id=partnership.id, day=day, name=name.strip()[:100], added_by=actor.user_id)
    session.add(holiday)
    return holiday


def remove_holiday(session: Session, partnership: Partnership, actor: Member, day: date) -> None:
    require_lead(actor, "remove holidays")
    holiday = session.scalar(select(Holiday).where(Holiday.partnership_id == partnership.id, Holiday.day == day))
    if holiday is None:
        raise BadInput(f"{day.isoformat()} is not a holiday.", usage="/partner holiday list")
    session.delete(holiday)


def set_out_of_office(member: Member, first: date, last: date, now: datetime) -> None:
    if last < first:
        raise BadInput("The last day comes before the first.")
    if last < local_date(now, member.partnership.timezone):
        raise BadInput("Those days are already past.")
    member.ooo_from, member.ooo_to = first, last


def clear_out_of_office(member: Member) -> None:
    member.ooo_from = member.ooo_to = None


def is_out_of_office(member: Member, day: date) -> bool:
    return member.ooo_from is not None and member.ooo_from <= day <= member.ooo_to


def out_of_office_on(partnership: Partnership, day: date) -> set[tuple[str, str]]:
    """(team, user) of the members away on `day`."""
    return {(m.team_id, m.user_id) for m in partnership.members if is_out_of_office(m, day)}
