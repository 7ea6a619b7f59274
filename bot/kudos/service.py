"""Kudos: who thanked whom, across which line, and the counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import BadInput
from bot.gather import Gather
from bot.kudos.models import Kudos
from bot.partnerships.models import Member, Partnership


def check(giver_user: str, receiver_user: str, text: str) -> None:
    """What can be refused before anything is looked up or stored."""
    if giver_user == receiver_user:
        raise BadInput("Kudos are for someone else: thank a colleague or the other company.")
    if not text.strip():
        raise BadInput("Say what they did.")
    if len(text.strip()) > 1000:
        raise BadInput("Keep kudos under 1,000 characters.")


def give(
    session: Session, partnership: Partnership, giver: Member, receiver: Member, text: str, now: datetime
) -> Kudos:
    check(giver.user_id, receiver.user_id, text)
    text = text.strip()
    kudos = Kudos(
        partnership_id=partnership.id,
        giver_team=giver.team_id,
        giver_user=giver.user_id,
        giver_side=giver.side,
        receiver_team=receiver.team_id,
        receiver_user=receiver.user_id,
        receiver_side=receiver.side,
        text=text,
        given_at=now,
    )
    session.add(kudos)
    return kudos


COUNTED_DAYS = 90  # status counts a quarter's kudos, the same window the health score's kudos part reads


@dataclass(frozen=True)
class KudosCounts:
    by_direction: dict[str, int]  # "client→vendor", "vendor→client", "client→client", "vendor→vendor"
    by_receiver: list[tuple[str, int]]  # most thanked first
    days: int  # over the last this many days


def counts_read(gather: Gather, partnership: Partnership, now: datetime) -> Callable[[], KudosCounts]:
    """Kudos of the last COUNTED_DAYS, grouped by direction and receiver, in a gathered read. A window, not all
    time: what status reads stays the same size however many kudos a partnership has given over the years."""
    rows = gather.rows(
        lambda p: (
            select(Kudos.giver_side, Kudos.receiver_side, Kudos.receiver_user, func.count())
            .where(Kudos.partnership_id == p.pid, Kudos.given_at > p.since)
            .group_by(Kudos.giver_side, Kudos.receiver_side, Kudos.receiver_user)
        ),
        grouped=True,
        pid=partnership.id,
        since=now - timedelta(days=COUNTED_DAYS),
    )

    def finish() -> KudosCounts:
        by_direction: Counter[str] = Counter()
        by_receiver: Counter[str] = Counter()
        for giver, receiver, user, n in rows.get():
            by_direction[f"{giver}→{receiver}"] += n
            by_receiver[user] += n
        return KudosCounts(
            by_direction=dict(by_direction),
            by_receiver=sorted(by_receiver.items(), key=lambda item: (-item[1], item[0]))[:10],
            days=COUNTED_DAYS,
        )

    return finish
