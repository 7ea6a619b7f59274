"""The fake Slack must behave the way slack_sdk expects, or every e2e test built on it lies."""

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.harness.fake_slack import FakeSlack


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def client(fake):
    return WebClient(base_url=fake.api_url, token="xoxb-test")


def test_post_message_is_recorded_with_parsed_blocks_and_token(fake, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    resp = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)

    assert resp["ok"] and resp["channel"] == "C1"
    assert resp["message"]["blocks"] == blocks
    call = fake.wait_for("chat.postMessage")[0]
    assert call.token == "xoxb-test"
    assert call.args["blocks"] == blocks
    assert call.args["text"] == "hi"
    assert call.path == "/api/chat.postMessage"


def test_post_message_ts_increases_and_dm_channel(fake, client):
    first = client.chat_postMessage(channel="C1", text="a")["ts"]
    dm = client.chat_postMessage(channel="U123", text="b")
    assert float(dm["ts"]) > float(first)
    assert dm["channel"] == "DU123"


def test_auth_test_and_scopes_header(fake, client):
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT" and resp["bot_id"] == "BBOT" and resp["team_id"] == "T_HOME"
    assert resp.headers["x-oauth-scopes"] == "chat:write"


def test_form_encoded_json_fields_are_parsed(fake, client):
    client.api_call("chat.update", params={"channel": "C1", "ts": "1.2", "blocks": '[{"type": "divider"}]'})
    call = fake.calls_to("chat.update")[0]
    assert call.args == {"channel": "C1", "ts": "1.2", "blocks": [{"type": "divider"}]}
    assert call.token == "xoxb-test"


def test_users_info_from_registry_and_unknown_user(fake, client):
    fake.add_user("U1", "T_PARTNER", name="ada", tz="Europe/London")
    user = client.users_info(user="U1")["user"]
    assert user["team_id"] == "T_PARTNER" and user["name"] == "ada" and user["tz"] == "Europe/London"

    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"


def test_rate_limit_then_success_with_retry_handler(fake):
    client = WebClient(
        base_url=fake.api_url, token="xoxb-test", retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    fake.fail("chat.postMessage", 429, retry_after=0)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(fake.attempts) == 2
    assert len(fake.calls) == 1


def test_server_error_without_retry_raises(fake, client):
    fake.fail("chat.postMessage", 503)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 503
    assert fake.calls == [] and len(fake.attempts) == 1


def test_scripted_slack_error(fake, client):
    fake.error("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response["error"] == "not_in_channel"
    # the script is used up: the next call succeeds
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_delay_makes_a_short_timeout_client_fail(fake):
    client = WebClient(base_url=fake.api_url, token="xoxb-test", timeout=0.5)
    fake.delay("chat.postMessage", 2)
    with pytest.raises((TimeoutError, OSError)):  # the client gives up: a read timeout
        client.chat_postMessage(channel="C1", text="hi")
    # other requests are not blocked by the hung one
    assert client.auth_test()["ok"]


def test_wait_for_raises_when_not_reached(fake, client):
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*got 0.*auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_response_url_post_is_recorded(fake):
    url = fake.response_url()
    assert url != fake.response_url()
    resp = WebhookClient(url).send(text="done", response_type="ephemeral")
    assert resp.status_code == 200

    call = fake.wait_for("response_url")[0]
    assert call.args == {"text": "done", "response_type": "ephemeral"}
    assert call.path == url[len(fake.url) :]


def test_reset_clears_calls_and_scripts_but_keeps_users(fake, client):
    fake.add_user("U1", "T_HOME")
    client.auth_test()
    fake.error("auth.test", "invalid_auth")
    fake.reset()
    assert fake.calls == [] and fake.attempts == []
    assert client.auth_test()["ok"]
    assert client.users_info(user="U1")["ok"]


def test_limits_answer_429_with_retry_after_and_refused_calls_count_against_nothing(fake, client):
    fake.limit_per_channel(burst=2, per_second=0.001)
    fake.limit_method("chat.postMessage", burst=3, per_second=0.001)
    client.chat_postMessage(channel="C1", text="1")
    client.chat_postMessage(channel="C1", text="2")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="3")  # the channel's limit
    assert refused.value.response.status_code == 429 and int(refused.value.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel="C2", text="4")  # the refused call used none of the workspace's 3
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C3", text="5")  # the workspace's limit
    assert [m["text"] for m in fake.history("C1")] == ["1", "2"] and fake.rate_limited == 2


def test_posts_are_stored_with_metadata_and_read_back_from_history(fake, client):
    metadata = {"event_type": "partnerbot_send", "event_payload": {"key": "k1"}}
    first = client.chat_postMessage(channel="C1", text="top", metadata=metadata)["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=first)
    client.chat_postMessage(channel="U9", text="dm")
    [top] = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert top["ts"] == first and top["metadata"] == metadata
    assert "metadata" not in client.conversations_history(channel="C1")["messages"][0]
    assert [m["text"] for m in client.conversations_replies(channel="C1", ts=first)["messages"]] == ["top", "reply"]
    assert [m["text"] for m in client.conversations_history(channel="DU9")["messages"]] == ["dm"]


def test_a_post_can_be_stored_and_then_answered_500(fake, client):
    fake.fail_after_storing("chat.postMessage", 500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="kept")
    assert [m["text"] for m in fake.history("C1")] == ["kept"]
