"""Requests to the bot's /slack/events, signed with the playground's signing secret as Slack signs them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from slack_sdk.signature import SignatureVerifier

from playground.inspector import Inspector


@dataclass
class Ack:
    status: int
    body: str

    @property
    def json(self) -> dict:
        try:
            found = json.loads(self.body) if self.body else {}
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}


class BotLink:
    def __init__(self, events_url: str, signing_secret: str, inspector: Inspector):
        self.url = events_url
        self.signer = SignatureVerifier(signing_secret)
        self.inspector = inspector

    def command(self, fields: dict) -> Ack:
        return self._post(
            fields["command"], fields, urllib.parse.urlencode(fields), "application/x-www-form-urlencoded"
        )

    def interaction(self, payload: dict) -> Ack:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self._post(payload["type"], payload, body, "application/x-www-form-urlencoded")

    def event(self, envelope: dict) -> Ack:
        kind = envelope["event"].get("subtype") or envelope["event"]["type"]
        return self._post(f"event {kind}", envelope, json.dumps(envelope), "application/json")

    def _post(self, kind: str, shown: dict, body: str, content_type: str) -> Ack:
        timestamp = str(int(time.time()))  # signatures use real time: the bot refuses stale requests
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": self.signer.generate_signature(timestamp=timestamp, body=body),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                ack = Ack(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            ack = Ack(error.code, error.read().decode())
        except (urllib.error.URLError, TimeoutError) as error:
            ack = Ack(0, f"no answer: {error}")
        self.inspector.bot_request(kind, shown, ack.status, ack.body, time.perf_counter() - started)
        return ack
