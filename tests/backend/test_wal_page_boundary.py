"""A read-your-writes marker or data LSN taken just after a record that
ended on a WAL page boundary: the insert position points past the next
page's header, the replica's replayed end is the boundary itself, and the
replay check must count that as replayed (``lsn.record_end``). Without it,
every read after such a load went to the primary until more WAL followed,
which on a quiet cluster can be many seconds."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Connection, text

from pulse_backend.replica import replay_check
from pulse_common.lsn import WAL_PAGE_BYTES, record_end
from tests.backend_platform import Platform


@pytest.mark.parametrize(
    ("lsn", "end"),
    [
        ("0/3000018", "0/3000000"),  # after a page's short header (24 bytes)
        ("0/3000028", "0/3000000"),  # after a segment's long header (40)
        ("0/3000030", "0/3000030"),  # a record's end inside the page
        ("1/2018", "1/2000"),
        ("0/3001FF8", "0/3001FF8"),  # the page's last record end
        ("0/3002000", "0/3002000"),  # a boundary itself is a record's end
        ("A/0", "A/0"),
    ],
)
def test_record_end_backs_off_a_page_header_only(lsn: str, end: str) -> None:
    assert record_end(lsn) == end


def _insert_position(conn: Connection) -> tuple[int, str]:
    lsn = str(conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one())
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16), lsn


def _emit(conn: Connection, size: int) -> None:
    # Non-transactional: the record is written at once, with no commit after it.
    conn.execute(
        text("SELECT pg_logical_emit_message(false, 'pulse-test', repeat('x', :n))"), {"n": size}
    )


def _end_a_record_on_a_page_boundary(conn: Connection) -> tuple[int, int, str]:
    """Writes a record that ends exactly on a WAL page boundary: the
    boundary and the insert position right after it. Other sessions write
    WAL too, so it is tried until nothing came between."""
    overhead: int | None = None
    for _ in range(400):
        before, _ = _insert_position(conn)
        room = WAL_PAGE_BYTES - before % WAL_PAGE_BYTES
        size = 2000 if overhead is None else room - overhead
        if size < 300:  # too close to the boundary to aim: cross it first
            _emit(conn, 1000)
            continue
        _emit(conn, size)
        after, marker = _insert_position(conn)
        boundary = before + room
        if overhead is not None and after - boundary in (24, 40):
            return boundary, after, marker
        if after < boundary:  # still on the page: learn the record's overhead
            overhead = after - before - size
    raise AssertionError("could not end a record on a page boundary")


def test_a_marker_just_past_a_page_header_counts_as_replayed(platform: Platform) -> None:
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        boundary, marker, marker_text = _end_a_record_on_a_page_boundary(conn)
    # What PostgreSQL reports: the insert position is past the next page's
    # header, not at the boundary where the last record ended.
    assert marker - boundary in (24, 40), (boundary, marker)
    deadline = time.monotonic() + 30
    with platform.replica_engine.connect() as conn:
        while True:
            replayed = conn.execute(text("SELECT pg_last_wal_replay_lsn() - '0/0'")).scalar_one()
            if int(replayed) >= boundary:
                break
            assert time.monotonic() < deadline, "the replica never replayed the record"
            time.sleep(0.02)
        # Everything written before the marker is replayed (the replica may
        # be at the boundary itself, with nothing after it yet): the check says so.
        assert conn.execute(text(replay_check(marker_text))).scalar_one() is True
