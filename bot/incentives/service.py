"""The rules of incentives: the charter's terms (what is paid for, each side's priorities, the review month),
the quarterly review's schedule, answers, and its report with misalignment and silence. No Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.claims import schedule_send
from bot.db import insert_once
from bot.errors import UserError
from bot.escalations import sla
from bot.incentives.models import PRIORITIES, STILL_WANTED, IncentiveAnswer, IncentiveReview, IncentiveTerms
from bot.partnerships.models import SIDES, CharterEdit, Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.partnerships.targets import Target
from bot.validation import Typed
from bot.workdays import WorkCalendar, local_date, local_instant

REVIEW_WINDOW = Target(5, "bd")
OPENS_AT = time(10, 0)  # local, on the first business day of a review month
RANKS = ("rank_1", "rank_2", "rank_3", "rank_4")


def _ranking(values: dict) -> list[str]:
    ranking = [values.get(rank) for rank in RANKS]
    if any(r not in PRIORITIES for r in ranking) or len(set(ranking)) != len(PRIORITIES):
        raise ValueError("Put each of quality, cost, speed and innovation in one place.")
    return ranking


class TermsForm(BaseModel):
    paid_for: Typed = Field(default="", max_length=2000)
    ranking: list[str]
    review_month: int = Field(ge=1, le=12)


class AnswerForm(BaseModel):
    still_wanted: str
    why: Typed = Field(default="", max_length=2000)
    ranking: list[str]
    unwanted_behaviour: Typed = Field(default="", max_length=2000)

    @field_validator("still_wanted")
    @classmethod
    def _known(cls, value: str):
        if value not in STILL_WANTED:
            raise ValueError("Say yes, partly or no.")
        return value


def _parse(model: type[BaseModel], values: dict) -> tuple[BaseModel | None, dict[str, str]]:
    data = {key: value for key, value in values.items() if value is not None and key not in RANKS}
    errors = {}
    try:
        data["ranking"] = _ranking(values)
    except ValueError as problem:
        errors["rank_1"] = str(problem)
        data["ranking"] = list(PRIORITIES)
    try:
        form = model(**data)
    except ValidationError as exc:
        errors.update(form_errors(exc))
        form = None
    return (None, errors) if errors else (form, {})


def parse_terms(values: dict) -> tuple[TermsForm | None, dict[str, str]]:
    return _parse(TermsForm, values)


def parse_answer(values: dict) -> tuple[AnswerForm | None, dict[str, str]]:
    form, errors = _parse(AnswerForm, values)
    if form is not None and form.still_wanted != "yes" and not form.why:
        return None, {"why": "Say why, when it is partly or no."}
    return form, errors


# -- terms ------------------------------------------------------------------------------------------


def terms_of(session: Session, partnership: Partnership) -> IncentiveTerms:
    """The partnership's terms; a new, empty set (not yet stored) when none were written down."""
    found = session.scalar(select(IncentiveTerms).where(IncentiveTerms.partnership_id == partnership.id))
    return found or IncentiveTerms(partnership_id=partnership.id, paid_for="")


def priorities(terms: IncentiveTerms, side: str) -> list[str] | None:
    return terms.client_priorities if side == "client" else terms.vendor_priorities


def review_month(partnership: Partnership, terms: IncentiveTerms) -> int:
    return month_of(terms.review_month, partnership.created_at, partnership.timezone)


def month_of(chosen: int | None, set_up_at: datetime, tz: str) -> int:
    """The review month: the one the leads chose, else the month of setup."""
    return chosen or local_date(set_up_at, tz).month


def set_terms(
    session: Session, partnership: Partnership, actor: Member, form: TermsForm, now: datetime
) -> CharterEdit | None:
    """A lead writes down what is paid for and their own side's priority order (and may move the review month);
    logged like every charter edit. Nothing changed logs nothing."""
    require_lead(actor, "change what is paid for and your side's priorities")
    terms = terms_of(session, partnership)
    field = f"{actor.side}_priorities"
    before = {"paid_for": terms.paid_for, field: getattr(terms, field), "incentive_review_month": terms.review_month}
    after = {"paid_for": form.paid_for, field: form.ranking, "incentive_review_month": form.review_month}
    if before["incentive_review_month"] is None and form.review_month == review_month(partnership, terms):
        after["incentive_review_month"] = None  # the default, not a change
    changes = {name: {"from": before[name], "to": after[name]} for name in after if before[name] != after[name]}
    if not changes:
        return None
    terms.paid_for, terms.review_month = form.paid_for, after["incentive_review_month"]
    setattr(terms, field, form.ranking)
    session.add(terms)
    edit = CharterEdit(
        partnership_id=partnership.id, team_id=actor.team_id, user_id=actor.user_id, edited_at=now, changes=changes
    )
    session.add(edit)
    return edit


# -- the quarter's review ---------------------------------------------------------------------------


def _months_after(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def opening(month_start: date, calendar: WorkCalendar) -> datetime:
    """10:00 local on the first business day of the month."""
    day = month_start
    while not calendar.is_business_day(day) and day < month_start + timedelta(days=31):
        day += timedelta(days=1)
    return local_instant(day, OPENS_AT, calendar.timezone)


def latest_review_month(this_month: date, month: int) -> date:
    """The first day of the latest review month on or before `this_month`."""
    return _months_after(this_month, -((this_month.month - month) % 3))


def due_review(set_up_at: datetime, month: int, calendar: WorkCalendar, now: datetime):
    """(key, opening) of the latest quarter's review that has opened by `now`, or None. Reviews fall in the review
    month and every three months after; the first is at least a quarter after setup."""
    setup_month = local_date(set_up_at, calendar.timezone).replace(day=1)
    start = latest_review_month(local_date(now, calendar.timezone).replace(day=1), month)
    for candidate in (start, _months_after(start, -3)):
        opens = opening(candidate, calendar)
        if opens <= now:
            return (candidate.strftime("%Y-%m"), opens) if candidate > setup_month else None
    return None


def next_review(partnership: Partnership, terms: IncentiveTerms, calendar: WorkCalendar, now: datetime) -> datetime:
    """When the next quarter's review opens."""
    month = review_month(partnership, terms)
    setup_month = local_date(partnership.created_at, calendar.timezone).replace(day=1)
    start = local_date(now, calendar.timezone).replace(day=1)
    for ahead in range(0, 16):
        candidate = _months_after(start, ahead)
        if (candidate.month - month) % 3 == 0 and candidate > setup_month and opening(candidate, calendar) > now:
            return opening(candidate, calendar)
    raise AssertionError("a review month comes within 16 months")


def open_review(
    session: Session,
    partnership: Partnership,
    calendar: WorkCalendar,
    *,
    key: str,
    now: datetime,
    opened_by: str | None = None,
) -> IncentiveReview | None:
    """Open a review once (the key is the claim), snapshotting the charter's terms; owe its asks and its close."""
    terms = terms_of(session, partnership)
    review_id = insert_once(
        session,
        IncentiveReview.__table__,
        partnership_id=partnership.id,
        key=key,
        opened_by=opened_by,
        opened_at=now,
        closes_at=sla.due_at(now, "P3", REVIEW_WINDOW, calendar),
        paid_for=terms.paid_for,
        client_priorities=terms.client_priorities,
        vendor_priorities=terms.vendor_priorities,
    )
    if review_id is None:
        return None
    review = session.get(IncentiveReview, review_id)
    schedule_send(session, key=f"incentives:{review.id}:ask", kind="incentive_ask", due_at=now, subject_id=review.id)
    schedule_send(
        session,
        key=f"incentives:{review.id}:close",
        kind="incentive_close",
        due_at=review.closes_at,
        subject_id=review.id,
    )
    return review


def run_review(session: Session, partnership: Partnership, actor: Member, calendar: WorkCalendar, now: datetime):
    require_lead(actor, "start an incentive review")
    if latest_review(session, partnership, open_only=True) is not None:
        raise UserError("An incentive review is already open; it closes on its own (`/partner incentives`).")
    return open_review(session, partnership, calendar, key=f"run:{now.isoformat()}", now=now, opened_by=actor.user_id)


def latest_review(session: Session, partnership: Partnership, *, open_only: bool = False) -> IncentiveReview | None:
    query = select(IncentiveReview).where(IncentiveReview.partnership_id == partnership.id)
    if open_only:
        query = query.where(IncentiveReview.closed_at.is_(None))
    return session.scalar(query.order_by(IncentiveReview.opened_at.desc(), IncentiveReview.id.desc()).limit(1))


def asked(partnership: Partnership) -> list[Member]:
    """The leads and sponsors of both sides: who a review asks, and who may answer it."""
    return [m for m in partnership.members if m.role in ("lead", "sponsor")]


def check_can_answer(review: IncentiveReview, actor: Member) -> None:
    if review.closed_at is not None:
        raise UserError("This incentive review has closed; its report is in `/partner incentives`.")
    if actor.role not in ("lead", "sponsor"):
        raise UserError("Incentive reviews are answered by the leads and sponsors of each side.")


def answer_review(session: Session, review: IncentiveReview, actor: Member, form: AnswerForm, now: datetime):
    """Store one person's answer; answering again replaces it while the review is open."""
    check_can_answer(review, actor)
    found = session.scalar(
        select(IncentiveAnswer).where(
            IncentiveAnswer.review_id == review.id,
            IncentiveAnswer.team_id == actor.team_id,
            IncentiveAnswer.user_id == actor.user_id,
        )
    ) or IncentiveAnswer(review_id=review.id, team_id=actor.team_id, user_id=actor.user_id)
    found.side, found.still_wanted, found.why = actor.side, form.still_wanted, form.why
    found.ranking, found.unwanted_behaviour, found.answered_at = form.ranking, form.unwanted_behaviour, now
    session.add(found)
    return found


def close_review(session: Session, review: IncentiveReview, now: datetime) -> bool:
    if review.closed_at is not None:
        return False
    review.closed_at = now
    return True


# -- the report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideView:
    side: str
    answers: list[IncentiveAnswer]
    ranking: list[str] | None  # the side's combined ranking now (Borda count), None when silent
    charter: list[str] | None  # the side's priority order in the charter when the review opened

    @property
    def silent(self) -> bool:
        return not self.answers

    def count(self, still_wanted: str) -> int:
        return sum(a.still_wanted == still_wanted for a in self.answers)


@dataclass(frozen=True)
class Point:
    kind: str  # first_priority, not_wanted, moved, behaviour, silence
    side: str | None
    text: str  # plain words (escaped by the blocks)


@dataclass(frozen=True)
class ReviewReport:
    review: IncentiveReview
    sides: dict[str, SideView]
    points: list[Point]

    @property
    def misaligned(self) -> bool:
        return any(p.kind in ("first_priority", "not_wanted", "moved") for p in self.points)


def combined_ranking(answers: list[IncentiveAnswer]) -> list[str] | None:
    if not answers:
        return None
    score = {p: 0 for p in PRIORITIES}
    for a in answers:
        for place, priority in enumerate(a.ranking):
            score[priority] += len(PRIORITIES) - place
    order = list(PRIORITIES)
    return sorted(PRIORITIES, key=lambda p: (-score[p], order.index(p)))


def _names(ranking: list[str]) -> str:
    return " → ".join(PRIORITIES[p].lower() for p in ranking)


def review_report(review: IncentiveReview) -> ReviewReport:
    """Both sides side by side, and the points worth acting on: first priorities that differ, "partly" or "no"
    to what is paid for, a ranking moved from the charter's, unwanted behaviours named, and a silent side.
    The data of `/partner incentives` and of the appraisal pre-read (the governance issue's seam)."""
    sides = {}
    for side in SIDES:
        answers = [a for a in review.answers if a.side == side]
        charter = review.client_priorities if side == "client" else review.vendor_priorities
        sides[side] = SideView(side, answers, combined_ranking(answers), charter)
    points = []
    client, vendor = sides["client"], sides["vendor"]
    if client.ranking and vendor.ranking and client.ranking[0] != vendor.ranking[0]:
        points.append(
            Point(
                "first_priority",
                None,
                f"First priorities differ: the client puts {client.ranking[0]} first, the vendor {vendor.ranking[0]}.",
            )
        )
    for view in sides.values():
        for a in view.answers:
            if a.still_wanted != "yes":
                points.append(
                    Point("not_wanted", view.side, f"What is paid for is {a.still_wanted} still wanted: {a.why}")
                )
        if view.ranking and view.charter and view.ranking != view.charter:
            points.append(
                Point(
                    "moved",
                    view.side,
                    f"The {view.side} side's ranking moved from the charter's ({_names(view.charter)}) to "
                    f"{_names(view.ranking)}.",
                )
            )
        for a in view.answers:
            if a.unwanted_behaviour:
                points.append(Point("behaviour", view.side, f"Behaviour our metrics reward: {a.unwanted_behaviour}"))
        if view.silent:
            points.append(Point("silence", view.side, f"The {view.side} side did not answer."))
    return ReviewReport(review, sides, points)


def latest_report(session: Session, partnership: Partnership, until: datetime) -> ReviewReport | None:
    """The report of the latest review opened by `until`: what the digest and the appraisal pre-read show."""
    review = session.scalar(
        select(IncentiveReview)
        .where(IncentiveReview.partnership_id == partnership.id, IncentiveReview.opened_at <= until)
        .order_by(IncentiveReview.opened_at.desc(), IncentiveReview.id.desc())
        .limit(1)
    )
    return review_report(review) if review else None


def waiting_answer(session: Session, partnership: Partnership, member: Member) -> IncentiveReview | None:
    """The open review `member` is asked and has not answered: their App Home's form to fill (one statement)."""
    if member.role not in ("lead", "sponsor"):
        return None
    answered = select(IncentiveAnswer.id).where(
        IncentiveAnswer.review_id == IncentiveReview.id,
        IncentiveAnswer.team_id == member.team_id,
        IncentiveAnswer.user_id == member.user_id,
    )
    return session.scalar(
        select(IncentiveReview)
        .where(
            IncentiveReview.partnership_id == partnership.id,
            IncentiveReview.closed_at.is_(None),
            ~answered.exists(),
        )
        .order_by(IncentiveReview.opened_at.desc(), IncentiveReview.id.desc())
        .limit(1)
    )


def find_review(session: Session, review_id: int) -> IncentiveReview:
    review = session.get(IncentiveReview, review_id)
    if review is None:
        raise UserError("That incentive review no longer exists.")
    return review


def point_of(review: IncentiveReview, index: int) -> Point:
    points = review_report(review).points
    if not 0 <= index < len(points):
        raise UserError("That point is no longer in the review's report.")
    return points[index]
