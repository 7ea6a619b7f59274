"""Whether Slack is called inside a write transaction (the rule: never; docs/architecture.md)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event


@contextmanager
def posts_while_writing(app) -> Iterator[list[tuple[str, bool]]]:
    """Each message the bot posts meanwhile, from any thread: (its text, whether that thread then had a write
    transaction open). A snapshot (reads only, no write lock) does not count."""
    writing = threading.local()  # the ids of the connections this thread has in a write transaction

    def open_ones() -> set:
        return writing.__dict__.setdefault("open", set())

    def began(connection):
        if not connection.get_execution_options().get("snapshot"):
            open_ones().add(id(connection))

    def ended(connection):
        open_ones().discard(id(connection))

    posted: list[tuple[str, bool]] = []
    gateway, engine = app.runtime.gateway, app.runtime.db.engine
    post_message = gateway.post_message
    wrapped = "post_message" in vars(gateway)  # already watched (by the `app` fixture): watched again, then given back

    def noting(**kwargs):
        posted.append((kwargs["text"], bool(open_ones())))
        return post_message(**kwargs)

    listeners = (("begin", began), ("commit", ended), ("rollback", ended))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    gateway.post_message = noting
    try:
        yield posted
    finally:
        if wrapped:
            gateway.post_message = post_message
        else:
            del gateway.post_message
        for name, listener in listeners:
            event.remove(engine, name, listener)
