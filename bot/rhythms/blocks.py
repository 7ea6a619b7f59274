"""Block Kit for rhythms and check-ins: data in, JSON-able dicts out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.partnerships.models import Member, Partnership
from bot.rhythms.answers import CheckinSummary
from bot.rhythms.ids import Action, AnswerState, Form, RhythmState
from bot.rhythms.models import DEFAULT_QUESTIONS, Blocker, Checkin, Rhythm
from bot.slack.forms import (
    button,
    checkboxes,
    clip,
    context,
    listing,
    modal,
    multi_users_select,
    option,
    radio_buttons,
    section,
    static_select,
    text_input,
    timepicker,
)
from bot.slack.text import (
    EVERYTHING,
    WEEKDAYS,
    channel_link,
    date_token,
    duration_text,
    escape,
    mention,
    name_text,
    weekdays_text,
)

CADENCE_LABELS = {
    "business_days": "Every business day",
    "weekly": "Weekly on the chosen weekdays",
    "biweekly": "Every 2 weeks on the chosen weekdays",
    "monthly_day": "Monthly on day N",
    "monthly_first_business_day": "Monthly on the first business day",
    "monthly_last_business_day": "Monthly on the last business day",
}
AUDIENCE_LABELS = {
    "vendor": "The vendor side",
    "client": "The client side",
    "both": "Both sides",
    "people": "Named people",
}


def describe_cadence(rhythm: Rhythm) -> str:
    at = f"at {rhythm.local_time:%H:%M}"
    match rhythm.cadence:
        case "business_days":
            return f"every business day {at}"
        case "weekly":
            return f"weekly on {weekdays_text(rhythm.weekdays)} {at}"
        case "biweekly":
            return f"every 2 weeks on {weekdays_text(rhythm.weekdays)} {at}"
        case "monthly_day":
            return f"monthly on day {rhythm.day_of_month} {at}"
        case "monthly_first_business_day":
            return f"monthly on the first business day {at}"
        case _:
            return f"monthly on the last business day {at}"


def local_time_text(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M ") + tz


def rhythm_modal(channel_id: str) -> dict:
    cadence_options = [option(label, value) for value, label in CADENCE_LABELS.items()]
    audience_options = [option(label, value) for value, label in AUDIENCE_LABELS.items()]
    day_options = [option(name, str(index + 1)) for index, name in enumerate(WEEKDAYS)]
    blocks = [
        text_input("name", "Name", max_length=80, placeholder="e.g. Weekly vendor update"),
        static_select("cadence", "How often", cadence_options, initial="weekly"),
        checkboxes("weekdays", "Weekdays (weekly and every 2 weeks)", day_options, optional=True),
        text_input(
            "day_of_month",
            "Day of the month (monthly on day N)",
            optional=True,
            max_length=2,
            hint="1-31; in shorter months the last day is used",
        ),
        timepicker("local_time", "Local time (partnership timezone)", initial="09:00"),
        radio_buttons("audience", "Who is asked", audience_options, initial=next(iter(AUDIENCE_LABELS))),
        multi_users_select("people", "Named people (when 'Named people')", optional=True),
        text_input(
            "questions",
            "Questions, one per line",
            initial="\n".join(DEFAULT_QUESTIONS),
            multiline=True,
            max_length=3000,
        ),
        text_input(
            "window_hours",
            "Response window (hours)",
            initial="24",
            max_length=5,
            hint="Answers after the window count as late",
        ),
        text_input(
            "nudge_after_hours",
            "Nudge those missing after (hours)",
            initial="20",
            optional=True,
            max_length=5,
            hint="Leave empty for no nudge",
        ),
    ]
    return modal(
        Form.ADD_RHYTHM, "New rhythm", blocks, submit="Add", private_metadata=RhythmState(channel_id=channel_id).dump()
    )


def rhythm_list(partnership: Partnership, rhythms: list[Rhythm]) -> tuple[str, list[dict]]:
    if not rhythms:
        return "No rhythms yet", [section("No rhythms yet. A lead can add one with `/partner rhythm add`.")]
    lines = []
    for rhythm in rhythms:
        state = (
            "paused"
            if rhythm.paused
            else f"next {local_time_text(rhythm.next_run_at, partnership.timezone)}"
            if rhythm.next_run_at
            else "no upcoming date"
        )
        lines.append(
            f"*{rhythm.number}. {name_text(rhythm.name)}* — {describe_cadence(rhythm)}, asks "
            f"{AUDIENCE_LABELS[rhythm.audience].lower()}; {state}"
        )
    return "Rhythms", [
        *listing(lines, rest=EVERYTHING),
        context("`/partner rhythm pause N` · `resume N` · `remove N` · `run N` (leads)"),
    ]


def checkin_message(
    partnership: Partnership, rhythm: Rhythm, checkin: Checkin, expected: list[Member]
) -> tuple[str, list[dict]]:
    asked = " ".join(mention(m.user_id) for m in expected) or "_nobody is expected (everyone is away)_"
    questions = "\n".join(f"{index}. {escape(q)}" for index, q in enumerate(rhythm.questions, 1))
    blocks = [
        section(f"*{name_text(rhythm.name)}* — check-in\n{asked}"),
        section(questions),
        {
            "type": "actions",
            "block_id": "checkin",
            "elements": [button("Post update", Action.ANSWER, value=str(checkin.id), style="primary")],
        },
        context(
            f"Answer in this thread or with the button. Window closes {date_token(checkin.closes_at)}. "
            "Start a reply with `blocker:` to flag a blocker."
        ),
    ]
    return f"{name_text(rhythm.name)}: check-in", blocks


def answer_modal(rhythm: Rhythm, checkin: Checkin) -> dict:
    blocks = [
        text_input(f"q{index}", question, multiline=True, optional=True, max_length=2900)
        for index, question in enumerate(rhythm.questions)
    ]
    return modal(
        Form.ANSWER, "Post update", blocks, submit="Post", private_metadata=AnswerState(checkin_id=checkin.id).dump()
    )


def modal_answer_post(user_id: str, text: str) -> str:
    return f"Update from {mention(user_id)}:\n{escape(text)}"


def nudge_dm(partnership: Partnership, rhythm: Rhythm, checkin: Checkin) -> tuple[str, list[dict]]:
    text = (
        f"Reminder: *{name_text(rhythm.name)}* in {channel_link(partnership.channel_id)} is waiting for your "
        f"update. The window closes {date_token(checkin.closes_at)}."
    )
    return text, [
        section(text),
        {
            "type": "actions",
            "block_id": "nudge",
            "elements": [button("Post update", Action.ANSWER, value=str(checkin.id), style="primary")],
        },
    ]


def nudge_thread(user_ids: list[str], checkin: Checkin) -> str:
    return (
        f"{' '.join(mention(u) for u in user_ids)} — a reminder: your update is still missing. "
        f"Reply here or use *Post update* above; the window closes {date_token(checkin.closes_at)}."
    )


def summary_message(rhythm: Rhythm, summary: CheckinSummary) -> tuple[str, list[dict]]:
    def people(users: list[str]) -> str:
        return ", ".join(mention(u) for u in users) if users else "nobody"

    lines = [
        f"*{name_text(rhythm.name)}* — summary: {summary.answered_count} of {summary.expected_count} answered",
        f":white_check_mark: On time ({len(summary.on_time)}): {people(summary.on_time)}",
        f":hourglass: Late ({len(summary.late)}): {people(summary.late)}",
        f":x: Missing ({len(summary.missing)}): {people(summary.missing)}",
    ]
    if summary.away:
        lines.append(f":palm_tree: Out of office: {people(summary.away)}")
    if summary.others:
        lines.append(f"Also answered: {people(summary.others)}")
    lines.append(f"Median response time: {duration_text(summary.median_seconds)}")
    return lines[0].replace("*", ""), [section("\n".join(lines))]


BLOCKERS_SHOWN = 10  # the status message stays well inside Slack's 50 blocks


def blocker_blocks(shown: list[Blocker], total: int) -> list[dict]:
    """The first open blockers with a Clear button each, and how many more there are."""
    blocks = []
    for blocker in shown[:BLOCKERS_SHOWN]:
        blocks.append(
            section(  # the person's text gives way first, so who raised it and when stay visible
                f":construction: {clip(escape(blocker.text), 2500)} — "
                f"{mention(blocker.user_id)} {date_token(blocker.raised_at)}",
                accessory=button("Clear", Action.CLEAR_BLOCKER, value=str(blocker.id)),
            )
        )
    if total > len(shown[:BLOCKERS_SHOWN]):
        blocks.append(context(f"…and {total - len(shown[:BLOCKERS_SHOWN])} more open blockers"))
    return blocks


def rhythm_added_text(user_id: str, rhythm: Rhythm, timezone: str) -> str:
    next_run = local_time_text(rhythm.next_run_at, timezone) if rhythm.next_run_at else "none"
    return (
        f"{mention(user_id)} added rhythm {rhythm.number}, *{name_text(rhythm.name)}*: "
        f"{describe_cadence(rhythm)} ({timezone}). Next: {next_run}."
    )


def rhythm_changed_text(rhythm: Rhythm, what: str, timezone: str) -> str:
    done = {"pause": "paused", "resume": "resumed", "remove": "removed", "run": "is being sent now"}[what]
    text = f"Rhythm {rhythm.number} ({name_text(rhythm.name)}) {done}."
    if what == "resume" and rhythm.next_run_at:
        text += f" Next: {local_time_text(rhythm.next_run_at, timezone)}."
    return text


def blocker_cleared_text(blocker) -> str:
    return f"Cleared the blocker: {escape(blocker.text)}"


def status_lines(upcoming: Rhythm | None, last: Checkin | None, summary: CheckinSummary | None) -> list[str]:
    """`/partner status`: the next check-in, and how the last closed one went."""
    lines = [
        f"Next check-in: *{name_text(upcoming.name)}* {date_token(upcoming.next_run_at)}"
        if upcoming
        else "Next check-in: none scheduled (`/partner rhythm add`)"
    ]
    if last is not None and summary is not None:
        answered, expected = summary.answered_count, summary.expected_count
        rate = f"{round(100 * answered / expected)}%" if expected else "—"
        lines.append(
            f"Last check-in ({name_text(last.rhythm.name)}): {answered} of {expected} answered "
            f"({rate}), {len(summary.on_time)} on time; median response {duration_text(summary.median_seconds)}"
        )
    return lines


NO_CHECKIN_YET = "There is no check-in to answer yet."


def rhythm_not_added_text(reason: str) -> str:
    return f":warning: The rhythm was not added: {reason}"
