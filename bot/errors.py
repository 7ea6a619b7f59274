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


class NoSide(UserError):
    """Someone of a team beyond the two companies (a third organisation in the channel, another workspace of an
    Enterprise Grid): nobody is put on a side silently, a lead says which company that team is."""

    def __init__(self, team_id: str, user_id: str):
        self.team_id = team_id
        super().__init__(
            f"<@{user_id}>'s organisation (team `{team_id}`) has no side in this partnership yet, so nothing was "
            "recorded: nobody of it takes part until a lead says which company it belongs to with "
            f"`/partner team assign {team_id} client|vendor`."
        )


class FormNotOpened(UserError):
    """Slack would not open a form (an error, a 5xx, the 3-second trigger expired): the person is told, and
    pressing again gets a fresh trigger. Never retried: a retry would come after the trigger's life."""

    def __init__(self, reason: str):
        super().__init__(
            f"I couldn't open the form (Slack said {reason}); nothing was changed. Please try again in a moment."
        )
