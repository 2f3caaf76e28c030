"""Checks of query parameters shared by the read routes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from pydantic import AfterValidator

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


def _no_nul(value: str) -> str:
    # PostgreSQL text and jsonb cannot hold U+0000, nor can UTF-8 encode a
    # lone surrogate (JSON's "\ud800" decodes to one): refuse both here with
    # a 422 naming the field instead of failing in the database driver.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from None
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


def _json_ok(value: dict[str, Any]) -> dict[str, Any]:
    encoded = json.dumps(value)
    if "\\u0000" in encoded:
        raise ValueError("must not contain NUL characters")
    if len(encoded) > MAX_JSON_BYTES:
        raise ValueError(f"must be at most {MAX_JSON_BYTES} bytes as JSON")
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_json_ok)]
MAX_JSON_BYTES = 16_384
