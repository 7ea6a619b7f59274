"""What a modal carries from opening to submission (`private_metadata`): one small typed model per modal,
written and read only here, so a tampered or stale value is refused in one place."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import UserError

METADATA_LIMIT = 3000  # Slack's limit on private_metadata


class ModalState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

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
