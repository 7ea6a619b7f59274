"""Sends what Slack sends: signed slash commands, button clicks, modal submissions and events."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from slack_sdk.signature import SignatureVerifier

_ids = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    seconds: float

    @property
    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """The ephemeral text an ack carried (slash commands answer in the HTTP response)."""
        return self.json.get("text", "")

    @property
    def shown(self) -> str:
        """What the person reads in the ephemeral answer (see `shown`)."""
        return shown(self.json)


# Modal input values as Slack puts them in view.state.values.
def text(value: str) -> dict:
    return {"type": "plain_text_input", "value": value}


def radio(value: str) -> dict:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def checks(values: list[str]) -> dict:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


def conversation(channel_id: str | None) -> dict:
    return {"type": "conversations_select", "selected_conversation": channel_id}


class SlackDriver:
    def __init__(self, app_url: str, signing_secret: str, fake):
        self.url = app_url + "/slack/events"
        self.signer = SignatureVerifier(signing_secret)
        self.fake = fake

    # -- raw, for signature tests -------------------------------------------------------------
    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict | None = None,
    ) -> Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        if signature is None:
            signature = self.signer.generate_signature(timestamp=str(timestamp), body=body)
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": signature,
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return Response(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), time.perf_counter() - started)

    def _form(self, fields: dict, **kwargs) -> Response:
        return self.post(urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def _payload(self, payload: dict) -> Response:
        return self._form({"payload": json.dumps(payload)})

    # -- what people do ------------------------------------------------------------------------
    def command(
        self,
        text: str = "",
        *,
        user: str = "ULEAD",
        team: str = "T_HOME",
        channel: str = "C_PARTNER",
        command: str = "/partner",
        **kwargs,
    ) -> Response:
        return self._form(
            {
                "token": "unused",
                "team_id": team,
                "team_domain": "home",
                "channel_id": channel,
                "channel_name": "partner",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A_APP",
                "response_url": self.fake.response_url(),
                "trigger_id": f"trigger-{next(_ids)}",
            },
            **kwargs,
        )

    def click(
        self,
        action_id: str,
        *,
        value: str = "",
        user: str = "ULEAD",
        team: str = "T_HOME",
        channel: str = "C_PARTNER",
        message_ts: str = "1700000000.000100",
        block_id: str = "block",
        inside: dict | None = None,
    ) -> Response:
        """A button pressed in a message, or `inside` a view (a modal or a Home tab) as Slack sends that: the view
        with its id and type, a view container, and neither channel, message nor response_url."""
        where: dict = {
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "message": {"ts": message_ts},
            "response_url": self.fake.response_url(),
        }
        if inside is not None:
            view = {"id": f"V{next(_ids)}", "type": "modal", **inside}
            where = {"container": {"type": "view", "view_id": view["id"]}, "view": view}
        return self._payload(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": team, "username": user.lower()},
                "team": {"id": "T_HOME"},
                "api_app_id": "A_APP",
                **where,
                "trigger_id": f"trigger-{next(_ids)}",
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": block_id,
                        "value": value,
                        "action_ts": str(time.time()),
                    }
                ],
            }
        )

    def submit(
        self,
        callback_id: str,
        values: dict[str, dict],
        *,
        private_metadata: str = "",
        user: str = "ULEAD",
        team: str = "T_HOME",
    ) -> Response:
        """values: {block_id: element state} built with text()/radio()/checks()/conversation()."""
        return self._payload(
            {
                "type": "view_submission",
                "user": {"id": user, "team_id": team},
                "team": {"id": "T_HOME"},
                "api_app_id": "A_APP",
                "trigger_id": f"trigger-{next(_ids)}",
                "view": {
                    "id": f"V{next(_ids)}",
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": {block: {"value": state} for block, state in values.items()}},
                },
            }
        )

    def submit_view(self, view: dict, values: dict, *, user: str = "ULEAD", team: str = "T_HOME") -> Response:
        """Submit `view` as Slack would, with `values` by field (block id): plain values are put in the shape
        of each field's element (a select's option, a date picker's date...); element states pass through."""
        return self.submit(
            view["callback_id"],
            fill(view, values),
            private_metadata=view.get("private_metadata", ""),
            user=user,
            team=team,
        )

    def next_modal(self, timeout: float = 5.0) -> dict:
        """The next modal the app opens, in order (see FakeSlack.next)."""
        return self.fake.next("views.open", timeout)["view"]

    def submit_last(self, values: dict, *, user: str = "ULEAD", team: str = "T_HOME") -> Response:
        """Submit the modal the app opened (or pushed, or updated) most recently."""
        opened = [c for m in ("views.open", "views.push", "views.update") for c in self.fake.calls_to(m)]
        if not opened:
            raise AssertionError("the app has not opened a modal")
        return self.submit_view(max(opened, key=lambda c: c.at).args["view"], values, user=user, team=team)

    def event(
        self, event: dict, *, event_id: str | None = None, team: str = "T_HOME", retry_num: int | None = None
    ) -> Response:
        body = json.dumps(
            {
                "token": "unused",
                "team_id": team,
                "api_app_id": "A_APP",
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(_ids):08d}",
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": "T_HOME", "user_id": "UBOT", "is_bot": True}],
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else None
        return self.post(body, "application/json", headers=headers)


def select(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def timepicker(value: str) -> dict:
    return {"type": "timepicker", "selected_time": value}


def users(user_ids: list[str]) -> dict:
    return {"type": "multi_users_select", "selected_users": user_ids}


_STATE_OF = {
    "plain_text_input": lambda v: {"type": "plain_text_input", "value": v},
    "number_input": lambda v: {"type": "number_input", "value": v},
    "static_select": lambda v: {"type": "static_select", "selected_option": {"value": v} if v else None},
    "radio_buttons": lambda v: {"type": "radio_buttons", "selected_option": {"value": v} if v else None},
    "checkboxes": lambda v: {"type": "checkboxes", "selected_options": [{"value": x} for x in v]},
    "multi_static_select": lambda v: {"type": "multi_static_select", "selected_options": [{"value": x} for x in v]},
    "users_select": lambda v: {"type": "users_select", "selected_user": v},
    "multi_users_select": lambda v: {"type": "multi_users_select", "selected_users": list(v)},
    "conversations_select": lambda v: {"type": "conversations_select", "selected_conversation": v},
    "channels_select": lambda v: {"type": "channels_select", "selected_channel": v},
    "datepicker": lambda v: {"type": "datepicker", "selected_date": v},
    "timepicker": lambda v: {"type": "timepicker", "selected_time": v},
}


def fill(view: dict, values: dict) -> dict[str, dict]:
    """{field: value} -> {field: element state} using each input block's element type in `view`.

    A field the view does not have is an error in the test, not something to send."""
    kinds = {b["block_id"]: b["element"]["type"] for b in view.get("blocks", []) if b.get("type") == "input"}
    states = {}
    for field, value in values.items():
        if field not in kinds:
            raise KeyError(f"the form {view.get('callback_id')!r} has no field {field!r}; it has {sorted(kinds)}")
        states[field] = value if isinstance(value, dict) else _STATE_OF[kinds[field]](value)
    return states


def texts(blocks: list[dict]) -> list[str]:
    """Every text a person reads in `blocks`, in order: headers, sections (and their fields), contexts."""
    found = []
    for block in blocks or []:
        if block.get("text"):
            found.append(block["text"]["text"])
        found.extend(f["text"] for f in block.get("fields") or [])
        if block.get("type") == "context":
            found.extend(e.get("text", "") for e in block.get("elements", []))
    return found


def shown(message: dict) -> str:
    """What a person reads in a message: the texts of its blocks one per line, or its text without blocks."""
    return "\n".join(texts(message.get("blocks"))) if message.get("blocks") else message.get("text", "")
