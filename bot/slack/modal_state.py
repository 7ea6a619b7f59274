"""What a modal carries from opening to submission (`private_metadata`): one small typed model per modal,
written and read only here, so a tampered or stale value is refused in one place."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bot.errors import UserError
from bot.numbering import LARGEST_NUMBER

METADATA_LIMIT = 3000  # Slack's limit on private_metadata


class ModalState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _numbers_the_database_holds(self) -> Self:
        # Ids and indexes are the database's integers: a larger one is no row of ours (and PostgreSQL would
        # refuse to even compare with it).
        for name, value in self:
            if isinstance(value, int) and not -LARGEST_NUMBER - 1 <= value <= LARGEST_NUMBER:
                raise ValueError(f"{name} is out of range")
        return self

    def dump(self) -> str:
        encoded = self.model_dump_json()
        if len(encoded) > METADATA_LIMIT:
            raise ValueError(f"{type(self).__name__} is {len(encoded)} characters; Slack keeps {METADATA_LIMIT}")
        return encoded

    @classmethod
    def of(cls, view: dict) -> Self:
        """The state a submitted view carries back; a form that was not ours (or was altered) is refused."""
        try:
            return cls.model_validate_json(view.get("private_metadata") or "")
        except ValidationError:
            raise UserError("That form is out of date or was changed; open it again.") from None


class ChannelState(ModalState):
    """Most forms only need to know which partnership channel they were opened for."""

    channel_id: str


def channel_of_form(view: dict) -> str | None:
    """The partnership channel a form was opened for, when its state names one (for checks made before the
    form's own listener reads its typed state)."""
    try:
        return ChannelLike.model_validate_json(view.get("private_metadata") or "").channel_id
    except ValidationError:
        return None


class ChannelLike(BaseModel):
    """Any form state that carries a channel (other fields are the form's own business)."""

    model_config = ConfigDict(extra="ignore")

    channel_id: str | None = None
