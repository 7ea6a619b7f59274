"""The request thread is woken by ack() instead of checking for it every 10 ms (Bolt's thread runner)."""

import time

import slack_bolt.listener.thread_runner as thread_runner


def test_a_command_is_answered_without_polling_for_its_ack(slack, partnership, monkeypatch):
    polls = []

    class RecordingTime:
        def __getattr__(self, name):
            return getattr(time, name)

        def sleep(self, seconds):
            polls.append(seconds)
            time.sleep(seconds)

    monkeypatch.setattr(thread_runner, "time", RecordingTime())
    for words in ("help", "status"):
        response = slack.command(words)
        assert response.status == 200 and response.json["text"]
    assert polls == []
