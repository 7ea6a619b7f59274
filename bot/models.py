"""Every area's tables, imported together so migrations and tests see the whole schema."""

from bot.db import Base
from bot.claims import ProcessedEvent, ScheduledSend
from bot.partnerships.models import Charter, CharterEdit, Holiday, Member, Partnership
from bot.rhythms.models import Answer, Blocker, Checkin, Rhythm

__all__ = ["Answer", "Base", "Blocker", "Charter", "CharterEdit", "Checkin", "Holiday", "Member", "Partnership",
           "ProcessedEvent", "Rhythm", "ScheduledSend"]
