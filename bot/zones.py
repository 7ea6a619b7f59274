"""Which timezone names are real: one rule for the settings, the setup form and the rhythms."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None. zoneinfo reads the name as a file path: besides not finding it, it
    refuses some (ValueError) and the system others (OSError: a name longer than a file name may be)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
