"""A pooled PostgreSQL connection's ping, given up on when the server does not answer in time.

A server that is frozen (stopped, swapping, a dead VM whose kernel still acknowledges) never answers the ping,
and no TCP timeout fires since every byte is acknowledged: psycopg has no client-side timeout of its own. So
each ping is watched: past its deadline its socket is shut (the blocked read returns), the pool discards the
connection, and DatabaseUnavailable is raised at once rather than a reconnection tried (which would spend the
connect timeout more: past Slack's 3 s).

One watchdog thread watches every ping of the process: a thread started per ping cost every request (each
checks out a connection) a thread's start and end."""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any, Callable

from bot.errors import DatabaseUnavailable

# Not less: on a loaded host a healthy ping's thread may wait that long for its turn, and a false alarm tells
# people the database is down.
PING_TIMEOUT = 2.0


class Watchdog:
    """Calls a watch's `cut` when its deadline passes before it is ended; one daemon thread for all watches."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int]] = []  # (deadline, watch), soonest first
        self._cuts: dict[int, Callable[[], None]] = {}  # the watches not yet ended or cut
        self._ids = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, cut: Callable[[], None]) -> int:
        watch = next(self._ids)
        with self._changed:
            self._cuts[watch] = cut
            heapq.heappush(self._due, (time.monotonic() + seconds, watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-ping-watchdog", daemon=True)
                self._thread.start()
            elif self._due[0][1] == watch:
                self._changed.notify()  # sooner than what the thread sleeps until
        return watch

    def end(self, watch: int) -> bool:
        """Stop watching; False when `cut` has already been called (or is being called) for it."""
        with self._changed:
            return self._cuts.pop(watch, None) is not None

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._due and self._due[0][1] not in self._cuts:
                    heapq.heappop(self._due)  # ended in time
                if not self._due:
                    self._changed.wait()
                    continue
                deadline, watch = self._due[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                heapq.heappop(self._due)
                cut = self._cuts.pop(watch)
            cut()  # outside the lock: shutting a socket may take a moment


_watchdog = Watchdog()


def ping_within(ping: Callable[[Any], bool], seconds: float = PING_TIMEOUT) -> Callable[[Any], bool]:
    """`ping`, given up after `seconds`: the connection's socket is shut, and DatabaseUnavailable is raised."""

    def pinged(dbapi_connection) -> bool:
        watch = _watchdog.watch(seconds, lambda: _shut(dbapi_connection))
        cut = False
        try:
            answered = ping(dbapi_connection)
        except Exception:
            cut = not _watchdog.end(watch)
            if not cut:
                raise
            answered = False
        else:
            cut = not _watchdog.end(watch)  # answered, but past its deadline: the socket is being shut
        if cut:
            raise DatabaseUnavailable(f"the database did not answer within {seconds:g}s")
        return answered

    return pinged


def _shut(dbapi_connection) -> None:
    try:
        fd = dbapi_connection.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as sock:  # shutdown acts on the socket, whichever descriptor
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # already closed: the ping fails by itself
        pass
