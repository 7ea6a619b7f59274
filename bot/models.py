"""Every area's tables, imported together so migrations and tests see the whole schema."""

from bot.claims import ProcessedEvent
from bot.db import Base
from bot.partnerships.models import Charter, CharterEdit, Member, Partnership

__all__ = ["Base", "Charter", "CharterEdit", "Member", "Partnership", "ProcessedEvent"]
