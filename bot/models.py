"""Every area's tables, imported together so migrations and tests see the whole schema."""

from bot.actions.models import Action, ActionTransition
from bot.claims import ProcessedEvent, ScheduledSend
from bot.db import Base
from bot.decisions.models import Decision, DecisionMove
from bot.escalations.models import Escalation, EscalationUpdate, Transition
from bot.feedback.models import FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.governance.models import Appraisal, AppraisalAnswer, CouncilSeat, HomeView
from bot.incentives.models import IncentiveAnswer, IncentiveReview, IncentiveTerms
from bot.kpis.models import Kpi, KpiActual
from bot.kudos.models import Kudos
from bot.milestones.models import Milestone, MilestoneMove, MilestoneThanks
from bot.moments import NextMoment
from bot.partnerships.models import Charter, CharterEdit, Holiday, Member, Partnership, TeamSide
from bot.partnerships.roster import RosterEntry, RosterRefresh
from bot.rhythms.models import Answer, Blocker, Checkin, Rhythm
from bot.slack.shared_pacing import RateBudget

__all__ = [
    "Action",
    "ActionTransition",
    "Answer",
    "Appraisal",
    "AppraisalAnswer",
    "Base",
    "Blocker",
    "Charter",
    "CharterEdit",
    "Checkin",
    "CouncilSeat",
    "Decision",
    "DecisionMove",
    "Escalation",
    "EscalationUpdate",
    "FeedbackCycle",
    "FeedbackPoint",
    "FeedbackResponse",
    "Holiday",
    "HomeView",
    "IncentiveAnswer",
    "IncentiveReview",
    "IncentiveTerms",
    "Kpi",
    "KpiActual",
    "Kudos",
    "Member",
    "Milestone",
    "MilestoneMove",
    "MilestoneThanks",
    "NextMoment",
    "Partnership",
    "ProcessedEvent",
    "RateBudget",
    "Rhythm",
    "RosterEntry",
    "RosterRefresh",
    "ScheduledSend",
    "TeamSide",
    "Transition",
]
