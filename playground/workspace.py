"""What the playground's Slack holds: teams, people, the shared channel, DMs, messages, threads,
reactions, pins, ephemerals, open modals and Home tabs, and the playground clock. Kept in a JSON file
next to the bot's database so a restart brings everything back; every change is told to listeners."""

from __future__ import annotations

import base64
import copy
import json
import mimetypes
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from playground import cast

Listener = Callable[[dict], None]


class PlaygroundClock:
    """The bot's clock in the playground: real time plus the time travelled. Never goes backwards."""

    def __init__(self, offset_seconds: float = 0.0, on_move: Callable[[], None] | None = None):
        self._offset = offset_seconds
        self._lock = threading.Lock()
        self._last = datetime.min.replace(tzinfo=timezone.utc)
        self.on_move = on_move

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def now(self) -> datetime:
        with self._lock:
            self._last = max(self._last, datetime.now(timezone.utc) + timedelta(seconds=self._offset))
            return self._last

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the playground clock never goes backwards")
        with self._lock:
            self._offset += delta.total_seconds()
        if self.on_move:
            self.on_move()
        return self.now()

    def advance_to(self, moment: datetime) -> datetime:
        return self.advance(max(moment - self.now(), timedelta(0)))


def fresh_state() -> dict:
    people = cast.initial_people()
    return {
        "version": 1,
        "teams": copy.deepcopy(cast.TEAMS),
        "people": people,
        "channels": {
            cast.CHANNEL_ID: {
                "id": cast.CHANNEL_ID,
                "name": cast.CHANNEL_NAME,
                "kind": "channel",
                "members": list(people),
                "messages": [],
            }
        },
        "ephemerals": [],
        "views": {},  # user id -> stack of open modals
        "home": {},  # user id -> published App Home view
        "responses": {},  # response_url id -> where its answer goes
        "files": {},  # file id -> uploaded file (name, mimetype, base64 data), shown in the message it completes into
        "counter": 0,
        "last_ts": 0.0,
        "clock_offset": 0.0,
    }


class Workspace:
    def __init__(self, path: Path | None = None):
        self.path = path
        self.lock = threading.RLock()
        self._save_lock = threading.Lock()
        self.listeners: list[Listener] = []
        self.state = self._load() or fresh_state()
        self.clock = PlaygroundClock(self.state["clock_offset"], on_move=self._clock_moved)

    # -- persistence and notification -----------------------------------------------------
    def _load(self) -> dict | None:
        if self.path is None or not self.path.exists():
            return None
        try:
            state = json.loads(self.path.read_text("utf-8"))
        except ValueError:
            return None  # a damaged file: start over rather than refuse to start
        if state.get("version") != 1:
            return None
        state.setdefault("files", {})  # saved before uploads existed
        return state

    def save(self) -> None:
        if self.path is None:
            return
        with self._save_lock:  # one writer at a time: changes come from many threads
            with self.lock:
                self.state["clock_offset"] = self.clock.offset_seconds
                text = json.dumps(self.state)
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(text, "utf-8")
            os.replace(temporary, self.path)

    def changed(self, kind: str, **info) -> None:
        self.save()
        event = {"kind": kind, "at": time.time() * 1000, **info}
        for listener in list(self.listeners):
            listener(event)

    def _clock_moved(self) -> None:
        self.changed("clock")

    def reset(self) -> None:
        with self.lock:
            self.state = fresh_state()
        self.changed("reset")

    # -- reading --------------------------------------------------------------------------
    @property
    def people(self) -> dict[str, dict]:
        return self.state["people"]

    @property
    def teams(self) -> dict[str, dict]:
        return self.state["teams"]

    def person(self, user_id: str) -> dict | None:
        return self.people.get(user_id)

    def channel(self, channel_id: str) -> dict | None:
        return self.state["channels"].get(channel_id)

    def find_message(self, channel_id: str, ts: str) -> dict | None:
        channel = self.channel(channel_id)
        return next((m for m in channel["messages"] if m["ts"] == ts), None) if channel else None

    def top_view(self, user_id: str) -> dict | None:
        stack = self.state["views"].get(user_id) or []
        return stack[-1] if stack else None

    def find_view(self, view_id: str) -> tuple[str, dict] | tuple[None, None]:
        for user_id, stack in self.state["views"].items():
            for entry in stack:
                if entry["id"] == view_id:
                    return user_id, entry
        for user_id, entry in self.state["home"].items():
            if entry["id"] == view_id:
                return user_id, entry
        return None, None

    # -- ids and times --------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.state["counter"] += 1
            return f"{prefix}{self.state['counter']:06d}"

    def next_ts(self) -> str:
        """Slack-like ts from the playground clock: seconds.micros, unique and increasing."""
        with self.lock:
            now = self.clock.now().timestamp()
            ts = max(round(now, 6), round(self.state["last_ts"] + 0.000001, 6))
            self.state["last_ts"] = ts
            return f"{ts:.6f}"

    def dm_channel(self, user_id: str) -> dict:
        channel_id = "D" + user_id
        with self.lock:
            channels = self.state["channels"]
            if channel_id not in channels:
                channels[channel_id] = {
                    "id": channel_id,
                    "name": "partnerbot",
                    "kind": "dm",
                    "members": [user_id, cast.BOT_USER_ID],
                    "messages": [],
                }
            return channels[channel_id]

    # -- changes --------------------------------------------------------------------------
    def keep_file(self, file_id: str, name: str, raw: bytes) -> None:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        entry = {"id": file_id, "name": name, "title": name, "mimetype": kind, "data": base64.b64encode(raw).decode()}
        with self.lock:
            self.state.setdefault("files", {})[file_id] = entry

    def file(self, file_id: str) -> tuple[str, bytes] | None:
        entry = self.state.get("files", {}).get(file_id)
        return (entry["mimetype"], base64.b64decode(entry["data"])) if entry else None

    def add_message(
        self,
        channel_id: str,
        *,
        user: str,
        text: str,
        blocks: list | None = None,
        thread_ts: str | None = None,
        files: list | None = None,
    ) -> dict:
        person = self.person(user) or {}
        message = {
            "type": "message",
            "ts": self.next_ts(),
            "user": user,
            "team": person.get("team_id"),
            "text": text or "",
            "blocks": blocks or [],
            "reactions": [],
        }
        if person.get("is_bot"):
            message["bot_id"] = cast.BOT_ID
        if files:
            message["files"] = files
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self.lock:
            self.state["channels"][channel_id]["messages"].append(message)
        self.changed("messages", channel=channel_id, ts=message["ts"], thread_ts=thread_ts)
        return message

    def update_message(self, channel_id: str, ts: str, *, text: str, blocks: list | None, edited: bool) -> bool:
        with self.lock:
            message = self.find_message(channel_id, ts)
            if message is None:
                return False
            message["text"] = text or ""
            if blocks is not None:
                message["blocks"] = blocks
            if edited:
                message["edited"] = {"user": message["user"], "ts": self.next_ts()}
        self.changed("messages", channel=channel_id, ts=ts, thread_ts=message.get("thread_ts"))
        return True

    def delete_message(self, channel_id: str, ts: str) -> None:
        with self.lock:
            channel = self.channel(channel_id)
            channel["messages"] = [m for m in channel["messages"] if m["ts"] != ts]
        self.changed("messages", channel=channel_id, ts=ts)

    def react(self, channel_id: str, ts: str, name: str, user: str) -> str | None:
        """Add `user`'s reaction; returns Slack's error name when it cannot."""
        with self.lock:
            message = self.find_message(channel_id, ts)
            if message is None:
                return "message_not_found"
            reaction = next((r for r in message["reactions"] if r["name"] == name), None)
            if reaction is None:
                reaction = {"name": name, "users": [], "count": 0}
                message["reactions"].append(reaction)
            if user in reaction["users"]:
                return "already_reacted"
            reaction["users"].append(user)
            reaction["count"] = len(reaction["users"])
        self.changed("messages", channel=channel_id, ts=ts, thread_ts=message.get("thread_ts"))
        return None

    def pin(self, channel_id: str, ts: str, user: str) -> str | None:
        with self.lock:
            message = self.find_message(channel_id, ts)
            if message is None:
                return "message_not_found"
            if message.get("pinned_by"):
                return "already_pinned"
            message["pinned_by"] = user
        self.changed("messages", channel=channel_id, ts=ts)
        return None

    def add_ephemeral(
        self,
        channel_id: str,
        user: str,
        *,
        text: str,
        blocks: list | None = None,
        thread_ts: str | None = None,
        slackbot: bool = False,
    ) -> dict:
        ephemeral = {
            "ts": self.next_ts(),
            "channel": channel_id,
            "user": user,
            "text": text or "",
            "blocks": blocks or [],
            "ephemeral": True,
            "slackbot": slackbot,
        }
        if thread_ts:
            ephemeral["thread_ts"] = thread_ts
        with self.lock:
            self.state["ephemerals"].append(ephemeral)
        self.changed("messages", channel=channel_id, user=user, ts=ephemeral["ts"], ephemeral=True)
        return ephemeral

    def replace_ephemeral(self, ts: str, *, text: str, blocks: list | None) -> None:
        with self.lock:
            for ephemeral in self.state["ephemerals"]:
                if ephemeral["ts"] == ts:
                    ephemeral.update(text=text or "", blocks=blocks or [])
                    channel, user = ephemeral["channel"], ephemeral["user"]
                    break
            else:
                return
        self.changed("messages", channel=channel, user=user, ts=ts, ephemeral=True)

    def dismiss_ephemeral(self, user: str, ts: str) -> None:
        with self.lock:
            self.state["ephemerals"] = [
                e for e in self.state["ephemerals"] if not (e["ts"] == ts and e["user"] == user)
            ]
        self.changed("messages", user=user)

    # -- modals and Home ------------------------------------------------------------------
    def open_view(self, user: str, view: dict, *, push: bool) -> dict:
        entry = {"id": self.next_id("V"), "view": view, "errors": {}, "state": {}, "hash": self.next_id("h")}
        with self.lock:
            stack = self.state["views"].setdefault(user, [])
            if not push:
                stack.clear()
            stack.append(entry)
        self.changed("views", user=user)
        return entry

    def update_view(self, view_id: str, view: dict) -> dict | None:
        with self.lock:
            user, entry = self.find_view(view_id)
            if entry is None:
                return None
            entry.update(view=view, errors={}, hash=self.next_id("h"))
        self.changed("views", user=user)
        return entry

    def view_errors(self, user: str, view_id: str, errors: dict, state: dict) -> None:
        with self.lock:
            _, entry = self.find_view(view_id)
            if entry is not None:
                entry.update(errors=errors, state=state, hash=self.next_id("h"))
        self.changed("views", user=user)

    def close_views(self, user: str, *, everything: bool) -> None:
        with self.lock:
            stack = self.state["views"].get(user) or []
            if everything:
                stack.clear()
            elif stack:
                stack.pop()
        self.changed("views", user=user)

    def publish_home(self, user: str, view: dict) -> dict:
        entry = {"id": self.next_id("V"), "view": view, "errors": {}, "state": {}, "hash": self.next_id("h")}
        with self.lock:
            self.state["home"][user] = entry
        self.changed("home", user=user)
        return entry

    def rename_teams(self, names: dict[str, str]) -> None:
        with self.lock:
            for team_id, name in names.items():
                if name:
                    self.teams[team_id]["name"] = name
        self.changed("teams")
