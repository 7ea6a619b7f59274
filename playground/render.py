"""What one person sees, as HTML pieces: sidebar, channel, thread, modal, Home tab, inspector.
Times are drawn in the viewer's timezone; ephemerals and DMs only for the person they belong to."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from playground import blockkit, cast

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["pretty_json"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False, default=str)

# What the composer completes: the three commands and their subcommands (as documented in the README).
COMPLETIONS = {
    "/partner": [
        "help", "setup", "status", "members", "side @user client", "role @user lead", "charter", "rhythm add",
        "rhythm list", "rhythm pause 1", "rhythm resume 1", "rhythm remove 1", "rhythm run 1",
        "escalate ", "escalations open", "feedback", "feedback cycle", "feedback report", "actions",
        "action done 1", 'milestone add "Go-live" 2027-01-15', "milestone list", "milestone done 1",
        "milestone move 1 2027-02-01", "milestone remove 1", "kudos @user ", "ooo 2026-12-21 2027-01-02",
        "ooo off", "holiday add 2026-12-25 Christmas", "holiday list", "health", "digest", "council",
        "council add @user", "council remove @user", "appraisal", "appraisal run", "appraisal record",
        "appraisal schedule", "export",
    ],
    "/escalate": ["Tier-2 tickets breaching SLA"],
    "/kudos": ["@user for "],
}  # fmt: skip


class Viewer:
    """One person looking at the playground."""

    def __init__(self, pg, user_id: str):
        self.pg = pg
        self.ws = pg.workspace
        self.person = self.ws.person(user_id) or self.ws.person(cast.PEOPLE[0][0])
        self.id = self.person["id"]
        self.zone = ZoneInfo(self.person["tz"])
        names = {p["id"]: p["name"] for p in self.ws.people.values()}
        names.update({c["id"]: c["name"] for c in self.ws.state["channels"].values()})
        self.ctx = blockkit.Context(
            names=names,
            tz=self.person["tz"],
            now=pg.clock.now(),
            people=[(p["id"], p["name"]) for p in self.ws.people.values() if not p["is_bot"]],
            channels=[(c["id"], c["name"]) for c in self.ws.state["channels"].values() if c["kind"] == "channel"],
        )

    def label(self, person: dict) -> str:
        team = self.ws.teams[person["team_id"]]
        return f"{person['name']} · {team['name']} · {team['side']} {person['role']}"

    def local(self, ts: str, fmt: str = "%H:%M") -> str:
        return datetime.fromtimestamp(float(ts), timezone.utc).astimezone(self.zone).strftime(fmt)

    def channels(self) -> list[dict]:
        visible = [c for c in self.ws.state["channels"].values() if self.id in c["members"]]
        shown = [c for c in visible if c["kind"] == "channel"]
        shown.append(self.ws.state["channels"].get("D" + self.id) or {"id": "D" + self.id, "name": "partnerbot",
                                                                      "kind": "dm", "messages": []})  # fmt: skip
        return shown

    def _shape(self, message: dict, channel_id: str, replies: list[dict] | None = None) -> dict:
        author = self.ws.person(message.get("user", "")) or {"name": "Slackbot", "team_id": None, "is_bot": True}
        team = self.ws.teams.get(author.get("team_id") or "")
        return {
            "m": message,
            "channel": channel_id,
            "author": author["name"],
            "is_app": author.get("is_bot", False),
            "external": bool(team) and author.get("team_id") != self.person["team_id"] and not author.get("is_bot"),
            "team": team["name"] if team else "",
            "time": self.local(message["ts"]),
            "day": self.local(message["ts"], "%A, %d %B %Y"),
            "body": blockkit.message(message, self.ctx),
            "mine": message.get("user") == self.id,
            "pinned_by": (self.ws.person(message.get("pinned_by") or "") or {}).get("name", ""),
            "raw": re.sub(
                r"<@(\w+)(?:\|[^>]*)?>",
                lambda m: "@" + self.ctx.names.get(m.group(1), m.group(1)),
                message.get("text", ""),
            ),
            "replies": replies or [],
            "files": [{**f, "image": f.get("mimetype", "").startswith("image/")} for f in message.get("files") or []],
            "reactions": [
                {**r, "emoji": blockkit.EMOJI.get(r["name"], f":{r['name']}:"), "mine": self.id in r["users"]}
                for r in message.get("reactions", [])
            ],  # fmt: skip
        }

    def timeline(self, channel_id: str) -> list[dict]:
        channel = self.ws.channel(channel_id)
        messages = list(channel["messages"]) if channel else []
        replies: dict[str, list[dict]] = {}
        for message in messages:
            if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
                replies.setdefault(message["thread_ts"], []).append(message)
        top = [self._shape(m, channel_id, replies.get(m["ts"])) for m in messages if m["ts"] not in _reply_ts(replies)]
        mine = [e for e in self.ws.state["ephemerals"] if e["channel"] == channel_id and e["user"] == self.id]
        top += [{**self._shape({**e, "user": ""} if _from_slackbot(e) else {**e, "user": cast.BOT_USER_ID},
                               channel_id), "ephemeral": True} for e in mine if not e.get("thread_ts")]  # fmt: skip
        return sorted(top, key=lambda shaped: float(shaped["m"]["ts"]))

    def thread(self, channel_id: str, ts: str) -> dict | None:
        parent = self.ws.find_message(channel_id, ts)
        if parent is None:
            return None
        replies = [m for m in self.ws.channel(channel_id)["messages"] if m.get("thread_ts") == ts and m["ts"] != ts]
        mine = [e for e in self.ws.state["ephemerals"] if e.get("thread_ts") == ts and e["user"] == self.id]
        shaped = [self._shape(m, channel_id) for m in replies]
        shaped += [{**self._shape({**e, "user": cast.BOT_USER_ID}, channel_id), "ephemeral": True} for e in mine]
        return {"parent": self._shape(parent, channel_id), "replies": sorted(shaped, key=lambda s: float(s["m"]["ts"]))}

    def modal(self) -> dict | None:
        entry = self.ws.top_view(self.id)
        if entry is None:
            return None
        view = entry["view"]
        ctx = blockkit.Context(**{**self.ctx.__dict__, "state": entry["state"], "errors": entry["errors"]})
        html = TEMPLATES.get_template("modal.html").render(
            entry=entry, view=view, body=blockkit.blocks(view.get("blocks"), ctx), ctx=ctx,
            text=blockkit.text_object, depth=len(self.ws.state["views"].get(self.id) or []),
        )  # fmt: skip
        return {"id": entry["id"], "hash": entry["hash"], "html": html}

    def home(self) -> str:
        """The published Home view; its id lets a press on its buttons say where it came from (a view)."""
        entry = self.ws.state["home"].get(self.id)
        if not entry:
            return ""
        body = blockkit.blocks(entry["view"].get("blocks"), self.ctx)
        return str(Markup('<div data-home-view="{}">{}</div>').format(entry["id"], body))

    def panes(self, channel_id: str, thread_ts: str | None, tab: str) -> dict:
        channel = self.ws.channel(channel_id) or self.ws.channel(cast.CHANNEL_ID)
        if channel["kind"] == "channel" and self.id not in channel["members"]:
            channel = self.ws.channel(cast.CHANNEL_ID)
        timeline = self.timeline(channel["id"]) if channel["id"] in self.ws.state["channels"] else []
        shared = self.ws.channel(cast.CHANNEL_ID)
        render = TEMPLATES.get_template("panes.html").module
        pinned = [self._shape(m, channel["id"]) for m in channel["messages"] if m.get("pinned_by")]
        thread = self.thread(channel["id"], thread_ts) if thread_ts else None
        return {
            "channel": channel["id"],
            "sidebar": str(render.sidebar(self, channel, tab)),
            "header": str(render.header(self, channel, pinned, tab)),
            "messages": str(render.messages(timeline, tab, self.home(), not shared["messages"], self)),
            "thread": str(render.thread(thread)) if thread else "",
            "modal": self.modal(),
            "clock": self.pg.clock.now().astimezone(self.zone).strftime("%a %d %b %Y %H:%M ") + self.person["tz"],
            "who": self.label(self.person),
        }


def _reply_ts(replies: dict[str, list[dict]]) -> set[str]:
    return {m["ts"] for thread in replies.values() for m in thread}


def _from_slackbot(ephemeral: dict) -> bool:
    return bool(ephemeral.get("slackbot"))


def inspector_html(entries: list[dict]) -> str:
    return TEMPLATES.get_template("inspector.html").render(entries=entries)


def page_html(pg, viewer: Viewer) -> str:
    people = [{"id": p["id"], "name": p["name"], "label": viewer.label(p)} for p in pg.workspace.people.values()
              if not p["is_bot"]]  # fmt: skip
    return TEMPLATES.get_template("page.html").render(
        viewer=viewer,
        people=people,
        boot=json.dumps({"as": viewer.id, "people": people, "completions": COMPLETIONS}).replace("</", "<\\/"),
    )
