"""A channel Slack re-keyed (`channel_id_changed`, e.g. when a channel becomes shared): every row that names
the old id follows, so the partnership keeps its channel, roster, governance channel and owed posts."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.claims import ScheduledSend
from bot.governance.models import Appraisal
from bot.partnerships.models import Partnership
from bot.partnerships.roster import RosterEntry, RosterRefresh


def rekey_channel(session: Session, *, old: str, new: str) -> None:
    if not old or not new or old == new:
        return
    session.execute(update(Partnership).where(Partnership.channel_id == old).values(channel_id=new))
    session.execute(
        update(Partnership).where(Partnership.governance_channel_id == old).values(governance_channel_id=new)
    )
    session.execute(update(Appraisal).where(Appraisal.preread_channel == old).values(preread_channel=new))
    # The roster under the new id is the old one (a member list taken under the new id meanwhile wins).
    if session.get(RosterRefresh, new) is None:
        session.execute(delete(RosterEntry).where(RosterEntry.channel_id == new))
        session.execute(update(RosterEntry).where(RosterEntry.channel_id == old).values(channel_id=new))
        session.execute(update(RosterRefresh).where(RosterRefresh.channel_id == old).values(channel_id=new))
    else:
        session.execute(delete(RosterEntry).where(RosterEntry.channel_id == old))
        session.execute(delete(RosterRefresh).where(RosterRefresh.channel_id == old))
    # Posts owed but not yet sent carry their channel in their payload.
    for send in session.scalars(select(ScheduledSend).where(ScheduledSend.status == "pending")):
        if (send.payload or {}).get("channel") == old:
            send.payload = {**send.payload, "channel": new}
