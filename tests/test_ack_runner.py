"""The request thread is woken by ack() instead of checking for it every 10 ms (Bolt's thread runner)."""

import ast
import threading
import time
from pathlib import Path

import slack_bolt.listener.thread_runner as thread_runner

from bot.ack_runner import ListenerPool, WakingAck, WorkSlots
from tests.harness.waiting import eventually


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


UNITS_OF_WORK = ("session(", "read(", "asked_in(")


def acks_inside_a_unit_of_work(source: str) -> list[int]:
    """Lines where a listener calls ack() inside `with rt.db.session()` / `read()` / `asked_in(...)`."""
    found: list[int] = []

    def visit(node, inside: bool) -> None:
        if isinstance(node, ast.With):
            inside = inside or any(u in ast.unparse(i.context_expr) for i in node.items for u in UNITS_OF_WORK)
        if isinstance(node, ast.Call) and inside:
            called = ast.unparse(node.func)
            if called == "ack" or called.endswith(".ack"):
                found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def test_no_listener_acks_inside_a_unit_of_work():
    # A listener that acks waits for a work slot (bot/ack_runner.py): doing so with a transaction open would
    # hold a database connection (on SQLite, the write lock) that the slots' holders may be waiting for.
    assert acks_inside_a_unit_of_work("with rt.db.read() as s:\n    if x:\n        ack(errors=1)\n") == [3]
    offenders = {
        path.name: lines
        for path in sorted((Path(__file__).parent.parent / "handlers").glob("*.py"))
        if (lines := acks_inside_a_unit_of_work(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_listeners_answer_at_once_and_their_work_waits_for_a_slot():
    slots = WorkSlots(1)
    pool = ListenerPool(slots)
    working, release = [], threading.Event()

    def listener(name: str, ack: WakingAck):
        def run():
            ack()
            working.append(name)
            release.wait(10)

        return run

    acks = [WakingAck(threading.get_ident(), time.monotonic() + 10, slots) for _ in range(2)]
    for name, ack in zip("ab", acks, strict=True):
        pool.submit(listener(name, ack))
    assert all(ack.response is not None and ack.response.status == 200 for ack in acks)  # both answered
    eventually(lambda: working and slots.waiting == 1, what="one listener working, the other waiting")
    assert len(working) == 1
    release.set()
    eventually(lambda: len(working) == 2, what="the second listener's work after the first's")
    pool.shutdown()
