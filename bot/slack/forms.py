"""Reading modal submissions and building the pieces every Block Kit message repeats."""

from __future__ import annotations

from typing import Any

SECTION_LIMIT = 3000
BUTTON_LABEL_LIMIT = 75


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
            else:
                values[block_id] = element.get("value")
    return values


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}]}


def button(label: str, action_id: str, value: str = "", style: str | None = None) -> dict:
    element = {"type": "button", "text": plain(label[:BUTTON_LABEL_LIMIT]), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain(placeholder)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def option(label: str, value: str) -> dict:
    return {"text": plain(label), "value": value}


def modal(
    callback_id: str, title: str, blocks: list[dict], *, submit: str = "Save", private_metadata: str = ""
) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title[:24]),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
