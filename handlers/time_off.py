"""`/partner ooo` and `/partner holiday`: when people and the partnership are away."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.partnerships import service as partnerships
from bot.partnerships import time_off
from bot.partnerships.blocks import away_text, back_text, holiday_added_text, holiday_list, holiday_removed_text
from bot.workdays import local_date
from handlers.people import asked_in
from handlers.router import CommandContext, CommandSet, Reply, day, text

commands = CommandSet()


@commands.add(
    "ooo",
    day(),
    day(),
    summary="you are away: not expected in check-ins, not nudged",
    example="/partner ooo 2026-12-21 2027-01-02",
)
def away(ctx: CommandContext, first: date, last: date) -> Reply:
    now = ctx.runtime.clock.now()
    with asked_in(ctx) as (session, partnership, member):
        time_off.set_out_of_office(member, first, last, now)
    return Reply(away_text(first, last))


@commands.add("ooo off", summary="you are back", example="/partner ooo off")
def back(ctx: CommandContext) -> Reply:
    with asked_in(ctx) as (_session, _partnership, member):
        time_off.clear_out_of_office(member)
    return Reply(back_text())


@commands.add(
    "holiday add",
    day(),
    text("name", optional=True),
    summary="a partnership holiday: no check-ins, SLA clocks paused (leads)",
    example="/partner holiday add 2026-12-25 Christmas",
)
def add(ctx: CommandContext, holiday: date, name: str) -> Reply:
    with asked_in(ctx) as (session, partnership, actor):
        time_off.add_holiday(session, partnership, actor, holiday, name)
    return Reply(holiday_added_text(holiday))


@commands.add("holiday list", summary="upcoming holidays", example="/partner holiday list", default=True)
def listing(ctx: CommandContext) -> Reply:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        upcoming = time_off.holidays(session, partnership, since=local_date(rt.clock.now(), partnership.timezone))
        return Reply(holiday_list(upcoming))


@commands.add(
    "holiday remove", day(), summary="no longer a holiday (leads)", example="/partner holiday remove 2026-12-25"
)
def remove(ctx: CommandContext, holiday: date) -> Reply:
    with asked_in(ctx) as (session, partnership, actor):
        time_off.remove_holiday(session, partnership, actor, holiday)
    return Reply(holiday_removed_text(holiday))


def register(app: App) -> None:
    """Time off has no buttons or forms: everything is a subcommand."""
