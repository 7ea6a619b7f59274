"""What someone's App Home shows: the partnerships they belong to, what waits on them (check-ins, feedback,
actions, escalations, appraisal forms, decisions awaiting their side, KPI actuals their side owes, an incentive
review to answer), what comes next, and for leads and sponsors the governance rhythm. Plus a fingerprint of
what waits, so a change republishes it. No Slack."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.claims import schedule_send
from bot.db import insert_once
from bot.decisions import service as decisions
from bot.decisions.models import Decision
from bot.escalations.lifecycle import ACTIVE
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackResponse
from bot.feedback.service import giver_key
from bot.gather import Gather
from bot.governance import appraisal as appraisals
from bot.governance.models import Appraisal, HomeView
from bot.governance.service import HealthReading, is_council, reading_read
from bot.incentives import service as incentives
from bot.incentives.models import IncentiveReview
from bot.kpis.periods import ASK_AT as KPI_ASK_AT
from bot.kpis.reporting import Owed, owed_actuals, reporters
from bot.milestones.models import Milestone
from bot.partnerships.models import Member, Partnership
from bot.rhythms.models import Answer, Checkin, Rhythm
from bot.workdays import local_date, local_instant, work_calendar


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


class _Own:
    """What a Home reads of one partnership's own tables for one person, as parts of one gathered read."""

    def __init__(self, gather: Gather, b: Belonging, now: datetime) -> None:
        who = {"pid": b.partnership.id, "user": b.member.user_id, "now": now}
        self.checkins = gather.entities(Checkin, lambda p: select(Checkin).where(*_open_checkins(p)),
                                        sort=lambda c: c.id, **who)  # fmt: skip
        self.rhythms = gather.entities(
            Rhythm,
            lambda p: select(Rhythm).where(Rhythm.id.in_(select(Checkin.rhythm_id).where(*_open_checkins(p)))),
            **who,
        )
        self.answered = gather.rows(
            lambda p: select(Answer.checkin_id).where(
                Answer.checkin_id.in_(select(Checkin.id).where(*_open_checkins(p))), Answer.user_id == p.user
            ),
            **who,
        )
        self.cycles = gather.entities(FeedbackCycle, lambda p: select(FeedbackCycle).where(*_open_cycles(p)),
                                      sort=lambda c: c.id, **who)  # fmt: skip
        self.given = gather.rows(
            lambda p: select(FeedbackResponse.giver_key).where(
                FeedbackResponse.cycle_id.in_(select(FeedbackCycle.id).where(*_open_cycles(p)))
            ),
            **who,
        )
        self.actions = gather.entities(
            Action,
            lambda p: select(Action).where(
                Action.partnership_id == p.pid, Action.status == "open", Action.owner_user == p.user
            ),
            sort=lambda a: a.id,
            **who,
        )
        self.escalations = gather.entities(
            Escalation,
            lambda p: select(Escalation).where(Escalation.partnership_id == p.pid, Escalation.state.in_(ACTIVE)),
            sort=lambda e: (e.raised_at, e.id),
            **who,
        )


def _open_checkins(p) -> tuple:
    return Checkin.partnership_id == p.pid, Checkin.status == "sent", Checkin.closes_at > p.now


def _open_cycles(p) -> tuple:
    return (FeedbackCycle.partnership_id == p.pid, FeedbackCycle.status == "open", FeedbackCycle.opens_at <= p.now,
            FeedbackCycle.closes_at > p.now)  # fmt: skip


def waiting_on(
    session: Session, mine: list[Belonging], now: datetime, key_secret: bytes, gather: Gather | None = None
) -> Waiting:
    """What waits on this person. Each partnership's own tables are read in one gathered statement with whatever
    else the caller put in `gather` (run here); the other areas' services read theirs."""
    gather = gather or Gather()
    own = [_Own(gather, b, now) for b in mine]
    gather.run(session)
    waiting = Waiting()
    for b, read in zip(mine, own, strict=True):
        p, m = b.partnership, b.member
        today = local_date(now, p.timezone)
        rhythms = {r.id: r for r in read.rhythms.get()}
        answered = {checkin_id for (checkin_id,) in read.answered.get()}
        for c in read.checkins.get():
            if any(person["user"] == m.user_id for person in c.expected) and c.id not in answered:
                c.rhythm = rhythms[c.rhythm_id]
                waiting.checkins.append((p, c))
        given = {key for (key,) in read.given.get()}
        cycles = {giver_key(key_secret, cycle, m): cycle for cycle in read.cycles.get()}
        waiting.cycles.extend((p, cycle) for key, cycle in cycles.items() if key not in given)
        for action in read.actions.get():
            waiting.actions.append((p, action, action.due_date < today))
        for escalation in read.escalations.get():
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
    gather = Gather()
    health, milestones, referred, unrecorded = [], [], [], []
    for b in mine:
        b.council = is_council(session, b.partnership, b.member)
        health.append(reading_read(gather, b.partnership, now) if with_health else None)
        milestones.append(
            gather.entities(
                Milestone,
                lambda p: (
                    select(Milestone)
                    .where(Milestone.partnership_id == p.pid, Milestone.status == "open")
                    .order_by(Milestone.due_date)
                ),
                first=3,
                sort=lambda m: m.due_date,
                pid=b.partnership.id,
            )
        )
        if b.member.role in ("lead", "sponsor"):
            referred.append(
                gather.entities(
                    Escalation,
                    lambda p: select(Escalation).where(
                        Escalation.partnership_id == p.pid, Escalation.state == "referred"
                    ),
                    sort=lambda e: e.id,
                    pid=b.partnership.id,
                )
            )
            unrecorded.append(
                gather.entities(
                    Appraisal,
                    lambda p: select(Appraisal).where(
                        Appraisal.partnership_id == p.pid,
                        Appraisal.recorded_at.is_(None),
                        Appraisal.preread_ts.is_not(None),
                    ),
                    sort=lambda a: a.id,
                    pid=b.partnership.id,
                )
            )
    waiting = waiting_on(session, mine, now, key_secret, gather)
    for b, finish in zip(mine, health, strict=True):
        b.health = finish() if finish else None
    leading = [b for b in mine if b.member.role in ("lead", "sponsor")]
    governance = [
        Governance(
            partnership=b.partnership,
            next_appraisal_on=appraisals.next_meeting(session, b.partnership),
            referred=escalations.get(),
            unrecorded=appraisals_.get(),
        )
        for b, escalations, appraisals_ in zip(leading, referred, unrecorded, strict=True)
    ]
    shown = [(b.partnership, m) for b, found in zip(mine, milestones, strict=True) for m in found.get()]
    return Home(mine, waiting, shown, governance)


def look(session: Session, user_id: str, now: datetime, key_secret: bytes) -> tuple[str, datetime | None]:
    """The fingerprint of what waits on this person now, and when it next changes with time alone (None: only
    a change of rows changes it, which home_marks notes)."""
    mine = belongings(session, user_id)
    for b in mine:
        b.council = is_council(session, b.partnership, b.member)
    waiting = waiting_on(session, mine, now, key_secret)
    return waiting.fingerprint(), next_change(mine, waiting, now)


def next_change(mine: list[Belonging], waiting: Waiting, now: datetime) -> datetime | None:
    """The first moment after `now` at which the waiting list may change with no row changing: a check-in's or
    a cycle's window closing, an action falling overdue or a meeting passing at local midnight, and for those
    asked for KPI actuals a period closing (local midnight) or its ask going out (10:00 local)."""
    moments = [c.closes_at for _, c in waiting.checkins] + [c.closes_at for _, c in waiting.cycles]
    moments += [_midnight_after(a.due_date, p.timezone) for p, a, late in waiting.actions if not late]
    moments += [_midnight_after(a.meeting_on, p.timezone) for p, a in waiting.forms]
    for b in mine:
        if b.member in reporters(b.partnership, b.member.side):
            moments += [_next_local(now, b.partnership.timezone, at) for at in (time(0), KPI_ASK_AT)]
    later = [moment for moment in moments if moment > now]
    return min(later, default=None)


def _midnight_after(day: date, tz: str) -> datetime:
    return local_instant(day + timedelta(days=1), time(0), tz)


def _next_local(now: datetime, tz: str, at: time) -> datetime:
    today = local_date(now, tz)
    moment = local_instant(today, at, tz)
    return moment if moment > now else local_instant(today + timedelta(days=1), at, tz)


def opened(session: Session, *, team_id: str, user_id: str, now: datetime, key_secret: bytes) -> int:
    """Someone opened their Home tab: remember them (so changes republish it) and return the publication's
    version, which keys its claimed send."""
    insert_once(session, HomeView.__table__, team_id=team_id, user_id=user_id, fingerprint="", version=0,
                opened_at=now)  # fmt: skip
    view = session.scalar(select(HomeView).where(HomeView.user_id == user_id).with_for_update())
    view.version += 1
    view.opened_at = now
    view.fingerprint, view.recheck_at = look(session, user_id, now, key_secret)
    return view.version


def changed_views(session: Session, now: datetime, key_secret: bytes, limit: int) -> list[tuple[str, int]]:
    """(user, version) for each Home due for a recheck whose waiting list changed since it was last published, at
    most `limit` Homes looked at. Replicas that see the same change compute the same version, and the send keyed
    by it is owed once."""
    due = []
    for view in session.scalars(
        select(HomeView).where(_recheck_due(now)).order_by(HomeView.recheck_at, HomeView.id).limit(limit)
    ).all():
        seen = view.recheck_at
        current, following = look(session, view.user_id, now, key_secret)
        if current != view.fingerprint:
            view.fingerprint, view.version = current, view.version + 1
            due.append((view.user_id, view.version))
        session.flush()  # what this look changed itself goes first, so its moment is the last word
        # Unless a change marked it again meanwhile: then the next tick looks again.
        session.execute(
            update(HomeView).where(HomeView.id == view.id, HomeView.recheck_at == seen).values(recheck_at=following)
        )
    return due


def any_recheck_due(now: datetime) -> ColumnElement[bool]:
    """Whether any Home is due for a recheck: the tick's probe, the first entry of recheck_at's index (see
    bot.moments.any_due)."""
    return select(func.min(HomeView.recheck_at)).scalar_subquery() <= now


def _recheck_due(now: datetime) -> ColumnElement[bool]:
    return HomeView.recheck_at <= now


def owe_publish(session: Session, user_id: str, version: int, now: datetime) -> None:
    """Publishing is a claimed send like any other: paced by the dispatcher, performed once per version."""
    schedule_send(session, key=f"home:{user_id}:{version}", kind="home_publish", due_at=now, payload={"user": user_id})
