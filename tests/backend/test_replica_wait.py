"""The tests' wait for the replica (``tests.replication``): it waits for a
position the primary has flushed, so shipped, even when the primary's WAL
ends in records nothing flushes (``synchronous_commit=off``, no commit after
them), and a wait that times out says where replay stands."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text

from tests.backend import test_replica
from tests.backend.conftest import Platform
from tests.replication import flushed_mark, wait_replayed

paused_replay = test_replica.paused_replay  # the fixture, shared

# A record with no commit after it: the WAL writer flushes it only once its
# page is full (PostgreSQL 17 added a ``flush``
# argument for this), so right after it the insert position is past the
# flushed one. Read in the same statement: nothing runs in between.
_UNFLUSHED_TAIL = text(
    "SELECT pg_logical_emit_message(false, 'pulse-test', 'tail') > pg_current_wal_flush_lsn()"
)


def _leave_an_unflushed_tail(conn: Connection) -> None:
    # Another session's synchronous commit may flush it at once: try again.
    for _ in range(50):
        if conn.execute(_UNFLUSHED_TAIL).scalar_one():
            return
    raise AssertionError("every record was flushed at once")


def test_the_wait_is_for_a_flushed_position(platform: Platform) -> None:
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # The insert position (what the wait used to wait for) is past what
        # the primary has flushed, which is all a walsender ships...
        _leave_an_unflushed_tail(conn)
        # ...while the position the wait now waits for is, as soon as it exists.
        mark = flushed_mark(platform.engine)
        shipped = conn.execute(
            text("SELECT CAST(:m AS pg_lsn) <= pg_current_wal_flush_lsn()"), {"m": mark}
        ).scalar_one()
        assert shipped, mark
    wait_replayed(platform.engine, platform.replica_engine, timeout=30)


def test_a_wait_that_times_out_says_where_replay_stands(
    platform: Platform, paused_replay: Callable[[], None]
) -> None:
    paused_replay()
    with pytest.raises(AssertionError) as failed:
        wait_replayed(platform.engine, platform.replica_engine, timeout=0.5)
    report = str(failed.value)
    for words in ("primary insert", "flush", "walsender: streaming sent", "replica receive"):
        assert words in report, report
    assert "replay paused" in report, report
