"""Errors a person caused and can fix; handlers show them ephemerally, nothing is changed."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str, usage: str | None = None):
        super().__init__(message)
        self.message = message
        self.usage = usage


class BadInput(UserError):
    """What was typed does not fit (no such number, a past date): a command shows its usage line with it."""


class NotSetUp(UserError):
    def __init__(self):
        super().__init__(
            "This channel is not a partnership yet.", usage="/partner setup (run it in the shared channel)"
        )


class NotALead(UserError):
    def __init__(self, what: str):
        super().__init__(f"Only leads can {what}. Ask a lead (see `/partner members`).")
