"""The gateway against a fake Slack Web API over HTTP."""

from bot.slack.gateway import SlackGateway


def test_channel_members_follows_every_page(fake):
    fake.members_page_size = 2
    fake.channel_members["C_BIG"] = [f"U{n}" for n in range(5)]
    gateway = SlackGateway(token="xoxb-test", base_url=fake.api_url)
    assert gateway.channel_members("C_BIG") == {"U0", "U1", "U2", "U3", "U4"}
    assert len(fake.calls_to("conversations.members")) == 3
