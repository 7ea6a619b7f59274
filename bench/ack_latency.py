"""How long a slash command waits for its ack: signed HTTP requests to the real app, fake Slack behind it.

    .venv/bin/python -m bench.ack_latency [--requests 300] [--database-url URL]

Prints median and p99 of the round trip (request sent -> ack received) for `/partner help` and
`/partner status`; the round trip bounds the time from arrival to ack from above."""

from __future__ import annotations

import argparse
import statistics
import tempfile

from bot.clock import SystemClock
from tests.harness.app_server import SIGNING_SECRET, AppServer
from tests.harness.fake_slack import FakeSlack
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import SlackDriver


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with FakeSlack(team_id="T_HOME") as fake:
        fake.add_user("ULEAD", "T_HOME")
        app = AppServer(database_url=url, api_url=fake.api_url, clock=SystemClock()).start()
        try:
            slack = SlackDriver(app.url, SIGNING_SECRET, fake)
            set_up_partnership(slack, fake, app)
            for words in ("help", "status"):
                for _ in range(20):  # warm up connections and caches
                    slack.command(words)
                timings = []
                for _ in range(args.requests):
                    response = slack.command(words)
                    assert response.status == 200 and response.json.get("text"), response.body
                    timings.append(response.seconds * 1000)
                print(
                    f"/partner {words:<7} n={len(timings)}  median {statistics.median(timings):6.1f} ms  "
                    f"p99 {percentile(timings, 0.99):6.1f} ms  max {max(timings):6.1f} ms"
                )
        finally:
            app.stop()


if __name__ == "__main__":
    main()
