"""What someone's App Home shows: the partnerships they belong to, what waits on them (check-ins, feedback,
actions, escalations, appraisal forms, decisions awaiting their side, KPI actuals their side owes, an incentive
review to answer), what comes next, and for leads and sponsors the governance rhythm. Plus a fingerprint of
what waits, so a change republishes it. No Slack."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.actions.models import Action
from bot.claims import schedule_send
from bot.db import insert_once
from bot.decisions import service as decisions
from bot.decisions.models import Decision
from bot.escalations.lifecycle import ACTIVE
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackResponse
from bot.feedback.service import giver_key
from bot.governance import appraisal as appraisals
from bot.governance.models import Appraisal, HomeView
from bot.governance.service import HealthReading, is_council, reading
from bot.incentives import service as incentives
from bot.incentives.models import IncentiveReview
from bot.kpis.reporting import Owed, owed_actuals, reporters
from bot.milestones.models import Milestone
from bot.partnerships.models import Member, Partnership
from bot.rhythms.models import Answer, Checkin
from bot.workdays import local_date, work_calendar


@dataclass
class Belonging:
    partnership: Partnership
    member: Member
    health: HealthReading | None = None
    council: bool = False


@dataclass
class Waiting:
    checkins: list[tuple[Partnership, Checkin]] = field(default_factory=list)
    cycles: list[tuple[Partnership, FeedbackCycle]] = field(default_factory=list)
    actions: list[tuple[Partnership, Action, bool]] = field(default_factory=list)  # overdue?
    escalations: list[tuple[Partnership, Escalation, str]] = field(default_factory=list)  # why: owner | acknowledge
    forms: list[tuple[Partnership, Appraisal]] = field(default_factory=list)
    decisions: list[tuple[Partnership, Decision, list[str]]] = field(default_factory=list)  # answers they may give
    actuals: list[tuple[Partnership, Owed]] = field(default_factory=list)
    reviews: list[tuple[Partnership, IncentiveReview]] = field(default_factory=list)

    def fingerprint(self) -> str:
        keys = [
            *(f"c{c.id}" for _, c in self.checkins),
            *(f"f{c.id}" for _, c in self.cycles),
            *(f"a{a.id}:{int(late)}" for _, a, late in self.actions),
            *(f"e{e.id}:{why}:{e.state}" for _, e, why in self.escalations),
            *(f"p{a.id}" for _, a in self.forms),
            *(f"d{d.id}:{d.state}:{','.join(answers)}" for _, d, answers in self.decisions),
            *(f"k{o.button_value}:{','.join(str(k.id) for k in o.kpis)}" for _, o in self.actuals),
            *(f"i{r.id}" for _, r in self.reviews),
        ]
        return hashlib.sha256("|".join(sorted(keys)).encode()).hexdigest()


@dataclass
class Governance:
    partnership: Partnership
    next_appraisal_on: date | None
    referred: list[Escalation]
    unrecorded: list[Appraisal]


@dataclass
class Home:
    belongings: list[Belonging]
    waiting: Waiting
    milestones: list[tuple[Partnership, Milestone]]
    governance: list[Governance]


def belongings(session: Session, user_id: str) -> list[Belonging]:
    found = session.execute(
        select(Member, Partnership)
        .join(Partnership, Partnership.id == Member.partnership_id)
        .where(Member.user_id == user_id)
        .order_by(Partnership.name, Partnership.id)
    ).all()
    return [Belonging(partnership, member) for member, partnership in found]


def waiting_on(session: Session, mine: list[Belonging], now: datetime, key_secret: bytes) -> Waiting:
    waiting = Waiting()
    for b in mine:
        p, m = b.partnership, b.member
        today = local_date(now, p.timezone)
        # Read what is open, then which of it this person has answered, in one statement each (no read per item).
        asked = [
            c
            for c in session.scalars(
                select(Checkin)
                .options(joinedload(Checkin.rhythm))
                .where(Checkin.partnership_id == p.id, Checkin.status == "sent", Checkin.closes_at > now)
            )
            if any(person["user"] == m.user_id for person in c.expected)
        ]
        answered = set(
            session.scalars(
                select(Answer.checkin_id).where(
                    Answer.checkin_id.in_([c.id for c in asked]), Answer.user_id == m.user_id
                )
            )
            if asked
            else ()
        )
        waiting.checkins.extend((p, c) for c in asked if c.id not in answered)
        cycles = {
            giver_key(key_secret, cycle, m): cycle
            for cycle in session.scalars(
                select(FeedbackCycle).where(
                    FeedbackCycle.partnership_id == p.id,
                    FeedbackCycle.status == "open",
                    FeedbackCycle.opens_at <= now,
                    FeedbackCycle.closes_at > now,
                )
            )
        }
        given = set(
            session.scalars(
                select(FeedbackResponse.giver_key).where(
                    FeedbackResponse.cycle_id.in_([c.id for c in cycles.values()]),
                    FeedbackResponse.giver_key.in_(list(cycles)),
                )
            )
            if cycles
            else ()
        )
        waiting.cycles.extend((p, cycle) for key, cycle in cycles.items() if key not in given)
        for action in session.scalars(
            select(Action).where(Action.partnership_id == p.id, Action.status == "open", Action.owner_user == m.user_id)
        ):
            waiting.actions.append((p, action, action.due_date < today))
        for escalation in session.scalars(
            select(Escalation)
            .where(Escalation.partnership_id == p.id, Escalation.state.in_(ACTIVE))
            .order_by(Escalation.raised_at)
        ):
            if escalation.owner_user == m.user_id:
                waiting.escalations.append((p, escalation, "owner"))
            elif (
                escalation.acknowledged_at is None
                and escalation.state == "open"
                and p.side_of_team(escalation.raised_by_team) != m.side
            ):
                waiting.escalations.append((p, escalation, "acknowledge"))
        if b.council:
            waiting.forms.extend((p, a) for a in appraisals.waiting_forms(session, p, m, today))
        waiting.decisions.extend(
            (p, d, decisions.answers_open_to(d, m)) for d in decisions.awaiting_member(session, p, m)
        )
        if m in reporters(p, m.side):
            calendar = work_calendar(session, p)
            waiting.actuals.extend((p, owed) for owed in owed_actuals(session, p, m.side, calendar, now))
        review = incentives.waiting_answer(session, p, m)
        if review is not None:
            waiting.reviews.append((p, review))
    waiting.actions.sort(key=lambda item: (not item[2], item[1].due_date, item[1].number))
    return waiting


def home(session: Session, user_id: str, now: datetime, key_secret: bytes, *, with_health: bool = True) -> Home:
    mine = belongings(session, user_id)
    for b in mine:
        b.council = is_council(session, b.partnership, b.member)
        if with_health:
            b.health = reading(session, b.partnership, now)
    milestones = [
        (b.partnership, m)
        for b in mine
        for m in session.scalars(
            select(Milestone)
            .where(Milestone.partnership_id == b.partnership.id, Milestone.status == "open")
            .order_by(Milestone.due_date)
            .limit(3)
        )
    ]
    governance = [
        Governance(
            partnership=b.partnership,
            next_appraisal_on=appraisals.next_meeting(session, b.partnership),
            referred=list(
                session.scalars(
                    select(Escalation).where(
                        Escalation.partnership_id == b.partnership.id, Escalation.state == "referred"
                    )
                )
            ),
            unrecorded=list(
                session.scalars(
                    select(Appraisal).where(
                        Appraisal.partnership_id == b.partnership.id,
                        Appraisal.recorded_at.is_(None),
                        Appraisal.preread_ts.is_not(None),
                    )
                )
            ),
        )
        for b in mine
        if b.member.role in ("lead", "sponsor")
    ]
    return Home(mine, waiting_on(session, mine, now, key_secret), milestones, governance)


def fingerprint(session: Session, user_id: str, now: datetime, key_secret: bytes) -> str:
    mine = belongings(session, user_id)
    for b in mine:
        b.council = is_council(session, b.partnership, b.member)
    return waiting_on(session, mine, now, key_secret).fingerprint()


def opened(session: Session, *, team_id: str, user_id: str, now: datetime, key_secret: bytes) -> int:
    """Someone opened their Home tab: remember them (so changes republish it) and return the publication's
    version, which keys its claimed send."""
    insert_once(session, HomeView.__table__, team_id=team_id, user_id=user_id, fingerprint="", version=0,
                opened_at=now)  # fmt: skip
    view = session.scalar(select(HomeView).where(HomeView.user_id == user_id).with_for_update())
    view.version += 1
    view.opened_at = now
    view.fingerprint = fingerprint(session, user_id, now, key_secret)
    return view.version


def changed_views(session: Session, now: datetime, key_secret: bytes) -> list[tuple[str, int]]:
    """(user, version) for each Home whose waiting list changed since it was last published. Replicas that see
    the same change compute the same version, and the send keyed by it is owed once."""
    due = []
    for view in session.scalars(select(HomeView)).all():
        current = fingerprint(session, view.user_id, now, key_secret)
        if current != view.fingerprint:
            view.fingerprint, view.version = current, view.version + 1
            due.append((view.user_id, view.version))
    return due


def owe_publish(session: Session, user_id: str, version: int, now: datetime) -> None:
    """Publishing is a claimed send like any other: paced by the dispatcher, performed once per version."""
    schedule_send(session, key=f"home:{user_id}:{version}", kind="home_publish", due_at=now, payload={"user": user_id})
