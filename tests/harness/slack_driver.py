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
    ) -> Response:
        return self._payload(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": team, "username": user.lower()},
                "team": {"id": "T_HOME"},
                "api_app_id": "A_APP",
                "channel": {"id": channel},
                "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                "message": {"ts": message_ts},
                "trigger_id": f"trigger-{next(_ids)}",
                "response_url": self.fake.response_url(),
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
