"""Checks of query parameters shared by the read routes."""

from __future__ import annotations

import datetime as dt

from pulse_backend.errors import FieldInvalid

# Far enough for any dashboard, near enough to keep date arithmetic in range.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def aware(field: str, value: dt.datetime | None) -> dt.datetime | None:
    """A time bound must name its zone (a naive one is ambiguous) and be in range."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise FieldInvalid(field, "must include a time zone (e.g. 2026-01-01T00:00:00Z)")
    if not EARLIEST <= value <= LATEST:
        raise FieldInvalid(field, "must be between 2000 and 2200")
    return value
