"""What a person does in the playground's Slack, turned into what Slack sends the bot: slash commands,
block actions, view submissions and message events, with the bot's acks applied as Slack applies them."""

from __future__ import annotations

import re
import time

from playground import blockkit, cast
from playground.bot_link import BotLink
from playground.web_api import WebApi
from playground.workspace import Workspace

COMMANDS = ("/partner", "/escalate", "/kudos")
_MENTION = re.compile(r"(?<![\w<])@([A-Za-z][\w.-]*)")


class People:
    def __init__(self, workspace: Workspace, web_api: WebApi, bot: BotLink):
        self.ws = workspace
        self.api = web_api
        self.bot = bot

    @property
    def home_team(self) -> str:
        return cast.CLIENT_TEAM

    def _person(self, user: str) -> dict:
        person = self.ws.person(user)
        if person is None or person["is_bot"]:
            raise ValueError(f"no such person: {user}")
        return person

    def with_mentions(self, text: str) -> str:
        """Typed `@Carla` becomes `<@U0CARLA>`, as Slack's composer does for a chosen completion."""
        by_name = {p["name"].lower(): p["id"] for p in self.ws.people.values()}
        return _MENTION.sub(
            lambda m: f"<@{by_name[m.group(1).lower()]}>" if m.group(1).lower() in by_name else m.group(0), text
        )

    def _slackbot(self, channel: str, user: str, text: str) -> None:
        self.ws.add_ephemeral(channel, user, text=text, slackbot=True)

    # -- the composer -----------------------------------------------------------------------
    def type(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> None:
        text = text.strip()
        if not text:
            return
        if text.startswith("/") and not thread_ts:
            self.command(user, channel, text)
        else:
            self.say(user, channel, text, thread_ts)

    def command(self, user: str, channel: str, typed: str) -> None:
        person = self._person(user)
        name, _, rest = typed.partition(" ")
        if name not in COMMANDS:
            self._slackbot(
                channel, user, f"`{name}` is not a valid command. In Slack, messages starting with `/` are commands."
            )
            return
        if person["team_id"] != self.home_team:
            team = self.ws.teams[self.home_team]["name"]
            self._slackbot(
                channel,
                user,
                f"`{name}` belongs to an app installed by {team}. Slack does not share an app's slash commands "
                "with people of the other organisation in a Slack Connect channel: use the buttons on the "
                "partnership card instead.",
            )
            return
        fields = {
            "token": "playground",
            "team_id": self.home_team,
            "team_domain": self.ws.teams[self.home_team]["domain"],
            "channel_id": channel,
            "channel_name": (self.ws.channel(channel) or {}).get("name", ""),
            "user_id": user,
            "user_name": person["name"].lower(),
            "command": name,
            "text": self.with_mentions(rest.strip()),
            "api_app_id": "A0PLAYGROUND",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(channel=channel, user=user),
            "trigger_id": self.api.trigger(user),
        }
        ack = self.bot.command(fields)
        if ack.status != 200:
            self._slackbot(channel, user, f'{name} failed with the error "dispatch_failed" (HTTP {ack.status}).')
            return
        answer = ack.json
        if answer.get("text") or answer.get("blocks"):
            if answer.get("response_type") == "in_channel":
                self.ws.add_message(
                    channel, user=cast.BOT_USER_ID, text=answer.get("text", ""), blocks=answer.get("blocks")
                )
            else:
                self.ws.add_ephemeral(channel, user, text=answer.get("text", ""), blocks=answer.get("blocks"))

    def say(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> dict:
        person = self._person(user)
        message = self.ws.add_message(channel, user=user, text=self.with_mentions(text), thread_ts=thread_ts)
        event = {k: v for k, v in message.items() if k in ("type", "ts", "text", "thread_ts", "user")}
        event.update(channel=channel, team=person["team_id"], user_team=person["team_id"], event_ts=message["ts"])
        # The app subscribes to channel messages and to its own DMs (message.im in manifest.yml).
        event["channel_type"] = "im" if channel.startswith("D") else "channel"
        self._event(event)
        return message

    def edit(self, user: str, channel: str, ts: str, text: str) -> None:
        person = self._person(user)
        original = self.ws.find_message(channel, ts)
        if original is None or original.get("user") != user:
            raise ValueError("you can only edit your own messages")
        previous = dict(original)
        self.ws.update_message(channel, ts, text=self.with_mentions(text), blocks=None, edited=True)
        edited = self.ws.find_message(channel, ts)
        fields = ("type", "ts", "text", "thread_ts", "user", "edited")
        self._event(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": channel,
                "hidden": True,
                "ts": self.ws.next_ts(),
                "message": {**{k: edited[k] for k in fields if k in edited}, "team": person["team_id"]},
                "previous_message": {k: previous[k] for k in fields if k in previous},
            }
        )

    def open_home(self, user: str) -> None:
        """The person opened the app's Home tab: Slack sends app_home_opened (tab "home")."""
        self._person(user)
        channel = self.ws.dm_channel(user)["id"]
        self._event({"type": "app_home_opened", "user": user, "channel": channel, "tab": "home",
                     "event_ts": f"{time.time():.6f}"})  # fmt: skip

    def toggle_reaction(self, user: str, channel: str, ts: str, name: str) -> None:
        message = self.ws.find_message(channel, ts)
        reaction = next((r for r in (message or {}).get("reactions", []) if r["name"] == name), None)
        if reaction and user in reaction["users"]:
            with self.ws.lock:
                reaction["users"].remove(user)
                reaction["count"] = len(reaction["users"])
                if not reaction["users"]:
                    message["reactions"].remove(reaction)
            self.ws.changed("messages", channel=channel, ts=ts, thread_ts=message.get("thread_ts"))
        else:
            self.ws.react(channel, ts, name, user)

    def _event(self, event: dict) -> None:
        self.bot.event(
            {
                "token": "playground",
                "team_id": self.home_team,
                "api_app_id": "A0PLAYGROUND",
                "type": "event_callback",
                "event_id": "Ev" + self.ws.next_id("E"),
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": self.home_team, "user_id": cast.BOT_USER_ID, "is_bot": True}],
                "is_ext_shared_channel": event["channel"] == cast.CHANNEL_ID,
            }
        )

    # -- buttons and other elements ---------------------------------------------------------
    def _user_block(self, user: str) -> dict:
        person = self._person(user)
        return {
            "id": user,
            "username": person["name"].lower(),
            "name": person["name"].lower(),
            "team_id": person["team_id"],
        }

    def press(self, user: str, source: dict, block_id: str, action_id: str, raw=None) -> None:
        """An element pressed or changed on a message (source: channel, ts, ephemeral) or a view (view_id)."""
        if source.get("view_id"):
            _, entry = self.ws.find_view(source["view_id"])
            found_blocks, container = (entry or {}).get("view", {}).get("blocks", []), None
        else:
            channel, ts, ephemeral = source["channel"], source["ts"], bool(source.get("ephemeral"))
            if ephemeral:
                message = next((e for e in self.ws.state["ephemerals"] if e["ts"] == ts and e["user"] == user), None)
            else:
                message = self.ws.find_message(channel, ts)
            found_blocks = (message or {}).get("blocks", [])
            container = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral}
        element = _find_element(found_blocks, block_id, action_id)
        if element is None:
            raise ValueError("that element is gone")
        action = {
            "type": element["type"],
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        action.update(_element_state(element, raw))
        if element["type"] == "button":
            action.update(text=element.get("text"), value=element.get("value", ""))
            if element.get("style"):
                action["style"] = element["style"]
        payload = {
            "type": "block_actions",
            "user": self._user_block(user),
            "api_app_id": "A0PLAYGROUND",
            "token": "playground",
            "team": {"id": self.home_team, "domain": self.ws.teams[self.home_team]["domain"]},
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": self.api.trigger(user),
            "actions": [action],
        }
        if container is None:
            payload["container"] = {"type": "view", "view_id": source["view_id"]}
            payload["view"] = self._view_payload(entry)
        else:
            payload.update(
                container=container,
                channel={"id": channel, "name": (self.ws.channel(channel) or {}).get("name", "")},
                response_url=self.api.response_url(channel=channel, user=user, message_ts=ts, ephemeral=ephemeral),
                state={"values": {}},
            )
            if not ephemeral:
                payload["message"] = message
        self.bot.interaction(payload)

    # -- modals ------------------------------------------------------------------------------
    def _view_payload(self, entry: dict) -> dict:
        return {
            **entry["view"],
            "id": entry["id"],
            "team_id": self.home_team,
            "hash": entry["hash"],
            "state": {"values": entry["state"]},
            "app_id": "A0PLAYGROUND",
            "bot_id": cast.BOT_ID,
        }

    def submit(self, user: str, view_id: str, typed: dict) -> dict:
        """Send the top modal with what was typed ({block_id: {action_id: raw}}); returns the bot's answer."""
        owner, entry = self.ws.find_view(view_id)
        if entry is None or owner != user:
            raise ValueError("that form is no longer open")
        state = state_values(entry["view"], typed)
        with self.ws.lock:
            entry["state"] = state
        payload = {
            "type": "view_submission",
            "team": {"id": self.home_team, "domain": self.ws.teams[self.home_team]["domain"]},
            "user": self._user_block(user),
            "api_app_id": "A0PLAYGROUND",
            "token": "playground",
            "trigger_id": self.api.trigger(user),
            "view": self._view_payload(entry),
            "response_urls": [],
            "is_enterprise_install": False,
        }
        ack = self.bot.interaction(payload)
        answer = ack.json
        action = answer.get("response_action")
        if ack.status != 200:
            self.ws.view_errors(user, view_id, {}, state)
            return {"error": f"We had some trouble connecting (HTTP {ack.status}). Try again?"}
        if action == "errors":
            self.ws.view_errors(user, view_id, answer.get("errors") or {}, state)
        elif action == "update":
            self.ws.update_view(view_id, answer.get("view") or {})
        elif action == "push":
            self.ws.open_view(user, answer.get("view") or {}, push=True)
        else:
            self.ws.close_views(user, everything=action == "clear")
            if entry["view"].get("callback_id") == "partnership_setup":
                self._name_teams(state)
        return answer

    def close(self, user: str, view_id: str) -> None:
        owner, entry = self.ws.find_view(view_id)
        if entry is None or owner != user:
            return
        self.ws.close_views(user, everything=False)
        if entry["view"].get("notify_on_close"):
            self.bot.interaction(
                {
                    "type": "view_closed",
                    "team": {"id": self.home_team},
                    "user": self._user_block(user),
                    "view": self._view_payload(entry),
                    "is_cleared": False,
                }  # fmt: skip
            )

    def _name_teams(self, state: dict) -> None:
        """The companies are named in the setup form: the channel header and the switcher follow it."""
        flat = {block: next(iter(actions.values()), {}) for block, actions in state.items()}
        client, vendor = (flat.get("client_org") or {}).get("value"), (flat.get("vendor_org") or {}).get("value")
        home_is_vendor = ((flat.get("home_side") or {}).get("selected_option") or {}).get("value") == "vendor"
        self.ws.rename_teams({cast.CLIENT_TEAM: vendor if home_is_vendor else client,
                              cast.VENDOR_TEAM: client if home_is_vendor else vendor})  # fmt: skip


def _find_element(found_blocks: list[dict], block_id: str, action_id: str) -> dict | None:
    for index, b in enumerate(found_blocks):
        candidates = list(b.get("elements") or []) if b.get("type") == "actions" else []
        candidates += [b[key] for key in ("accessory", "element") if isinstance(b.get(key), dict)]
        for number, el in enumerate(candidates):
            ids = blockkit.element_ids(b, index, el, number if b.get("type") == "actions" else 0)
            if ids == (block_id, action_id):
                return el
    return None


def _element_state(el: dict, raw) -> dict:
    """Slack's state for an element from what the page sent (a string, or a list for multi-choice)."""
    kind = el.get("type", "")
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    first = values[0] if values else None
    if kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        return {"selected_option": blockkit.find_option(el, first) if first else None}
    if kind in ("checkboxes", "multi_static_select"):
        return {"selected_options": [o for v in values if (o := blockkit.find_option(el, v))]}
    keys = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
    }
    if kind in keys:
        return {keys[kind]: first}
    multi = {"multi_users_select": "selected_users", "multi_conversations_select": "selected_conversations",
             "multi_channels_select": "selected_channels"}  # fmt: skip
    if kind in multi:
        return {multi[kind]: values}
    if kind == "button":
        return {}
    return {"value": first}


def state_values(view: dict, typed: dict) -> dict:
    """view.state.values as Slack builds it: every input block, typed or not."""
    values: dict = {}
    for index, b in enumerate(view.get("blocks") or []):
        if b.get("type") != "input" or not isinstance(b.get("element"), dict):
            continue
        block_id, action_id = blockkit.element_ids(b, index, b["element"])
        # An input the page did not send keeps what it shows: its initial value.
        raw = typed[block_id].get(action_id) if block_id in typed else blockkit.initial_value(b["element"])
        values[block_id] = {action_id: {"type": b["element"].get("type"), **_element_state(b["element"], raw)}}
    return values
