"""Bolt's thread runner checks every 10 ms whether a listener has called `ack()`; a command that acks in a
millisecond still waits for the next check. Here the request thread is woken the moment `ack()` is called."""

from __future__ import annotations

import threading
import time
from typing import Optional

from slack_bolt import App
from slack_bolt.context.ack import Ack
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_bolt.response import BoltResponse


class WakingAck(Ack):
    """An Ack the request thread can wait on: reading `response` in that thread blocks until a listener
    acks (or the ack deadline passes), so Bolt's wait loop sees the ack at once instead of polling."""

    def __init__(self, waiter: int, deadline: float):
        self._acked = threading.Event()
        self._waiter, self._deadline = waiter, deadline
        super().__init__()

    @property
    def response(self) -> Optional[BoltResponse]:
        if self._response is None and threading.get_ident() == self._waiter:
            self._acked.wait(max(0.0, self._deadline - time.monotonic()))
        return self._response

    @response.setter
    def response(self, value: Optional[BoltResponse]) -> None:
        self._response = value
        if value is not None:
            self._acked.set()


class WakingListenerRunner(ThreadListenerRunner):
    def run(self, request, response, listener_name, listener, starting_time=None):
        if not self.process_before_response and not request.lazy_only:
            current = request.context.get("ack")
            if current is None or current.response is None:
                deadline = time.monotonic() + listener.ack_timeout
                request.context["ack"] = WakingAck(threading.get_ident(), deadline)
        return super().run(request, response, listener_name, listener, starting_time)


def wake_on_ack(app: App) -> None:
    """Swap the app's listener runner for one woken by `ack()` (same executor, handlers and lazy runner)."""
    runner = app.listener_runner
    app._listener_runner = WakingListenerRunner(
        logger=runner.logger,
        process_before_response=runner.process_before_response,
        listener_error_handler=runner.listener_error_handler,
        listener_start_handler=runner.listener_start_handler,
        listener_completion_handler=runner.listener_completion_handler,
        listener_executor=runner.listener_executor,
        lazy_listener_runner=runner.lazy_listener_runner,
    )
