"""The watchdog behind every pooled connection's ping: one thread for all pings, a ping answered in time is
never cut, one that is not is cut exactly once (the frozen server itself: tests/test_frozen_database.py)."""

from __future__ import annotations

import threading

from bot.db_liveness import Watchdog

# A hang detector, not a timing assertion.
HANG = 10


def test_a_watch_ended_in_time_is_never_cut():
    watchdog, cuts = Watchdog(), []
    for _ in range(200):
        watch = watchdog.watch(5, lambda: cuts.append(1))
        assert watchdog.end(watch)
    assert cuts == []


def test_a_watch_past_its_deadline_is_cut_once_and_its_end_says_so():
    watchdog, cut = Watchdog(), threading.Event()
    calls = []

    def note() -> None:
        calls.append(1)
        cut.set()

    watch = watchdog.watch(0.01, note)
    assert cut.wait(HANG)
    assert not watchdog.end(watch) and calls == [1]


def test_a_sooner_deadline_is_not_kept_waiting_by_a_later_one():
    watchdog, cut = Watchdog(), threading.Event()
    late = watchdog.watch(HANG * 10, lambda: None)  # the thread sleeps toward this one
    watchdog.watch(0.01, cut.set)
    assert cut.wait(HANG), "the sooner watch waited for the later one"
    assert watchdog.end(late)


def test_every_ping_shares_one_thread():
    watchdog = Watchdog()
    before = threading.active_count()
    for _ in range(50):
        watchdog.end(watchdog.watch(5, lambda: None))
    assert threading.active_count() <= before + 1
