"""What every handler and job needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.metrics import Metrics
from bot.slack.gateway import Identity, SlackGateway


@dataclass
class Runtime:
    settings: Settings
    db: Database
    gateway: SlackGateway
    clock: Clock
    metrics: Metrics = field(default_factory=Metrics)

    @cached_property
    def identity(self) -> Identity:
        """Who the bot is; its team is the installing organisation ('home' in Slack Connect)."""
        return self.gateway.auth_test()


class DueWork(Protocol):
    """What listeners need of the scheduler: perform what is owed now (e.g. `/partner rhythm run N`)."""

    def run_due(self) -> int: ...
