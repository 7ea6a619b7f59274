"""The Web API methods the bot uses, answered from (and applied to) the playground's workspace,
the way Slack answers them. FakeSlack serves this over HTTP; unknown methods get its default answer."""

from __future__ import annotations

import time

from playground import cast
from playground.workspace import Workspace

TRIGGER_SECONDS = 3.0  # Slack's trigger_id expires after 3 s


def _true(value) -> bool:
    return value is True or str(value).lower() == "true"


class WebApi:
    def __init__(self, workspace: Workspace):
        self.ws = workspace
        self.triggers: dict[str, tuple[str, float]] = {}  # trigger_id -> (user, when given)
        self.response_urls = None  # FakeSlack.response_url, set when the stand-in starts
        self.page_url = ""

    # -- what the stand-in hands out with each request to the bot --------------------------
    def trigger(self, user: str) -> str:
        trigger_id = f"{int(time.time())}.{self.ws.next_id('trig')}"
        self.triggers[trigger_id] = (user, time.monotonic())
        return trigger_id

    def response_url(self, *, channel: str, user: str, message_ts: str | None = None, ephemeral: bool = False) -> str:
        url = self.response_urls()
        with self.ws.lock:
            self.ws.state["responses"][url.rsplit("/", 1)[1]] = {
                "channel": channel,
                "user": user,
                "message_ts": message_ts,
                "ephemeral": ephemeral,
            }
        return url

    # -- the Workspace protocol of FakeSlack -------------------------------------------------
    def respond(self, response_id: str, args: dict) -> None:
        where = self.ws.state["responses"].get(response_id)
        if where is None:
            return
        text, blocks = args.get("text", ""), args.get("blocks")
        if _true(args.get("delete_original")) and where["message_ts"]:
            if where["ephemeral"]:
                self.ws.dismiss_ephemeral(where["user"], where["message_ts"])
            else:
                self.ws.delete_message(where["channel"], where["message_ts"])
        elif _true(args.get("replace_original")) and where["message_ts"]:
            if where["ephemeral"]:
                self.ws.replace_ephemeral(where["message_ts"], text=text, blocks=blocks)
            else:
                self.ws.update_message(where["channel"], where["message_ts"], text=text, blocks=blocks, edited=False)
        elif args.get("response_type") == "in_channel":
            self.ws.add_message(where["channel"], user=cast.BOT_USER_ID, text=text, blocks=blocks)
        else:
            self.ws.add_ephemeral(where["channel"], where["user"], text=text, blocks=blocks)

    def keep_upload(self, file_id: str, filename: str, raw: bytes) -> None:
        """The bytes posted to an upload_url: kept until files.completeUploadExternal shares them."""
        self.ws.keep_file(file_id, filename, raw)

    def answer(self, method: str, args: dict) -> dict | None:
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        return handler(args) if handler else None

    # -- methods --------------------------------------------------------------------------
    def _auth_test(self, args: dict) -> dict:
        home = self.ws.teams[cast.CLIENT_TEAM]
        return {
            "ok": True,
            "url": f"https://{home['domain']}.playground.invalid/",
            "team": home["name"],
            "user": "partnerbot",
            "team_id": cast.CLIENT_TEAM,
            "user_id": cast.BOT_USER_ID,
            "bot_id": cast.BOT_ID,
            "is_enterprise_install": False,
        }

    def _channel_id(self, channel: str | None) -> str | None:
        if not channel:
            return None
        if channel[:1] in ("U", "W"):
            return self.ws.dm_channel(channel)["id"] if channel in self.ws.people else None
        return channel if self.ws.channel(channel) else None

    def _chat_postMessage(self, args: dict) -> dict:
        channel = self._channel_id(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        thread_ts = args.get("thread_ts") or None
        if thread_ts and self.ws.find_message(channel, thread_ts) is None:
            return {"ok": False, "error": "thread_not_found"}
        message = self.ws.add_message(
            channel, user=cast.BOT_USER_ID, text=args.get("text", ""), blocks=args.get("blocks"), thread_ts=thread_ts
        )
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, args: dict) -> dict:
        channel = self._channel_id(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        found = self.ws.update_message(
            channel, args.get("ts", ""), text=args.get("text", ""), blocks=args.get("blocks"), edited=False
        )
        if not found:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": args.get("ts"), "text": args.get("text", "")}

    def _chat_postEphemeral(self, args: dict) -> dict:
        channel = self._channel_id(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        user = args.get("user")
        if user not in self.ws.channel(channel)["members"]:
            return {"ok": False, "error": "user_not_in_channel"}
        ephemeral = self.ws.add_ephemeral(
            channel, user, text=args.get("text", ""), blocks=args.get("blocks"), thread_ts=args.get("thread_ts")
        )
        return {"ok": True, "message_ts": ephemeral["ts"]}

    def _chat_getPermalink(self, args: dict) -> dict:
        channel, ts = args.get("channel"), args.get("message_ts", "")
        return {"ok": True, "channel": channel, "permalink": f"{self.page_url}/#{channel}/{ts}"}

    def _reactions_add(self, args: dict) -> dict:
        channel = self._channel_id(args.get("channel"))
        error = self.ws.react(channel or "", args.get("timestamp", ""), args.get("name", ""), cast.BOT_USER_ID)
        return {"ok": False, "error": error} if error else {"ok": True}

    def _pins_add(self, args: dict) -> dict:
        channel = self._channel_id(args.get("channel"))
        error = self.ws.pin(channel or "", args.get("timestamp", ""), cast.BOT_USER_ID)
        return {"ok": False, "error": error} if error else {"ok": True}

    def _files_completeUploadExternal(self, args: dict) -> dict:
        files = args.get("files") if isinstance(args.get("files"), list) else []
        kept = [self.ws.state["files"].get(f.get("id")) for f in files]
        if not files or not all(kept):
            return {"ok": False, "error": "invalid_arguments"}
        for f, entry in zip(files, kept, strict=True):
            entry["title"] = f.get("title") or entry["name"]
        shared = [{k: entry[k] for k in ("id", "name", "title", "mimetype")} for entry in kept]
        if args.get("channel_id"):
            channel = self._channel_id(args["channel_id"])
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            thread_ts = args.get("thread_ts") or None
            if thread_ts and self.ws.find_message(channel, thread_ts) is None:
                return {"ok": False, "error": "thread_not_found"}
            self.ws.add_message(channel, user=cast.BOT_USER_ID, text=args.get("initial_comment") or "",
                                thread_ts=thread_ts, files=shared)  # fmt: skip
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    def _served_view(self, entry: dict, user: str) -> dict:
        return {
            "ok": True,
            "view": {
                **entry["view"],
                "id": entry["id"],
                "team_id": cast.CLIENT_TEAM,
                "hash": entry["hash"],
                "state": {"values": entry["state"]},
                "app_id": "A0PLAYGROUND",
                "bot_id": cast.BOT_ID,
            },
        }

    def _trigger_user(self, trigger_id: str | None) -> str | None:
        user, given = self.triggers.get(trigger_id or "", (None, 0.0))
        return user if user and time.monotonic() - given <= TRIGGER_SECONDS else None

    def _views_open(self, args: dict) -> dict:
        user = self._trigger_user(args.get("trigger_id"))
        if user is None:
            return {"ok": False, "error": "expired_trigger_id"}
        return self._served_view(self.ws.open_view(user, args.get("view") or {}, push=False), user)

    def _views_push(self, args: dict) -> dict:
        user = self._trigger_user(args.get("trigger_id"))
        if user is None:
            return {"ok": False, "error": "expired_trigger_id"}
        if len(self.ws.state["views"].get(user) or []) >= 3:
            return {"ok": False, "error": "push_limit_reached"}
        return self._served_view(self.ws.open_view(user, args.get("view") or {}, push=True), user)

    def _views_update(self, args: dict) -> dict:
        entry = self.ws.update_view(args.get("view_id") or "", args.get("view") or {})
        if entry is None:
            return {"ok": False, "error": "not_found"}
        return self._served_view(entry, "")

    def _views_publish(self, args: dict) -> dict:
        user = args.get("user_id")
        if user not in self.ws.people:
            return {"ok": False, "error": "user_not_found"}
        return self._served_view(self.ws.publish_home(user, args.get("view") or {}), user)

    def _conversations_open(self, args: dict) -> dict:
        users = args.get("users") or ""
        first = (users[0] if isinstance(users, list) else users.split(",")[0]).strip()
        if first not in self.ws.people:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.ws.dm_channel(first)["id"]}}

    def _conversations_info(self, args: dict) -> dict:
        channel = self.ws.channel(args.get("channel") or "")
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        shared = channel["kind"] == "channel"
        return {
            "ok": True,
            "channel": {
                "id": channel["id"],
                "name": channel["name"],
                "is_im": not shared,
                "is_member": True,
                "is_ext_shared": shared,
                "is_shared": shared,
            },
        }

    def _conversations_members(self, args: dict) -> dict:
        channel = self.ws.channel(args.get("channel") or "")
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": list(channel["members"]), "response_metadata": {"next_cursor": ""}}

    def _users_info(self, args: dict) -> dict:
        person = self.ws.person(args.get("user") or "")
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": person["id"],
                "team_id": person["team_id"],
                "name": person["name"].lower(),
                "real_name": person["name"],
                "tz": person["tz"],
                "is_bot": person["is_bot"],
                "profile": {"real_name": person["name"], "display_name": person["name"]},
            },
        }
