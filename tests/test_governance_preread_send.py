"""The appraisal's pre-read is read, posted with no database transaction open, then recorded; the post carries its
send's key, so an answer Slack lost never makes it post twice."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import event, select

from bot.models import Appraisal
from tests.harness.waiting import eventually


class OpenTransactions:
    """Which threads have a database transaction open right now (engine begin/commit/rollback events)."""

    def __init__(self, engine) -> None:
        self.engine, self.open = engine, Counter()
        self._lock = threading.Lock()

    def _begin(self, _conn) -> None:
        with self._lock:
            self.open[threading.get_ident()] += 1

    def _end(self, _conn) -> None:
        with self._lock:
            self.open[threading.get_ident()] -= 1

    def here(self) -> int:
        with self._lock:
            return self.open[threading.get_ident()]

    def __enter__(self) -> "OpenTransactions":
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._end)
        event.listen(self.engine, "rollback", self._end)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._end)
        event.remove(self.engine, "rollback", self._end)


def preread_posts(fake) -> list[dict]:
    return [c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV" and
            not c.args.get("thread_ts") and " pre-read: " in c.args["text"]]  # fmt: skip


def test_the_pre_read_is_posted_with_no_transaction_open(slack, fake, app, partnership, monkeypatch):
    gateway = app.runtime.gateway
    post = gateway.post_message
    seen: list[tuple[str, str | None, int]] = []

    with OpenTransactions(app.runtime.db.engine) as transactions:

        def watched(**kwargs):
            seen.append((kwargs["channel"], kwargs.get("thread_ts"), transactions.here()))
            return post(**kwargs)

        monkeypatch.setattr(gateway, "post_message", watched)
        fake.reset()
        assert "The pre-read for the council meeting" in slack.command("appraisal run").text
        eventually(lambda: len(preread_posts(fake)) == 1, what="the pre-read posted")
        eventually(lambda: len(fake.calls_to("chat.postMessage")) >= 2, what="its tally posted")
    # the pre-read's post (the one message in the governance channel outside a thread): no transaction open
    assert [open_ for channel, thread, open_ in seen if channel == "C_GOV" and thread is None] == [0], seen
    with app.runtime.db.session() as session:
        appraisal = session.scalar(select(Appraisal))
        stored = [m for m in fake.history("C_GOV") if " pre-read: " in m.get("text", "")]
        assert [appraisal.preread_ts] == [m["ts"] for m in stored]
        assert appraisal.preread_channel == "C_GOV"


def test_a_pre_read_whose_answer_was_lost_is_posted_once_and_recorded(slack, fake, app, partnership):
    fake.reset()
    fake.fail_after_storing("chat.postMessage", status=500)  # posted, but Slack's answer never arrives
    assert "The pre-read for the council meeting" in slack.command("appraisal run").text
    eventually(lambda: fake.calls_to("files.completeUploadExternal"), what="the charts, once the pre-read is recorded")
    assert len(preread_posts(fake)) == 1
    stored = [m for m in fake.history("C_GOV") if " pre-read: " in m.get("text", "")]
    assert len(stored) == 1
    with app.runtime.db.session() as session:
        assert session.scalar(select(Appraisal.preread_ts)) == stored[0]["ts"]


def test_the_tally_is_posted_with_no_transaction_open_and_recorded(slack, fake, app, partnership, monkeypatch):
    gateway = app.runtime.gateway
    post = gateway.post_message
    seen: list[tuple[str, int]] = []

    with OpenTransactions(app.runtime.db.engine) as transactions:

        def watched(**kwargs):
            seen.append((kwargs["text"], transactions.here()))
            return post(**kwargs)

        monkeypatch.setattr(gateway, "post_message", watched)
        fake.reset()
        assert "The pre-read for the council meeting" in slack.command("appraisal run").text
        eventually(lambda: any("forms answered" in text for text, _ in seen), what="the tally posted")
    assert [open_ for text, open_ in seen if "forms answered" in text] == [0], seen

    def recorded() -> str | None:
        with app.runtime.db.session() as session:  # a new transaction each time: it sees the latest commit
            return session.scalar(select(Appraisal.tally_ts))

    tally_ts = eventually(recorded, what="the tally recorded")
    tallies = [m for m in fake.history("C_GOV") if "forms answered" in m.get("text", "")]
    assert [m["ts"] for m in tallies] == [tally_ts]
