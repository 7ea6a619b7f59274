"""Whether Slack is called inside a write transaction (the rule: never; docs/architecture.md)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event


@contextmanager
def slack_calls_while_writing(app) -> Iterator[list[tuple[str, str, bool]]]:
    """Every Web API call the bot makes meanwhile, from any thread: (the method, the message's text if it has one,
    whether that thread then had a write transaction open). A snapshot (reads only, no write lock) does not
    count. Watched where every call of the gateway goes through: each Slack client's `api_call`."""
    writing = threading.local()  # the ids of the connections this thread has in a write transaction

    def open_ones() -> set:
        return writing.__dict__.setdefault("open", set())

    def began(connection):
        if not connection.get_execution_options().get("snapshot"):
            open_ones().add(id(connection))

    def ended(connection):
        open_ones().discard(id(connection))

    calls: list[tuple[str, str, bool]] = []
    gateway, engine = app.runtime.gateway, app.runtime.db.engine
    clients = {id(c): c for c in (gateway.client, gateway._owed_client)}.values()
    given_back = []
    for client in clients:
        api_call = client.api_call
        watched_before = "api_call" in vars(client)  # already watched (by the `app` fixture): given back after

        def noting(api_method, *args, _api_call=api_call, **kwargs):
            sent = kwargs.get("json") or kwargs.get("params") or kwargs.get("data") or {}
            calls.append((api_method, str(sent.get("text", "")), bool(open_ones())))
            return _api_call(api_method, *args, **kwargs)

        client.api_call = noting
        given_back.append((client, api_call, watched_before))

    listeners = (("begin", began), ("commit", ended), ("rollback", ended))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield calls
    finally:
        for client, api_call, watched_before in given_back:
            if watched_before:
                client.api_call = api_call
            else:
                del client.api_call
        for name, listener in listeners:
            event.remove(engine, name, listener)
