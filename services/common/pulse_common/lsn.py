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


# XLOG_BLCKSZ: a compile-time constant, 8192 in every packaged build; a
# WAL page opens with a header of 24 bytes, or 40 on a segment's first page.
WAL_PAGE_BYTES = 8192
_LONGEST_PAGE_HEADER = 40


def record_end(lsn: str) -> str:
    """The position a server that has replayed everything before ``lsn``
    reports as replayed (``pg_last_wal_replay_lsn()``, the end of the last
    record). They differ only just past a WAL page's header: the insert
    position (``pg_current_wal_insert_lsn()``, which the markers hold) points
    past the header when the last record ended on the page boundary, while
    the replayed end is the boundary itself, and stays there until some
    record follows, which on a quiet cluster can take a while. No record
    ends inside a header, and a record ending on the page's first bytes
    began before the page, so a replayed end at the page start means
    everything before ``lsn`` is replayed."""
    position = _position(lsn)
    offset = position % WAL_PAGE_BYTES
    if 0 < offset <= _LONGEST_PAGE_HEADER:
        position -= offset
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def newest_lsn(*values: object) -> str | None:
    """The furthest of the valid LSNs among ``values`` (None: none is one)."""
    return max(filter(None, map(lsn_of, values)), key=_position, default=None)
