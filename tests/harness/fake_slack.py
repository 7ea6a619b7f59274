"""The tests' fake Slack Web API is the playground's stand-in for Slack (one piece of code)."""

from playground.slack_api import Call, FakeSlack

__all__ = ["Call", "FakeSlack"]
