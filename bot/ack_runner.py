"""How Bolt runs listeners here: acks are never starved by work, and the request thread is woken by `ack()`.

A listener runs on a thread of its own until it acks; what it does after `ack()` (posting, the unit of work,
Slack look-ups) waits for one of `WORKERS` work slots. Bolt's own runner gives both to one small pool, so a
burst whose work is slow (posts paced at about one a second per channel) held every thread and later requests
were never acknowledged. Here the number of listeners acking at once is bounded by the HTTP request threads
(each waits for its ack), the work by the slots, and work beyond them waits its turn without holding a slot.

Bolt's thread runner also checks every 10 ms whether a listener has called `ack()`; a command that acks in a
millisecond still waited for the next check. Here the request thread is woken the moment `ack()` is called."""

from __future__ import annotations

import contextvars
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Callable, Optional

from slack_bolt import App
from slack_bolt.context.ack import Ack
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

# Work after acks done at once: enough to keep Slack and the database busy, few enough that the database's
# connections (and SQLite's one writer) are not fought over by a whole burst.
WORKERS = 10
# Listener threads at most (acking, working, or waiting for a slot). Idle threads are reused.
LISTENER_THREADS = 256


class WorkSlots:
    """The bound on work done after acks; a thread takes a slot at its ack and gives it back when its
    listener returns. Waiters are served in arrival order (threading.Semaphore wakes the longest waiter)."""

    def __init__(self, workers: int = WORKERS):
        self._slots = threading.Semaphore(workers)
        self._held = threading.local()
        self._count = threading.Lock()
        self.waiting = 0  # listeners that acked and wait for a slot

    def take(self) -> None:
        """Wait for a slot, on a listener thread only (another thread would never give it back)."""
        if getattr(self._held, "listener", False) and not getattr(self._held, "slot", False):
            with self._count:
                self.waiting += 1
            self._slots.acquire()
            with self._count:
                self.waiting -= 1
            self._held.slot = True

    def enter(self) -> None:
        self._held.listener = True

    def give_back(self) -> None:
        self._held.listener = False
        if getattr(self._held, "slot", False):
            self._held.slot = False
            self._slots.release()


class WakingAck(Ack):
    """An Ack the request thread can wait on: reading `response` in that thread blocks until a listener acks
    (or the ack deadline passes), so Bolt's wait loop sees the ack at once instead of polling. A listener
    that acks answers Slack first, then waits for a work slot before going on."""

    def __init__(self, waiter: int, deadline: float, slots: WorkSlots):
        self._acked = threading.Event()
        self._waiter, self._deadline, self._slots = waiter, deadline, slots
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

    def __call__(self, *args, **kwargs) -> BoltResponse:
        answered = super().__call__(*args, **kwargs)  # the request thread returns this to Slack now
        if threading.get_ident() != self._waiter:  # an event's automatic ack is in the request thread
            self._slots.take()
        return answered


class ListenerPool(Executor):
    """Bolt's listener executor: a listener already acknowledged when it starts (an event, acked by Bolt in the
    request thread) is all work and takes a slot first; every listener gives its slot back when it returns."""

    def __init__(self, slots: WorkSlots, threads: int = LISTENER_THREADS):
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="listener")
        self._slots = slots
        self._submitting = threading.local()  # the ack of the request whose listener is being submitted

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        ack = getattr(self._submitting, "ack", None)

        def run():
            self._slots.enter()
            try:
                if ack is not None and ack.response is not None:
                    self._slots.take()
                return fn(*args, **kwargs)
            finally:
                self._slots.give_back()

        # Log lines of the listener carry what its request is about (bot.logs): run it in a copy of its context.
        return self._threads.submit(contextvars.copy_context().run, run)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait, cancel_futures=cancel_futures)


def _never(_request: BoltRequest) -> bool:
    return False


class WakingListenerRunner(ThreadListenerRunner):
    def __init__(self, *args, slots: WorkSlots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = slots
        # Requests whose listener only reads and answers in its ack run it in the request thread, as Bolt does
        # with `process_before_response`: there is nothing after the ack to hand to another thread.
        self.answered_inline: Callable[[BoltRequest], bool] = _never
        self._inline = ThreadListenerRunner(**{**kwargs, "process_before_response": True})

    def run(self, request, response, listener_name, listener, starting_time=None):
        if not self.process_before_response and not request.lazy_only and self.answered_inline(request):
            inline = self._inline  # with the handlers as they are now (`app.error` sets them after this runner)
            inline.listener_error_handler = self.listener_error_handler
            inline.listener_start_handler = self.listener_start_handler
            inline.listener_completion_handler = self.listener_completion_handler
            return inline.run(request, response, listener_name, listener, starting_time)
        if not self.process_before_response and not request.lazy_only:
            current = request.context.get("ack")
            if current is None or current.response is None:
                deadline = time.monotonic() + listener.ack_timeout
                request.context["ack"] = WakingAck(threading.get_ident(), deadline, self.slots)
        pool = self.listener_executor
        if isinstance(pool, ListenerPool):
            pool._submitting.ack = request.context.get("ack")
        try:
            return super().run(request, response, listener_name, listener, starting_time)
        finally:
            if isinstance(pool, ListenerPool):
                pool._submitting.ack = None


def wake_on_ack(app: App, workers: int = WORKERS) -> WorkSlots:
    """Swap the app's listener runner for one woken by `ack()`, whose listeners' work after ack is bounded by
    `workers` slots on a pool of their own (same error and completion handlers)."""
    runner = app.listener_runner
    slots = WorkSlots(workers)
    app._listener_runner = WakingListenerRunner(
        logger=runner.logger,
        process_before_response=runner.process_before_response,
        listener_error_handler=runner.listener_error_handler,
        listener_start_handler=runner.listener_start_handler,
        listener_completion_handler=runner.listener_completion_handler,
        listener_executor=ListenerPool(slots),
        lazy_listener_runner=runner.lazy_listener_runner,
        slots=slots,
    )
    return slots


def answer_inline(app: App, answered_inline: Callable[[BoltRequest], bool]) -> None:
    """Have requests for which `answered_inline` says so run their listener in the request thread: only for
    listeners that read, answer with their ack, and do nothing after it (the HTTP answer waits for their return)."""
    runner = app.listener_runner
    if not isinstance(runner, WakingListenerRunner):
        raise TypeError("answer_inline needs wake_on_ack's runner")
    runner.answered_inline = answered_inline
