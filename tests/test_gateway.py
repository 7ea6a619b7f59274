"""The gateway against a fake Slack Web API over HTTP."""

import pytest

from bot.slack.gateway import RateLimited, SlackGateway, owed_work
from bot.slack.pacing import TierPacer


def test_channel_members_follows_every_page(fake):
    fake.members_page_size = 2
    fake.channel_members["C_BIG"] = [f"U{n}" for n in range(5)]
    gateway = SlackGateway(token="xoxb-test", base_url=fake.api_url)
    assert gateway.channel_members("C_BIG") == {"U0", "U1", "U2", "U3", "U4"}
    assert len(fake.calls_to("conversations.members")) == 3


def test_a_send_the_scheduler_owes_is_put_back_instead_of_sleeping_out_a_methods_tier(fake):
    """Outside owed work a call waits for its tier's slot (a person is waiting on the answer); in a scheduled
    send it raises RateLimited with the wait, so the worker serves other channels meanwhile."""
    slept: list[float] = []
    tiers = TierPacer({"conversations.members": (1, 0.6)}, sleep=slept.append)
    gateway = SlackGateway(token="xoxb-test", base_url=fake.api_url, tiers=tiers)
    fake.channel_members["C1"] = fake.channel_members["C2"] = ["U1"]
    with owed_work():
        assert gateway.channel_members("C1") == {"U1"}
        with pytest.raises(RateLimited) as limited:
            gateway.channel_members("C2")
    assert limited.value.method == "conversations.members" and 0 < limited.value.retry_after <= 0.6
    assert slept == [] and len(fake.calls_to("conversations.members")) == 1  # nothing asked, nobody held
    assert gateway.channel_members("C2") == {"U1"}  # not owed work: it waits for the slot instead
    assert 0 < slept[0] <= 0.6 and len(fake.calls_to("conversations.members")) == 2
