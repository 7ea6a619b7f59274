"""What Slack posts to POST /slack/events, checked for shape before Bolt reads it: Bolt assumes a JSON
object of a known kind and fails with a 500 on anything else (a payload that is not JSON, a list, an
interaction without a user). Such a body is answered 400 and never reaches a listener."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context

# The kinds of request partnerbot is registered for (Events API, interactivity, Slack's URL check).
INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed"})
KINDS = INTERACTIONS | {"event_callback", "url_verification", "app_rate_limited"}


def _is_object_with(value, key: str, kind: type) -> bool:
    return isinstance(value, dict) and isinstance(value.get(key), kind) and bool(value.get(key))


def parse(raw: str, content_type: str | None):
    """A request body as Slack meant it. Bolt's own parser takes any form body with the word "payload" anywhere
    in it (a slash command's text: `/partner holiday add … payload freeze`) for an interaction, and reads nothing;
    here a form is read by its fields, and only a `payload` field is an interaction."""
    if content_type == "application/json" or raw.startswith("{"):
        return json.loads(raw)
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    return json.loads(fields["payload"]) if "payload" in fields else fields


def bolt_request(raw: str, headers, query=None) -> BoltRequest:
    """Bolt's request for `raw`, its body and context read by `parse` (the raw body is kept for the signature)."""
    request = BoltRequest(body=raw, query=query, headers=headers)
    body = parse(raw, request.content_type)
    if body != request.body:
        request.body, request.context = body, build_context(BoltContext({}), body)
    return request


def malformed(body: bytes, content_type: str | None) -> str | None:
    """Why `body` is not a request Slack would send us, or None when it has the shape Bolt expects."""
    try:
        parsed = parse(body.decode("utf-8"), (content_type or "").split(";")[0] or None)
    except ValueError:  # not UTF-8, or its JSON (the body or its `payload` field) does not parse
        return "the body is not JSON"
    if not isinstance(parsed, dict):
        return "the body is not a JSON object"
    if "command" in parsed or "ssl_check" in parsed:  # a slash command or Slack's SSL check: a plain form
        return None
    kind = parsed.get("type")
    if not isinstance(kind, str) or kind not in KINDS:
        return "the body has no type partnerbot knows"
    if kind in INTERACTIONS and not _is_object_with(parsed.get("user"), "id", str):
        return "the interaction names no user"
    if kind in ("view_submission", "view_closed"):
        view = parsed.get("view")
        if not (_is_object_with(view, "callback_id", str) and _is_object_with(view, "type", str)):
            return "the submission has no view"
        if not isinstance(view.get("state", {}), dict) or not isinstance(view.get("state", {}).get("values", {}), dict):
            return "the submission's state is not an object"
        if not isinstance(view.get("private_metadata", ""), str):
            return "the view's private_metadata is not text"
    if kind == "block_actions":
        actions = parsed.get("actions")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(_is_object_with(a, "action_id", str) for a in actions)
        ):
            return "the interaction has no action"
    if kind == "event_callback" and not _is_object_with(parsed.get("event"), "type", str):
        return "the event has no type"
    return None
