"""The fake Slack's wire: how a call over HTTP is read, recorded and answered (scripts, limits, uploads), for
`playground.slack_api.FakeSlack`, which decides what the answer says. Standard library only."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from playground.slack_api import FakeSlack

# Form-encoded clients send these as JSON strings; tests want the objects.
_JSON_FIELDS = ("blocks", "attachments", "view", "files")


@dataclass
class Call:
    method: str  # e.g. "chat.postMessage"; "response_url" for response_url posts
    token: str | None
    args: dict
    path: str
    at: float  # time.monotonic() when received


@dataclass
class Script:
    kind: str  # "fail" | "error" | "delay" | "after_storing" (answer normally, then fail or hang)
    status: int = 200
    retry_after: int | None = None
    body: dict | None = None
    seconds: float = 0.0


class Handler(BaseHTTPRequestHandler):
    fake: "FakeSlack"  # set on a per-server subclass in FakeSlack.start

    def log_message(self, format, *args):  # keep test output clean
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self) -> None:
        received = time.monotonic()
        split = urlsplit(self.path)
        if split.path.startswith("/api/"):
            method = split.path[len("/api/") :]
        elif split.path.startswith("/response/"):
            method = "response_url"
        elif split.path.startswith("/upload/") and self.command == "POST":
            self._upload(split.path[len("/upload/") :], received)
            return
        else:
            self._send(404, {"ok": False, "error": "unknown_path"})
            return
        args, token = self._parse(split.query)
        call = Call(method=method, token=token, args=args, path=split.path, at=received)

        script = self.fake._receive(call)
        if script is not None and script.kind == "delay":
            time.sleep(script.seconds)  # handler threads are independent, so only this request hangs
        elif script is not None and script.kind == "after_storing":
            self.fake._record(call)
            answer = self.fake._answer(method, args)  # Slack did it; only its answer is lost
            if script.seconds:
                time.sleep(script.seconds)
                self.fake._observe(call, 200, answer)
                self._send(200, answer)
            else:
                self.fake._observe(call, script.status, script.body)
                self._send(script.status, script.body)
            return
        elif script is not None:
            headers = {"Retry-After": str(script.retry_after)} if script.retry_after is not None else {}
            self.fake._observe(call, script.status, script.body)  # before answering: the caller moves on after
            self._send(script.status, script.body, headers)
            return

        retry_after = self.fake._limited(method, args) if method != "response_url" else None
        if retry_after is not None:
            body = {"ok": False, "error": "ratelimited"}
            self.fake._observe(call, 429, body)
            self._send(429, body, {"Retry-After": str(retry_after)})
            return

        self.fake._record(call)
        if method == "response_url":
            if self.fake.workspace is not None:
                self.fake.workspace.respond(split.path[len("/response/") :], args)
            self.fake._observe(call, 200, None)
            self._send(200, None)  # Slack answers response_url posts with plain "ok"
        else:
            answer = self.fake._answer(method, args)
            self.fake._observe(call, 200, answer)
            self._send(200, answer)

    def _upload(self, file_id: str, received: float) -> None:
        """The upload_url step: the file's bytes, posted raw (or as a multipart form's one file)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        call = Call(method="file.upload", token=None, args={"file_id": file_id, "length": len(raw)}, path=self.path,
                    at=received)  # fmt: skip
        with self.fake._lock:
            known = file_id in self.fake.upload_names
            if known:
                self.fake.uploads[file_id] = raw
        self.fake._record(call)
        self.fake._observe(call, 200 if known else 404, None)
        if self.fake.workspace is not None and known and hasattr(self.fake.workspace, "keep_upload"):
            self.fake.workspace.keep_upload(file_id, self.fake.upload_names[file_id], raw)
        self._send(200 if known else 404, {"ok": known} if not known else None)

    def _parse(self, query: str) -> tuple[dict, str | None]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        args: dict = dict(parse_qsl(query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").lower()
        if raw and "json" in content_type:
            body = json.loads(raw.decode("utf-8"))
            if isinstance(body, dict):
                args.update(body)
        elif raw:
            args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        for field in _JSON_FIELDS:
            if isinstance(args.get(field), str):
                try:
                    args[field] = json.loads(args[field])
                except ValueError:
                    pass  # not JSON after all; keep what the client sent
        token = args.pop("token", None)
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            token = auth[len("bearer ") :].strip()
        return args, token

    def _send(self, status: int, body: dict | None, headers: dict | None = None) -> None:
        if body is None:
            payload, content_type = b"ok", "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(body).encode("utf-8"), "application/json; charset=utf-8"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-oauth-scopes", ",".join(self.fake.scopes))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out on a scripted delay)
