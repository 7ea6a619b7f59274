"""The one way out to Slack's Web API: base URL, token, retries and error logging live here."""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterator
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.errors import FormNotOpened
from bot.metrics import Metrics
from bot.slack.pacing import ChannelPacer, Pacer, TierPacer

log = logging.getLogger(__name__)

__all__ = ["SlackGateway", "SlackApiError", "Identity", "RateLimited", "NETWORK_ERRORS", "owed_work"]

# What a dropped connection or a timeout looks like from slack-sdk's urllib client.
NETWORK_ERRORS = (URLError, TimeoutError, socket.timeout, ConnectionError)

# Every post the scheduler owes carries its send key in Slack's message metadata, so a retry after a lost
# answer can find the message instead of posting it again.
SEND_EVENT_TYPE = "partnerbot_send"
AMBIGUOUS_RETRIES = 2  # after a 5xx or a lost answer: look for the post, then post again this many times


class RateLimited(Exception):
    """Slack (or our own pacing) says not now: try this send again in `retry_after` seconds, do other work."""

    def __init__(self, retry_after: float, method: str = "chat.postMessage"):
        super().__init__(f"{method} rate limited; retry in {retry_after:.1f}s")
        self.retry_after = retry_after
        self.method = method


_owed = contextvars.ContextVar("owed_work", default=False)


@contextmanager
def owed_work() -> Iterator[None]:
    """The Slack calls of a send the scheduler owes, which can be put back and tried later. In here, a method whose
    workspace tier has no slot free (a channel's member list, a person's profile) raises RateLimited instead of
    sleeping: the worker moves on to sends that need no such call (a roster already known, a DM) instead of
    holding a fan-out to that tier's pace (Tier 4: under two calls a second for the whole workspace)."""
    token = _owed.set(True)
    try:
        yield
    finally:
        _owed.reset(token)


class AnyServerErrorRetryHandler(RetryHandler):
    """slack-sdk's ServerErrorRetryHandler covers 500 and 503 only; Slack's edge also answers 502/504."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and 500 <= response.status_code < 600


class CallCounter(RetryHandler):
    """Counts every attempt of a Web API call by method and error, 429s and retried ones included. It never
    retries: slack-sdk asks its retry handlers in order about each answer, and this one is asked first."""

    def __init__(self, count: Callable[[str, str], None], method: str | None = None):
        super().__init__(max_retry_count=0)
        self._count, self._method = count, method

    def can_retry(self, *, state, request, response=None, error=None) -> bool:
        method = self._method or request.url.split("?", 1)[0].rsplit("/", 1)[-1]
        if response is None:
            outcome = "connection_error"
        elif response.status_code == 429:
            outcome = "ratelimited"
        elif response.status_code >= 400:
            outcome = f"http_{response.status_code}"
        else:
            body = response.body if isinstance(response.body, dict) else {}
            outcome = "ok" if body.get("ok", True) else str(body.get("error") or "unknown")
        self._count(method, outcome)
        return False


def retry_handlers(counter: CallCounter | None = None) -> list[RetryHandler]:
    return [
        *([counter] if counter else []),
        ConnectionErrorRetryHandler(max_retry_count=3),
        RateLimitErrorRetryHandler(max_retry_count=6),  # sleeps for Retry-After each time
        AnyServerErrorRetryHandler(max_retry_count=3),  # exponential back-off
    ]


@dataclass(frozen=True)
class Identity:
    team: str
    team_id: str
    user: str
    user_id: str
    bot_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    team_id: str
    is_bot: bool  # a bot user, an app's user, Slackbot, or a deactivated account: never a member


class SlackGateway:
    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        timeout: int = 15,
        pacer: Pacer | None = None,
        tiers: TierPacer | None = None,
        metrics: Metrics | None = None,
    ):
        self.metrics = metrics or Metrics()
        counter = CallCounter(self.metrics.api_call)
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers(counter))
        # Owed posts are never retried blindly: a 429 goes back to the dispatcher, and after a 5xx or a lost
        # answer the post is looked for first (see post_message).
        self._owed_client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[counter])
        self._timeout = timeout
        self._pacer = pacer or ChannelPacer()
        self._tiers = tiers or TierPacer()
        self._dm_channels: dict[str, str] = {}

    @property
    def timeout(self) -> int:
        return self._timeout

    @timeout.setter
    def timeout(self, seconds: int) -> None:
        self._timeout = self.client.timeout = self._owed_client.timeout = seconds

    def auth_test(self) -> Identity:
        response = self.client.auth_test()
        scopes = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes") or ""
        if isinstance(scopes, list):
            scopes = ",".join(scopes)
        return Identity(
            team=response["team"],
            team_id=response["team_id"],
            user=response["user"],
            user_id=response["user_id"],
            bot_id=response.get("bot_id", ""),
            scopes=tuple(sorted(s.strip() for s in scopes.split(",") if s.strip())),
        )

    def post_message(
        self,
        *,
        channel: str,
        text: str,
        blocks: list[dict] | None = None,
        thread_ts: str | None = None,
        send_key: str | None = None,
        maybe_sent: bool = False,
        landing_in: float = 0.0,
    ) -> str:
        """Post and return the message's ts. A user id as channel posts to the app's DM with them.

        With a `send_key` (a post the scheduler owes), the post is exactly-once and never sleeps out a limit:
        it carries the key in its metadata; when `maybe_sent` (an earlier attempt's outcome is unknown), or
        after a 5xx or a lost answer, the channel's recent history is searched for the key first and the
        message found is returned instead of posting again; a 429, or a channel already at its pace, raises
        RateLimited for the dispatcher to try again later while it serves other channels. `landing_in`: an earlier
        holder's post may still be on its way for that long (it was given back mid-call), so a look that finds
        nothing puts the send back (RateLimited) to look again then, instead of posting a second one."""
        if send_key is None:
            self._pacer.wait(channel)
            self._tiers.wait("chat.postMessage")
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
            )
            return response["ts"]
        if maybe_sent:
            found = self.find_owed_post(channel=channel, thread_ts=thread_ts, send_key=send_key)
            if found:
                return found
            if landing_in > 0:
                raise RateLimited(landing_in)
        # The workspace's tier first (waiting for it can take a while), then the channel's pace, taken right before
        # the post: a slot taken and then held through a wait would reach Slack late, and the next one on time,
        # closer together than Slack's pace allows.
        self._tiers.wait("chat.postMessage")
        wait = self._pacer.try_take(channel)
        if wait:
            self._tiers.give_back("chat.postMessage")
            raise RateLimited(wait)
        metadata = {"event_type": SEND_EVENT_TYPE, "event_payload": {"key": send_key}}
        for attempt in range(AMBIGUOUS_RETRIES + 1):
            if attempt:
                self._tiers.wait("chat.postMessage")
            try:
                response = self._owed_client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    metadata=metadata,
                )
                return response["ts"]
            except SlackApiError as exc:
                if exc.response.status_code == 429:
                    self._tiers.give_back("chat.postMessage")
                    raise RateLimited(_retry_after(exc.response.headers)) from exc
                if exc.response.status_code < 500 or attempt == AMBIGUOUS_RETRIES:
                    raise  # a refusal (or a 5xx to the last): nothing was posted, or the next attempt looks first
            except NETWORK_ERRORS:
                if attempt == AMBIGUOUS_RETRIES:
                    raise
            log.warning(
                "post %s to %s: Slack's answer was lost; looking for it before posting again", send_key, channel
            )
            found = self.find_owed_post(channel=channel, thread_ts=thread_ts, send_key=send_key)
            if found:
                return found
        raise AssertionError("unreachable")

    def find_owed_post(self, *, channel: str, thread_ts: str | None, send_key: str) -> str | None:
        """The ts of the message carrying `send_key` among the channel's (or thread's) recent messages."""
        conversation = self._dm_channel(channel) if channel[:1] in ("U", "W") else channel
        if thread_ts:
            self._tiers.wait("conversations.replies")
            response = self.client.conversations_replies(
                channel=conversation, ts=thread_ts, include_all_metadata=True, limit=200
            )
        else:
            self._tiers.wait("conversations.history")
            response = self.client.conversations_history(channel=conversation, include_all_metadata=True, limit=200)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == SEND_EVENT_TYPE
                and (metadata.get("event_payload") or {}).get("key") == send_key
            ):
                return message["ts"]
        return None

    def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = self.client.conversations_open(users=user_id)["channel"]["id"]
        return self._dm_channels[user_id]

    def update_message(self, *, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def post_ephemeral(self, *, channel: str, user: str, text: str, blocks: list[dict] | None = None) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)

    def respond(self, response_url: str, *, text: str, blocks: list[dict] | None = None) -> None:
        """An ephemeral answer through an interaction's response_url (works for external users)."""
        counter = CallCounter(self.metrics.api_call, method="response_url")
        webhook = WebhookClient(response_url, timeout=self._timeout, retry_handlers=retry_handlers(counter))
        payload: dict[str, Any] = {"text": text, "response_type": "ephemeral", "replace_original": False}
        if blocks is not None:
            payload["blocks"] = blocks
        response = webhook.send_dict(payload)
        if response.status_code == 200:  # slack-sdk asks a webhook's retry handlers about failures only
            self.metrics.api_call("response_url", "ok")
        else:
            log.warning("response_url answered %s: %s", response.status_code, response.body)

    def open_view(self, *, trigger_id: str, view: dict, push: bool = False) -> str:
        """Open a modal, or with `push` (a button pressed inside a modal) put it on top of that modal's stack, so
        closing it goes back to the one under it (Slack allows two pushes: `push_limit_reached` beyond).

        Never retried: the trigger expires 3 s after the click, so a retry after a 5xx or a 429's wait
        would only fail later (`expired_trigger_id`); the caller tells the person instead."""
        method = "views.push" if push else "views.open"
        call = self._owed_client.views_push if push else self._owed_client.views_open
        try:
            return call(trigger_id=trigger_id, view=view)["view"]["id"]
        except SlackApiError as exc:
            log.warning("%s refused: %s", method, exc.response.get("error") or exc.response.status_code)
            raise FormNotOpened(exc.response.get("error") or f"HTTP {exc.response.status_code}") from exc
        except NETWORK_ERRORS as exc:
            log.warning("%s failed: %s", method, exc)
            raise FormNotOpened("no answer") from exc

    def join_channel(self, channel: str) -> None:
        """Be in `channel` to post there: nothing when already in it, else join it (public channels only,
        `channels:join`). Slack refuses a private channel the bot was not invited to (`channel_not_found`
        or `method_not_supported_for_channel_type`) or an archived one (`is_archived`): SlackApiError.
        Asked before a form's ack, so never retried (a 429's wait could outlast the 3 seconds)."""
        facts = self._owed_client.conversations_info(channel=channel)["channel"]
        if facts.get("is_archived"):
            raise SlackApiError("archived", {"ok": False, "error": "is_archived"})
        if not facts.get("is_member", False):
            self._owed_client.conversations_join(channel=channel)

    def publish_home(self, *, user_id: str, view: dict) -> None:
        self._pacer.wait(f"home:{user_id}")  # a burst of changes republishes one person's Home at a steady pace
        self.client.views_publish(user_id=user_id, view=view)

    def dm_channel(self, user_id: str) -> str:
        """The id of the app's DM with a person (files are shared to a channel id, not a user id)."""
        return self.client.conversations_open(users=user_id)["channel"]["id"]

    def upload_file(
        self,
        *,
        channel: str,
        filename: str,
        content: bytes | IO[bytes],
        title: str,
        alt_text: str = "",
        thread_ts: str | None = None,
        initial_comment: str | None = None,
    ) -> str:
        """Slack's external upload flow: ask for an upload URL, post the bytes there, then complete the upload
        into the channel (or thread). `content` may be an open binary file: it is streamed, not read whole.
        Returns the file id."""
        length = len(content) if isinstance(content, bytes) else os.fstat(content.fileno()).st_size
        self._pacer.wait(channel)
        ticket = self.client.files_getUploadURLExternal(
            filename=filename, length=length, **({"alt_txt": alt_text[:1000]} if alt_text else {})
        )
        self._post_bytes(ticket["upload_url"], content, length)
        self.client.files_completeUploadExternal(
            files=[{"id": ticket["file_id"], "title": title}],
            channel_id=channel,
            thread_ts=thread_ts,
            initial_comment=initial_comment,
        )
        return ticket["file_id"]

    def _post_bytes(self, url: str, content: bytes | IO[bytes], length: int, attempts: int = 4) -> None:
        """The upload step is a plain HTTPS POST, outside the Web API: retried here on 5xx and connection errors."""
        for attempt in range(attempts):
            if not isinstance(content, bytes):
                content.seek(0)
            request = urllib.request.Request(
                url,
                data=content,
                method="POST",
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(length)},
            )
            try:
                with urllib.request.urlopen(request, timeout=self._timeout * 4) as response:
                    response.read()
                return
            except urllib.error.HTTPError as error:
                if error.code < 500 or attempt == attempts - 1:
                    raise SlackApiError(
                        f"upload refused (HTTP {error.code})", {"ok": False, "error": "upload_failed"}
                    ) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if attempt == attempts - 1:
                    raise
            time.sleep(min(2**attempt, 8))

    def pin(self, *, channel: str, ts: str) -> None:
        self.client.pins_add(channel=channel, timestamp=ts)

    def react(self, *, channel: str, ts: str, name: str) -> None:
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":
                raise

    def user_team(self, user_id: str) -> str:
        """The user's home team, which tells their side in a Slack Connect channel."""
        return self.user_info(user_id).team_id

    def _within_tier(self, method: str, on_behalf_of: str) -> None:
        """Wait for a slot of the method's workspace tier; in owed work, take one free now or raise RateLimited."""
        if not _owed.get():
            self._tiers.wait(method)
            return
        wait = self._tiers.try_take(method, on_behalf_of)
        if wait:
            raise RateLimited(wait, method)

    def user_info(self, user_id: str) -> "UserInfo":
        self._within_tier("users.info", user_id)
        user = self.client.users_info(user=user_id)["user"]
        return UserInfo(
            user_id=user["id"],
            team_id=user.get("team_id", ""),
            is_bot=bool(user.get("is_bot") or user.get("is_app_user") or user.get("deleted"))
            or user["id"] == "USLACKBOT",
        )

    def channel_members(self, channel: str) -> set[str]:
        """Everyone in the channel, both organisations included, across every page."""
        self._within_tier("conversations.members", channel)
        pages = self.client.conversations_members(channel=channel, limit=500)  # iterating follows next_cursor
        return {member for page in pages for member in page.get("members") or []}


def _retry_after(headers: dict) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(float(value), 1.0)
            except ValueError:
                break
    return 1.0
