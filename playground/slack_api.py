"""A stand-in for Slack's Web API served over real HTTP: the tests' fake and the playground's Slack.

The bot points its slack_sdk WebClient at ``FakeSlack.api_url``; every request is recorded and
individual methods can be scripted to fail, return a Slack error, or hang (the tests use that).
Given a ``workspace`` (the playground's state, see ``playground.workspace``), the answers come from
it and what the bot posts is kept there; without one the answers are the minimal ones tests need.
Observers see every exchange (the playground's inspector). Standard library only, so the test
harness does not depend on what it is testing.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import ThreadingHTTPServer
from typing import Callable, Protocol

from playground.slack_limits import Limits
from playground.slack_wire import Call, Handler, Script


class Workspace(Protocol):
    """A stateful Slack: answers a Web API method (None: the default answer will do) and response_url posts."""

    def answer(self, method: str, args: dict) -> dict | None: ...

    def respond(self, response_id: str, args: dict) -> None: ...


# Told of every exchange: the call, the HTTP status and body answered, and the seconds it took.
Observer = Callable[[Call, int, "dict | None", float], None]


class FakeSlack:
    def __init__(
        self,
        bot_user_id="UBOT",
        bot_id="BBOT",
        team_id="T_HOME",
        scopes=("chat:write",),
        workspace: Workspace | None = None,
        record: bool = True,
    ):
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.scopes = tuple(scopes)
        self.calls: list[Call] = []
        self.attempts: list[Call] = []
        self.users: dict[str, dict] = {}
        self.channel_members: dict[str, list[str]] = {}  # conversations.members answers from this
        # Channels the fake knows as Slack does (public or private, archived, whether the bot is in): joins,
        # infos and posts there are answered as Slack would. Channels not listed here accept everything.
        self.channels: dict[str, dict] = {}
        # Slack's external upload flow: files.getUploadURLExternal hands out an upload_url (served here);
        # the bytes posted there wait under their file id until files.completeUploadExternal shares them.
        self.uploads: dict[str, bytes] = {}
        self.upload_names: dict[str, str] = {}
        self.members_page_size = 100
        self._scripts: dict[str, deque[Script]] = {}
        self._taken: dict[str, int] = {}  # calls each method's `next` has handed out
        # What the bot posted, per channel (a DM under its D... id), for conversations.history/replies.
        self.messages: dict[str, list[dict]] = {}
        self.limits = Limits()
        self.workspace = workspace
        self.record = record  # False: keep no call list (observers still see every exchange)
        self.observers: list[Observer] = []
        self._lock = threading.Lock()
        self._counter = 0  # shared source for ts, view ids and response_url ids
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.api_url = ""

    # -- lifecycle -------------------------------------------------------
    def start(self, port: int = 0) -> "FakeSlack":
        handler = type("Handler", (Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True  # a hung (delayed) request must not block shutdown
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self.api_url = f"{self.url}/api/"
        # a short poll interval keeps stop() (and so every test teardown) fast
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- inspection ------------------------------------------------------
    def response_url(self) -> str:
        return f"{self.url}/response/{self._next()}"

    def upload_url(self, file_id: str) -> str:
        return f"{self.url}/upload/{file_id}"

    def uploaded(self, file_id: str) -> bytes | None:
        with self._lock:
            return self.uploads.get(file_id)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                with self._lock:
                    seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"wanted {count} call(s) to {method} within {timeout}s, got {len(found)}; methods seen: {seen}"
                )
            time.sleep(0.01)

    def next(self, method: str, timeout: float = 5.0) -> dict:
        """The arguments of the next call to `method` that no earlier `next` returned (waiting for it),
        so a test reads the app's calls in order instead of indexing lists."""
        taken = self._taken.get(method, 0)
        call = self.wait_for(method, taken + 1, timeout)[taken]
        self._taken[method] = taken + 1
        return call.args

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.attempts.clear()
            self._scripts.clear()
            self._taken.clear()

    # -- scripting -------------------------------------------------------
    def add_user(
        self, user_id: str, team_id: str, name: str | None = None, is_bot: bool = False, tz: str = "UTC", **extra
    ) -> None:
        """A user as users.info describes them; `extra` adds Slack's other fields (is_app_user, deleted,
        enterprise_user...)."""
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "team_id": team_id,
                "name": name or user_id,
                "real_name": name or user_id,
                "is_bot": is_bot,
                "tz": tz,
                **extra,
            }

    def add_channel(
        self, channel_id: str, *, private: bool = False, archived: bool = False, bot_in: bool = True
    ) -> None:
        with self._lock:
            self.channels[channel_id] = {"private": private, "archived": archived, "bot_in": bot_in}

    def archive(self, channel_id: str) -> None:
        with self._lock:
            self.channels.setdefault(channel_id, {"private": False, "bot_in": True})["archived"] = True

    def remove_bot(self, channel_id: str) -> None:
        """The bot is kicked out of (or was never in) a channel the fake knows."""
        with self._lock:
            self.channels.setdefault(channel_id, {"private": False, "archived": False})["bot_in"] = False

    def fail(
        self, method: str, status: int, times: int = 1, retry_after: int | None = None, body: dict | None = None
    ) -> None:
        if body is None:
            body = {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
        self._script(method, times, Script("fail", status=status, retry_after=retry_after, body=body))

    def error(self, method: str, error: str, times: int = 1) -> None:
        self._script(method, times, Script("error", body={"ok": False, "error": error}))

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        self._script(method, times, Script("delay", seconds=seconds))

    def fail_after_storing(self, method: str, status: int = 500, times: int = 1) -> None:
        """Do what was asked (a post is stored) and then answer `status` as if it had failed."""
        body = {"ok": False, "error": "fatal_error"}
        self._script(method, times, Script("after_storing", status=status, body=body))

    def hang_after_storing(self, method: str, seconds: float, times: int = 1) -> None:
        """Do what was asked (a post is stored), then keep the caller waiting `seconds` before answering."""
        self._script(method, times, Script("after_storing", seconds=seconds))

    def limit_per_channel(self, burst: float, per_second: float) -> None:
        """Answer 429 (with Retry-After) to posts beyond `burst`, then `per_second`, in any one channel."""
        with self._lock:
            self.limits.per_channel(burst, per_second)

    def limit_method(self, method: str, burst: float, per_second: float) -> None:
        """A workspace-wide limit on one method (Slack's method tiers): 429 with Retry-After beyond it."""
        with self._lock:
            self.limits.per_method(method, burst, per_second)

    def random_429s(self, method: str, fraction: float, retry_after: int = 1, seed: int = 0) -> None:
        """Refuse a random `fraction` of calls to `method` with 429, as Slack does now and then."""
        with self._lock:
            self.limits.at_random(method, fraction, retry_after, seed)

    @property
    def rate_limited(self) -> int:
        """429s answered because a limit was exceeded (not scripted or random ones)."""
        return self.limits.rate_limited

    @property
    def refusals(self):
        """Those 429s and the random ones, by cause (the bench's --trace)."""
        return self.limits.refusals

    def history(self, channel: str) -> list[dict]:
        with self._lock:
            return [dict(m) for m in self.messages.get(channel, [])]

    def _limited(self, method: str, args: dict) -> int | None:
        """The Retry-After of a 429 this call earns, or None when it may go through."""
        with self._lock:
            return self.limits.retry_after(method, args)

    def _store(self, method: str, args: dict, answer: dict) -> None:
        """Keep what the bot posted, with its metadata, so history can be read back like Slack's."""
        if method != "chat.postMessage" or not answer.get("ok"):
            return
        message = {
            "type": "message",
            "ts": answer.get("ts"),
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "bot_id": self.bot_id,
            "user": self.bot_user_id,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        with self._lock:
            self.messages.setdefault(str(answer.get("channel")), []).append(message)

    def _read(self, method: str, args: dict) -> dict:
        """conversations.history (top-level messages) and .replies (a thread), newest first like Slack's."""
        with self._lock:
            stored = list(self.messages.get(str(args.get("channel")), []))
        if method == "conversations.history":
            found = [m for m in stored if m.get("thread_ts") in (None, m["ts"])]
            found.reverse()
        else:
            parent = str(args.get("ts"))
            found = [m for m in stored if m["ts"] == parent or m.get("thread_ts") == parent]
        found = found[: int(args.get("limit") or 100)]
        if str(args.get("include_all_metadata")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _script(self, method: str, times: int, script: Script) -> None:
        with self._lock:
            self._scripts.setdefault(method, deque()).extend([script] * times)

    # -- internals used by the handler -------------------------------------
    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _ts(self) -> str:
        micros = 1_700_000_000_000_000 + self._next() * 100  # unique and increasing, like Slack's
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _receive(self, call: Call) -> Script | None:
        """Record the attempt and pop the next scripted behaviour, if any."""
        with self._lock:
            if self.record:
                self.attempts.append(call)
            pending = self._scripts.get(call.method)
            return pending.popleft() if pending else None

    def _record(self, call: Call) -> None:
        if not self.record:
            return
        with self._lock:
            self.calls.append(call)

    def _observe(self, call: Call, status: int, body: dict | None) -> None:
        for observer in list(self.observers):
            observer(call, status, body, time.monotonic() - call.at)

    def _answer(self, method: str, args: dict) -> dict:
        answer = self._answer_only(method, args)
        self._store(method, args, answer)
        return answer

    def _channel_answer(self, method: str, channel) -> dict | None:
        """Slack's answers for a channel the fake knows (None: answer as usual). A private channel the bot is
        not in does not exist for it; a public one it may join (`channels:join`) but not post in."""
        with self._lock:
            known = dict(self.channels[channel]) if isinstance(channel, str) and channel in self.channels else None
        if known is None or method not in ("chat.postMessage", "conversations.join", "conversations.info"):
            return None
        if known["private"] and not known["bot_in"]:
            return {"ok": False, "error": "channel_not_found"}
        if method == "conversations.info":
            facts = {"is_private": known["private"], "is_archived": known["archived"], "is_member": known["bot_in"]}
            return {"ok": True, "channel": {"id": channel, **facts}}
        if known["archived"]:
            return {"ok": False, "error": "is_archived"}
        if method == "conversations.join":
            if known["private"]:
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            with self._lock:
                self.channels[channel]["bot_in"] = True
            return {"ok": True, "channel": {"id": channel, "is_member": True}}
        if not known["bot_in"]:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _answer_only(self, method: str, args: dict) -> dict:
        if self.workspace is not None:
            answer = self.workspace.answer(method, args)
            if answer is not None:
                return answer
        refused = self._channel_answer(method, args.get("channel"))
        if refused is not None:
            return refused
        if method in ("conversations.history", "conversations.replies"):
            return self._read(method, args)
        channel = args.get("channel")
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Home",
                "user": "partnerbot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            if isinstance(channel, str) and channel[:1] in ("U", "W"):
                channel = "D" + channel  # posting to a user id lands in the DM
            ts = self._ts()
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": args.get("text"), "ts": ts, "blocks": args.get("blocks")},
            }
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._ts()}
        if method == "chat.getPermalink":
            ts = str(args.get("message_ts", "")).replace(".", "")
            return {"ok": True, "permalink": f"https://fake.slack.com/archives/{channel}/p{ts}"}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = args.get("view") if isinstance(args.get("view"), dict) else {}
            view_id = args.get("view_id") or f"V{self._next()}"  # views.update keeps its id
            return {"ok": True, "view": {"id": view_id, **view}}
        if method == "conversations.open":
            users = args.get("users") or ""
            first = users[0] if isinstance(users, list) else users.split(",")[0]
            return {"ok": True, "channel": {"id": "D" + first.strip()}}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": channel, "is_member": True, "is_ext_shared": False}}
        if method == "conversations.join":
            return {"ok": True, "channel": {"id": channel, "is_member": True}}
        if method == "conversations.members":  # paged like Slack's, so callers must follow the cursor
            with self._lock:
                everyone = list(self.channel_members.get(channel, []))
            start = int(args.get("cursor") or 0)
            end = start + min(int(args.get("limit") or 100), self.members_page_size)
            more = str(end) if end < len(everyone) else ""
            return {"ok": True, "members": everyone[start:end], "response_metadata": {"next_cursor": more}}
        if method == "files.getUploadURLExternal":
            if not args.get("filename") or not str(args.get("length") or "").isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{self._next():08d}"
            with self._lock:
                self.upload_names[file_id] = args["filename"]
            return {"ok": True, "upload_url": self.upload_url(file_id), "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            with self._lock:
                missing = [f.get("id") for f in files if f.get("id") not in self.uploads]
            if not files or missing:
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        if method == "users.info":
            with self._lock:
                user = self.users.get(args.get("user"))
            return {"ok": True, "user": dict(user)} if user else {"ok": False, "error": "user_not_found"}
        return {"ok": True}
