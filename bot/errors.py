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


class LastLead(UserError):
    def __init__(self, user_id: str, side: str):
        super().__init__(
            f"<@{user_id}> is the {side} side's only lead, and the last lead stays: make someone else of the "
            f"{side} side a lead first.",
            usage="/partner role @user lead",
        )


class NotInChannel(UserError):
    def __init__(self, channel_id: str):
        super().__init__(
            f"Only people in <#{channel_id}> take part in this partnership: join <#{channel_id}> to take part."
        )


class Gone(UserError):
    """A button or form that points at something deleted since it was shown."""

    def __init__(self, what: str, then: str = ""):
        super().__init__(f"That {what} no longer exists{'; ' + then if then else ''}.")


class NotAPerson(UserError):
    def __init__(self, user_id: str):
        super().__init__(f"<@{user_id}> is a bot, not a person.")


class UnknownPerson(UserError):
    def __init__(self, user_id: str):
        super().__init__(f"I can't find <@{user_id}> in Slack.")


class DatabaseUnavailable(Exception):
    """The database cannot be reached (refused, cut off, timed out, shut down). Not a person's mistake: what
    they asked was not done, and is told so in one place (handlers.replies.on_unhandled); the scheduler waits
    it out. Raised by the engine itself (bot.db), so every unit of work sees the same error."""

    message = "partnerbot can't reach its database right now — nothing was changed, try again in a minute"
