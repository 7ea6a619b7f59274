"""A burst does not starve the app: 30 button presses and form submissions land in one channel at once, with
Slack's real per-channel pace on the posts they owe, and a `/partner help` arrives in another channel while
their work is still going on. Every request is answered (200), the help without waiting for the burst's
work, and every kudos is stored and posted exactly once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.models import Kudos
from tests.harness.app_server import AppServer
from tests.harness.flows import count, set_up_partnership
from tests.harness.waiting import eventually

PRESSES = SUBMISSIONS = 15
TEAMS = {"ULEAD": "T_HOME", "UHOME2": "T_HOME", "UHOME3": "T_HOME", "UEXT1": "T_EXT", "UEXT2": "T_EXT"}
GIVERS = list(TEAMS)


@pytest.fixture
def app(db_url, fake, clock):
    # Slack's own pace: about one post a second per channel after a short burst, so the burst's posts take
    # many seconds of work after their acks (the situation that used to fill the listener threads).
    server = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock, pace_posts=True).start()
    yield server
    server.stop()


def kudos_posts(fake) -> list[str]:
    return [c.args["text"] for c in fake.calls_to("chat.postMessage") if c.args.get("text", "").startswith(":clap:")]


def test_a_burst_of_presses_and_submissions_never_starves_an_unrelated_help(slack, fake, app, clock):
    set_up_partnership(slack, fake, app)
    fake.channel_members["C_OTHER"] = ["ULEAD", "UBOT"]
    clock.advance(hours=2)  # a quiet spell: the channel's roster is stale when the burst comes
    start = threading.Barrier(PRESSES + SUBMISSIONS)

    def press(n: int):
        giver = GIVERS[n % len(GIVERS)]
        start.wait()
        return slack.click("card_kudos", value="C_PARTNER", user=giver, team=TEAMS[giver])

    def submit(n: int):
        giver, receiver = GIVERS[n % len(GIVERS)], GIVERS[(n + 1) % len(GIVERS)]
        state = {
            "receiver": {"type": "users_select", "selected_user": receiver},
            "text": {"type": "plain_text_input", "value": f"thanks #{n}"},
        }
        start.wait()
        return slack.submit(
            "kudos_give", state, private_metadata=json.dumps({"channel_id": "C_PARTNER"}), user=giver, team=TEAMS[giver]
        )

    with ThreadPoolExecutor(PRESSES + SUBMISSIONS) as pool:
        burst = [pool.submit(press, n) for n in range(PRESSES)] + [pool.submit(submit, n) for n in range(SUBMISSIONS)]
        # The burst's work has begun (its first post is out): now someone elsewhere asks for help.
        eventually(lambda: kudos_posts(fake), timeout=10, what="the burst's first kudos posted")
        help_answer = slack.command("help", channel="C_OTHER")
        posted_when_help_answered = len(kudos_posts(fake))
        answers = [f.result() for f in burst]

    assert help_answer.status == 200 and "/partner help" in help_answer.shown
    # Answered while the burst's posts were still going out at Slack's pace, not after them.
    assert posted_when_help_answered < SUBMISSIONS
    assert [a.status for a in answers] == [200] * (PRESSES + SUBMISSIONS)
    assert all(a.body == "" for a in answers)  # each press and submission acknowledged plainly

    # Every action exactly once: one form per press, one stored and posted kudos per submission.
    opened = fake.wait_for("views.open", PRESSES, timeout=30)
    assert len(opened) == PRESSES
    assert len({c.args["trigger_id"] for c in opened}) == PRESSES
    eventually(lambda: len(kudos_posts(fake)) >= SUBMISSIONS, timeout=60, what="every kudos posted")
    eventually(lambda: count(app, Kudos) == SUBMISSIONS, what="every kudos stored")
    assert sorted(p.rsplit(" ", 1)[-1] for p in kudos_posts(fake)) == sorted(f"#{n}" for n in range(SUBMISSIONS))
    assert count(app, Kudos) == SUBMISSIONS
    # The stale roster was read from Slack once for the whole burst, not once per request before its ack; the help
    # needs no roster, so C_OTHER's is not read at all.
    assert [c.args["channel"] for c in fake.calls_to("conversations.members")] == ["C_PARTNER"]
