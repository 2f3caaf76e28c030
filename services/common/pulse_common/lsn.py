"""PostgreSQL WAL positions (``pg_lsn``) as Redis holds them: the backend's
read-your-writes markers and the tenant's data LSN, which the ETL writes and
the backend puts into a statement's text. Only a value of the shape
PostgreSQL prints is ever used; anything else is treated as absent."""

from __future__ import annotations

import re

_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")


def lsn_of(value: object) -> str | None:
    """``value`` as an LSN, or None when it is missing or not one."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value if isinstance(value, str) and _LSN.fullmatch(value) else None


def _position(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def newest_lsn(*values: object) -> str | None:
    """The furthest of the valid LSNs among ``values`` (None: none is one)."""
    return max(filter(None, map(lsn_of, values)), key=_position, default=None)
