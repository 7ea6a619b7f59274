"""Reading modal submissions, and one builder for each Block Kit piece the bot sends.

Slack refuses a whole message or view when one text is over its limit, so every limit is applied here,
in the builder, and callers pass text of any length."""

from __future__ import annotations

import re
from typing import Any

from bot.slack.text import without_control

PLAIN_TEXT_LIMIT = 150  # labels, option texts, placeholders, hints
OPTION_VALUE_LIMIT = 150
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MODAL_TITLE_LIMIT = 24  # also a modal's submit and close labels
SECTION_LIMIT = 3000  # section and context mrkdwn
TEXT_INPUT_LIMIT = 3000  # a plain-text input's length, and so its initial value


def state_values(view: dict) -> dict[str, Any]:
    """{block_id: value} from a submitted view, whatever kind of input each block holds."""
    values: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "radio_buttons", "external_select"):
                option = element.get("selected_option")
                values[block_id] = option["value"] if option else None
            elif kind == "checkboxes" or kind == "multi_static_select":
                values[block_id] = [option["value"] for option in element.get("selected_options") or []]
            elif kind == "conversations_select" or kind == "channels_select":
                values[block_id] = element.get("selected_conversation") or element.get("selected_channel")
            elif kind == "users_select":
                values[block_id] = element.get("selected_user")
            elif kind == "multi_users_select":
                values[block_id] = element.get("selected_users") or []
            elif kind == "timepicker":
                values[block_id] = element.get("selected_time")
            elif kind == "datepicker":
                values[block_id] = element.get("selected_date")
            else:  # text, as typed but for control characters (PostgreSQL refuses NUL in text)
                value = element.get("value")
                values[block_id] = without_control(value) if isinstance(value, str) else value
    return values


def plain(text: str, limit: int = PLAIN_TEXT_LIMIT) -> dict:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def section(text: str, *, accessory: dict | None = None) -> dict:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}]}


def button(label: str, action_id: str, value: str = "", style: str | None = None) -> dict:
    element = {
        "type": "button",
        "text": plain(label, BUTTON_LABEL_LIMIT),
        "action_id": action_id,
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style:
        element["style"] = style
    return element


def option(label: str, value: str) -> dict:
    return {"text": plain(label), "value": value[:OPTION_VALUE_LIMIT]}


# -- inputs: every element answers under action_id "value", which state_values reads ----------------


def input_block(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    max_length: int = TEXT_INPUT_LIMIT,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict:
    max_length = min(max_length, TEXT_INPUT_LIMIT)
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def _initial_option(options: list[dict], initial: str | None) -> dict:
    chosen = [o for o in options if o["value"] == initial]
    return {"initial_option": chosen[0]} if chosen else {}


def static_select(
    block_id: str, label: str, options: list[dict], *, initial: str | None = None, optional: bool = False
) -> dict:
    element = {"type": "static_select", "options": options, **_initial_option(options, initial)}
    return input_block(block_id, label, element, optional=optional)


def radio_buttons(
    block_id: str, label: str, options: list[dict], *, initial: str | None = None, optional: bool = False
) -> dict:
    element = {"type": "radio_buttons", "options": options, **_initial_option(options, initial)}
    return input_block(block_id, label, element, optional=optional)


def checkboxes(
    block_id: str, label: str, options: list[dict], *, initial: list[str] = (), optional: bool = False
) -> dict:
    element: dict[str, Any] = {"type": "checkboxes", "options": options}
    chosen = [o for o in options if o["value"] in initial]
    if chosen:
        element["initial_options"] = chosen
    return input_block(block_id, label, element, optional=optional)


def users_select(block_id: str, label: str, *, optional: bool = False) -> dict:
    return input_block(block_id, label, {"type": "users_select"}, optional=optional)


def multi_users_select(block_id: str, label: str, *, optional: bool = False) -> dict:
    return input_block(block_id, label, {"type": "multi_users_select"}, optional=optional)


def conversations_select(
    block_id: str, label: str, *, initial: str | None = None, optional: bool = False, hint: str | None = None
) -> dict:
    element: dict[str, Any] = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if initial:
        element["initial_conversation"] = initial
    return input_block(block_id, label, element, optional=optional, hint=hint)


def datepicker(block_id: str, label: str, *, optional: bool = False, initial: str | None = None) -> dict:
    element = {"type": "datepicker", **({"initial_date": initial} if initial else {})}
    return input_block(block_id, label, element, optional=optional)


def timepicker(block_id: str, label: str, *, initial: str | None = None) -> dict:
    element = {"type": "timepicker", **({"initial_time": initial} if initial else {})}
    return input_block(block_id, label, element)


def modal(
    callback_id: str, title: str, blocks: list[dict], *, submit: str = "Save", private_metadata: str = ""
) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "submit": plain(submit, MODAL_TITLE_LIMIT),
        "close": plain("Cancel", MODAL_TITLE_LIMIT),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


# What must stay whole when text is shortened: a mention, channel or link (`<@U1>`, `<#C1|x>`, `<https://…|label>`,
# `<!date^…>`) and an entity (`&amp;`); cut in half, Slack would show markup or refuse the block.
_WHOLE = re.compile(r"<[^<>\n]*>|&(?:amp|lt|gt);")


def clip(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters with "…", never cutting a mention, link or entity in half."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    for whole in _WHOLE.finditer(text, max(0, cut - SECTION_LIMIT)):
        if whole.start() >= cut:
            break
        if whole.end() > cut:
            cut = whole.start()
            break
    return text[:cut] + "…"


def listing(lines: list[str], *, rest: str, room: int = 40) -> list[dict]:
    """Lines in as few sections as hold them (each within Slack's 3000 characters), at most `room` sections;
    the lines that do not fit are counted in a last context block that says how to see them (`rest`)."""
    sections: list[list[str]] = []
    size = 0
    shown = 0
    for line in lines:
        line = clip(line, SECTION_LIMIT)
        if sections and size + 1 + len(line) <= SECTION_LIMIT:
            sections[-1].append(line)
            size += 1 + len(line)
        elif len(sections) < room:
            sections.append([line])
            size = len(line)
        else:
            break
        shown += 1
    blocks = [section("\n".join(chunk)) for chunk in sections]
    if shown < len(lines):
        blocks.append(context(f"…and {len(lines) - shown} more: {rest}"))
    return blocks
