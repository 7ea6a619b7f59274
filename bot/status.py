"""`/partner status`: each area contributes its lines; this gathers them in one place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.partnerships import service as partnerships
from bot.partnerships.blocks import weekdays_text
from bot.partnerships.models import Partnership
from bot.slack.forms import context, section
from bot.slack.text import escape, local_date, mention


def partnership_lines(session: Session, partnership: Partnership, now: datetime) -> list[str]:
    by_side = partnerships.members_by_side(partnership)
    lines = []
    for side, members in by_side.items():
        leads = [mention(m.user_id) for m in members if m.role == "lead"]
        lines.append(
            f"*{side.title()}* {escape(partnership.org_of(side))}: {len(members)} member(s)"
            + (f", led by {', '.join(leads)}" if leads else ", no lead yet")
        )
    edit = partnerships.last_charter_edit(session, partnership)
    lines.append(
        f"Charter last edited {local_date(edit.edited_at)} by {mention(edit.user_id)}"
        if edit else "Charter: defaults from setup (`/partner charter` to read or edit)"
    )
    return lines


def status_blocks(session: Session, partnership: Partnership, now: datetime) -> tuple[str, list[dict]]:
    blocks = [
        section(f"*{escape(partnership.name)}* — status"),
        section("\n".join(partnership_lines(session, partnership, now))),
        context(f"Timezone {partnership.timezone} · business days {weekdays_text(partnership.business_days)}"),
    ]
    return f"Status of {partnership.name}", blocks
