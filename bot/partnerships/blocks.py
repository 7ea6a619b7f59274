"""Block Kit for partnerships: data in, JSON-able dicts out."""

from __future__ import annotations

from datetime import date

from bot.partnerships.ids import Action, Card, CharterState, Form, SetupState
from bot.partnerships.models import Charter, CharterEdit, Member, Partnership
from bot.partnerships.service import leads as partnership_leads
from bot.partnerships.targets import KINDS, SEVERITIES, parse_target
from bot.slack.forms import (
    button,
    checkboxes,
    clip,
    context,
    conversations_select,
    listing,
    modal,
    option,
    radio_buttons,
    section,
    text_input,
)
from bot.slack.text import (
    EVERYTHING,
    SEVERITY_NAMES,
    WEEKDAYS,
    channel_link,
    date_token,
    escape,
    mention,
    name_text,
    weekdays_text,
)

# The partnership card's buttons: everything the other organisation can do without slash commands.
CARD_ACTIONS = (
    ("Post update", Card.POST_UPDATE),
    ("Give feedback", Card.GIVE_FEEDBACK),
    ("Raise escalation", Card.RAISE_ESCALATION),
    ("Kudos", Card.KUDOS),
    ("Status", Card.STATUS),
    ("Share a decision", Card.SHARE_DECISION),
)


def partnership_card(partnership: Partnership) -> tuple[str, list[dict]]:
    title = name_text(partnership.name)
    lines = [
        f"*{title}*",
        f"Client: *{name_text(partnership.client_org)}* · Vendor: *{name_text(partnership.vendor_org)}*",
    ]
    details = calendar_text(partnership)
    if partnership.governance_channel_id:
        details += f" · governance in {channel_link(partnership.governance_channel_id)}"
    blocks = [
        section("\n".join(lines)),
        context(details),
        section("Use these buttons from either company; `/partner help` lists every command."),
        {
            "type": "actions",
            "block_id": "partnership_card",
            "elements": [button(label, action_id, value=partnership.channel_id) for label, action_id in CARD_ACTIONS],
        },
    ]
    return f"partnerbot is set up for {title}", blocks


def setup_modal(*, channel_id: str, default_timezone: str, current: Partnership | None = None) -> dict:
    home_side = current.home_side if current else None
    days = current.business_days if current else [1, 2, 3, 4, 5]
    side_options = [option("the client", "client"), option("the vendor", "vendor")]
    day_options = [option(name, str(index + 1)) for index, name in enumerate(WEEKDAYS)]
    blocks = [
        text_input(
            "name",
            "Partnership name",
            initial=current.name if current else "",
            max_length=150,
            placeholder="e.g. Acme support with Globex",
        ),
        text_input("client_org", "Client organisation", initial=current.client_org if current else "", max_length=150),
        text_input("vendor_org", "Vendor organisation", initial=current.vendor_org if current else "", max_length=150),
        radio_buttons("home_side", "This workspace belongs to", side_options, initial=home_side),
        text_input(
            "timezone",
            "Timezone (IANA name)",
            initial=current.timezone if current else default_timezone,
            hint="Check-ins and business days run in this timezone, e.g. Europe/London",
        ),
        checkboxes("business_days", "Business days", day_options, initial=[str(day) for day in days]),
        conversations_select(
            "governance_channel_id",
            "Governance channel",
            initial=current.governance_channel_id if current else None,
            optional=True,
            hint="Where breaches and sponsor alerts are also told (optional)",
        ),
    ]
    title = "Partnership settings" if current else "Set up partnership"
    return modal(
        Form.SETUP,
        title,
        blocks,
        submit="Save" if current else "Set up",
        private_metadata=SetupState(channel_id=channel_id).dump(),
    )


def members_blocks(partnership: Partnership, by_side: dict[str, list[Member]]) -> tuple[str, list[dict]]:
    blocks = [section(f"*Members of {name_text(partnership.name)}*")]
    for side, members in by_side.items():
        heading = f"*{side.title()} · {escape(partnership.org_of(side))}*"
        lines = [
            f"{mention(m.user_id)} — {m.role}" + (" _(side set by a lead)_" if m.side_explicit else "") for m in members
        ] or ["_nobody yet_"]
        blocks += listing([heading, *lines], rest=EVERYTHING, room=20)  # two sides stay inside 50 blocks
    blocks.append(
        context(
            "Everyone in the channel, bots left out. Leads change sides and roles with `/partner side` and "
            "`/partner role`, and say which company a further organisation is with `/partner team assign`."
        )
    )
    return f"Members of {name_text(partnership.name)}", blocks


def targets_text(targets: dict[str, dict[str, str]]) -> str:
    return "\n".join(
        f"{SEVERITY_NAMES[severity]}: acknowledge within {parse_target(targets[severity]['ack']).describe()}, "
        f"resolve within {parse_target(targets[severity]['resolve']).describe()}"
        for severity in SEVERITIES
    )


def charter_blocks(
    partnership: Partnership, charter: Charter, *, can_edit: bool, last_edit: CharterEdit | None
) -> tuple[str, list[dict]]:
    def field(text: str) -> str:
        return escape(text) if text.strip() else "_not written yet_"

    blocks = [
        section(f"*Charter of {name_text(partnership.name)}*"),
        section(f"*{name_text(partnership.client_org)} (client) decides alone*\n{field(charter.client_decisions)}"),
        section(f"*{name_text(partnership.vendor_org)} (vendor) decides alone*\n{field(charter.vendor_decisions)}"),
        section(f"*Response-time targets*\n{field(charter.response_targets)}"),
        section(f"*Update rhythm*\n{field(charter.update_rhythm)}"),
        section(f"*Escalation targets*\n{targets_text(charter.escalation_targets)}"),
        section(governance_text(charter)),
    ]
    if last_edit is not None:
        blocks.append(context(f"Last edited by {mention(last_edit.user_id)} {date_token(last_edit.edited_at)}"))
    if can_edit:
        blocks.append(
            {
                "type": "actions",
                "block_id": "charter",
                "elements": [button("Edit charter", Action.EDIT_CHARTER, value=partnership.channel_id)],
            }
        )
    return f"Charter of {name_text(partnership.name)}", blocks


def governance_text(charter: Charter) -> str:
    meeting = charter.next_appraisal_on.isoformat() if charter.next_appraisal_on else "one cadence after setup"
    digest = "off" if charter.digest_cadence == "off" else charter.digest_cadence.replace("biweekly", "every 2 weeks")
    return (
        f"*Governance*\nCouncil appraisal {charter.appraisal_cadence.replace('_', '-')}, next meeting {meeting} · "
        f"digest {digest} (leads: `/partner appraisal schedule`)"
    )


def charter_modal(partnership: Partnership, charter: Charter) -> dict:
    blocks = [
        text_input(
            "client_decisions",
            f"{partnership.client_org[:60]} (client) may decide alone",
            initial=charter.client_decisions,
            multiline=True,
            optional=True,
            max_length=2500,
        ),
        text_input(
            "vendor_decisions",
            f"{partnership.vendor_org[:60]} (vendor) may decide alone",
            initial=charter.vendor_decisions,
            multiline=True,
            optional=True,
            max_length=2500,
        ),
        text_input(
            "response_targets",
            "Response-time targets",
            initial=charter.response_targets,
            multiline=True,
            optional=True,
            max_length=2500,
            placeholder="e.g. Questions in this channel answered within 4 business hours",
        ),
        text_input(
            "update_rhythm",
            "Update rhythm",
            initial=charter.update_rhythm,
            multiline=True,
            optional=True,
            max_length=2500,
            placeholder="e.g. Weekly update from the vendor on Mondays",
        ),
    ]
    for severity in SEVERITIES:
        for kind in KINDS:
            label = f"{SEVERITY_NAMES[severity]}: {'acknowledge' if kind == 'ack' else 'resolve'} within"
            blocks.append(
                text_input(
                    f"{severity}_{kind}",
                    label,
                    initial=charter.escalation_targets[severity][kind],
                    max_length=8,
                    hint="30m, 8h, 2d (clock time) or 5bd (business days)",
                )
            )
    return modal(
        Form.CHARTER, "Edit charter", blocks, private_metadata=CharterState(channel_id=partnership.channel_id).dump()
    )


def help_blocks(entries: list[tuple[str, str, str]]) -> tuple[str, list[dict]]:
    """entries: (usage, what it does, example)."""
    lines = [f"`{usage}` — {what}\n      e.g. `{example}`" for usage, what, example in entries]
    blocks = [section("*partnerbot commands*")]
    chunk: list[str] = []
    for line in lines:  # several sections: one section holds at most 3000 characters
        if sum(len(item) + 1 for item in chunk) + len(line) > 2800:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    blocks.append(context("People of the other company can use the buttons on the pinned partnership card."))
    return "partnerbot commands", blocks


def member_changed_text(member: Member, what: str, value: str) -> str:
    done = f"now a {value}" if what == "role" else f"now on the {value} side"
    return f"{mention(member.user_id)} is {done} ({member.side} {member.role})."


def charter_edited_text(user_id: str, edit: CharterEdit) -> str:
    changed = ", ".join(name.replace("_", " ") for name in edit.changes)
    return f"{mention(user_id)} edited the charter: {changed}. `/partner charter` shows it."


def setup_failed_text(channel_id: str, reason: str) -> str:
    return (
        f"I couldn't post the partnership card in {channel_link(channel_id)} ({reason}), so nothing "
        "was set up. Invite me with `/invite @partnerbot`, then run `/partner setup` again."
    )


HOLIDAYS_SHOWN = 60  # one plain message stays readable (and far inside Slack's 40,000 characters)


def holiday_list(upcoming) -> str:
    if not upcoming:
        return "No upcoming holidays. A lead can add one: `/partner holiday add 2026-12-25 Christmas`"
    lines = [f"{h.day.strftime('%a %d %b %Y')} — {clip(name_text(h.name), 200) or 'holiday'}" for h in upcoming]
    shown = lines[:HOLIDAYS_SHOWN]
    more = f"\n…and {len(lines) - len(shown)} more: {EVERYTHING}" if len(lines) > len(shown) else ""
    return "*Upcoming holidays*\n" + "\n".join(shown) + more


def calendar_text(partnership: Partnership) -> str:
    return f"Timezone {partnership.timezone} · business days {weekdays_text(partnership.business_days)}"


def status_lines(
    partnership: Partnership, by_side: dict[str, list[Member]], last_edit: CharterEdit | None
) -> list[str]:
    """`/partner status`: each side's people and lead(s), and the charter's last edit."""
    lines = []
    for side, members in by_side.items():
        leads = [mention(m.user_id) for m in partnership_leads(partnership, side)]
        lines.append(
            f"*{side.title()}* {escape(partnership.org_of(side))}: {len(members)} member(s)"
            + (f", led by {', '.join(leads)}" if leads else ", no lead yet")
        )
    lines.append(
        f"Charter last edited {date_token(last_edit.edited_at)} by {mention(last_edit.user_id)}"
        if last_edit
        else "Charter: defaults from setup (`/partner charter` to read or edit)"
    )
    return lines


def away_text(first: date, last: date) -> str:
    return f"You are out of office {first.isoformat()} to {last.isoformat()}: not expected in check-ins and not nudged."


def back_text() -> str:
    return "Welcome back: you are expected in check-ins again."


def holiday_added_text(day: date) -> str:
    return f"{day.isoformat()} is a holiday: no check-ins, and SLA clocks pause."


def holiday_removed_text(day: date) -> str:
    return f"{day.isoformat()} is no longer a holiday."


def governance_channel_refused(error: str | None) -> str:
    """The setup form's inline error when the bot cannot be in the chosen governance channel (plain text)."""
    if error == "is_archived":
        return "That channel is archived: pick another governance channel."
    return (
        "I can't join that channel: it is private (or I can't see it). Invite me there first with "
        f"/invite @partnerbot, or pick a public channel. (Slack said {error}.)"
    )


def governance_unreachable_text(partnership: Partnership, error: str | None) -> str:
    """Told to the leads once when the governance channel stops taking the bot's posts."""
    who = " ".join(mention(m.user_id) for m in partnership_leads(partnership)) or "Leads,"
    return (
        f"{who} I can no longer post in the governance channel {channel_link(partnership.governance_channel_id)} "
        f"(Slack said {error}), so breaches, digests and referrals meant for it are not reaching it. Invite me "
        "there with `/invite @partnerbot`, or pick another governance channel with `/partner setup`."
    )


def team_assigned_text(partnership: Partnership, team_id: str, side: str, members: list[Member]) -> str:
    people = f" ({', '.join(mention(m.user_id) for m in members)})" if members else ""
    return (
        f"Team `{escape(team_id)}`{people} is now on the {side} side "
        f"({escape(partnership.org_of(side))}): its people can take part."
    )


def direct_message_answer() -> str:
    """What a direct message to the bot gets back: partnerbot works in a partnership's shared channel."""
    return (
        "Hi! I'm partnerbot: I keep a client–vendor partnership healthy from its shared Slack channel — check-ins, "
        "feedback both ways, escalations, milestones and kudos.\n"
        "I don't read direct messages: run `/partner help` in the partnership's shared channel to see every "
        "command (or `/partner setup` there to start one). Your check-ins and reminders show on my Home tab."
    )
