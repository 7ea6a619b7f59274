"""Shared pieces of form validation."""

from typing import Annotated

from pydantic import BeforeValidator


def _strip(value):
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


# Text a person typed: surrounding blanks dropped, an empty box read as "" (so min_length reports it).
Typed = Annotated[str, BeforeValidator(_strip)]
