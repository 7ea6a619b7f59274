"""A burst in one channel and a help elsewhere: how long each waits for its ack (issue 13, point 3).

    .venv/bin/python -m bench.burst [--rounds 3] [--database-url URL]

Each round sends 15 Kudos button presses and 15 kudos form submissions to one channel at once (Slack's pace of
about one post a second per channel applies to the posts they owe), and a `/partner help` in another channel
as soon as the burst's first kudos is posted. Baseline from the same run: the same help with nothing else
going on. Prints the ack round trips (request sent -> answer received), how many requests were not answered
with 200, and how long the burst's work took to finish."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.clock import SystemClock
from tests.harness.app_server import SIGNING_SECRET, AppServer
from tests.harness.fake_slack import FakeSlack
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import SlackDriver

PRESSES = SUBMISSIONS = 15
PEOPLE = {"ULEAD": "T_HOME", "UHOME2": "T_HOME", "UHOME3": "T_HOME", "UEXT1": "T_EXT", "UEXT2": "T_EXT"}


def kudos_posted(fake) -> int:
    return sum(1 for c in fake.calls_to("chat.postMessage") if str(c.args.get("text", "")).startswith(":clap:"))


def burst(slack: SlackDriver, fake) -> tuple[list, object, float]:
    people = list(PEOPLE)
    start = threading.Barrier(PRESSES + SUBMISSIONS)
    before = kudos_posted(fake)

    def press(n: int):
        start.wait()
        return slack.click("card_kudos", value="C_PARTNER", user=people[n % 5], team=PEOPLE[people[n % 5]])

    def submit(n: int):
        giver, receiver = people[n % 5], people[(n + 1) % 5]
        state = {
            "receiver": {"type": "users_select", "selected_user": receiver},
            "text": {"type": "plain_text_input", "value": f"thanks #{n}"},
        }
        start.wait()
        return slack.submit(
            "kudos_give", state, private_metadata=json.dumps({"channel_id": "C_PARTNER"}), user=giver,
            team=PEOPLE[giver],
        )  # fmt: skip

    began = time.perf_counter()
    with ThreadPoolExecutor(PRESSES + SUBMISSIONS) as pool:
        futures = [pool.submit(press, n) for n in range(PRESSES)] + [pool.submit(submit, n) for n in range(SUBMISSIONS)]
        while kudos_posted(fake) == before and time.perf_counter() - began < 30:
            time.sleep(0.005)
        help_answer = slack.command("help", channel="C_OTHER")
        answers = [f.result() for f in futures]
    while kudos_posted(fake) < before + SUBMISSIONS and time.perf_counter() - began < 120:
        time.sleep(0.01)
    return answers, help_answer, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with FakeSlack(team_id="T_HOME") as fake:
        for user, team in PEOPLE.items():
            fake.add_user(user, team)
        fake.add_user("UBOT", "T_HOME", is_bot=True)
        fake.channel_members["C_PARTNER"] = [*PEOPLE, "UBOT"]
        fake.channel_members["C_OTHER"] = ["ULEAD", "UBOT"]
        app = AppServer(database_url=url, api_url=fake.api_url, clock=SystemClock(), pace_posts=True).start()
        try:
            slack = SlackDriver(app.url, SIGNING_SECRET, fake)
            set_up_partnership(slack, fake, app)
            idle = []
            for _ in range(50):
                response = slack.command("help", channel="C_OTHER")
                assert response.status == 200, response.body
                idle.append(response.seconds * 1000)
            acks, helps, failed, work = [], [], 0, []
            for _ in range(args.rounds):
                answers, help_answer, seconds = burst(slack, fake)
                acks += [a.seconds * 1000 for a in answers]
                helps.append(help_answer.seconds * 1000)
                failed += sum(1 for a in (*answers, help_answer) if a.status != 200)
                work.append(seconds)
                time.sleep(3)  # let the channel's pace recover between rounds
            print(f"database: {app.runtime.db.engine.dialect.name}; {args.rounds} round(s) of "
                  f"{PRESSES} presses + {SUBMISSIONS} submissions + 1 help")  # fmt: skip
            print(f"burst acks:   median {statistics.median(acks):7.1f} ms  max {max(acks):7.1f} ms")
            print(f"help in burst: median {statistics.median(helps):6.1f} ms  max {max(helps):7.1f} ms")
            print(f"help, idle (baseline): median {statistics.median(idle):6.1f} ms  "
                  f"ratio {statistics.median(helps) / statistics.median(idle):.2f}x")  # fmt: skip
            print(f"not answered with 200: {failed} of {args.rounds * (PRESSES + SUBMISSIONS + 1)}")
            print(f"burst's work done after: median {statistics.median(work):.1f} s (Slack's pace: ~12 s for 15 posts)")
        finally:
            app.stop()


if __name__ == "__main__":
    main()
