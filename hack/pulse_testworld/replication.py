"""Waiting for the streaming replica to replay what a test or a benchmark
wrote on the primary, and saying why when it does not (``tests.backend.
support.wait_replica``, ``benchmarks/replay.py``).

The position waited for is the end of a record this helper commits with
``synchronous_commit = on``, never the primary's WAL *insert* position. The
test world runs with ``synchronous_commit=off`` and the ETL's loads set it off
too: then the insert position can point past WAL that is not flushed yet (a
non-transactional record, a prune record, a hint-bit image: nothing commits
after them, so the WAL writer only flushes their page once it is full), and
a walsender ships only flushed WAL. On a quiet cluster such a tail waits for
the background writer's next running-transactions record (every 15 s) to be
flushed: a wait for the insert position then timed out ("replica did not
replay ... in 15.0s"). A synchronous commit is flushed before it returns, and
everything before it with it, so the replica always gets there."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

from pulse_common.lsn import record_end

# Transactional: it takes a transaction id, so a commit record follows it,
# which ``synchronous_commit = on`` flushes (and everything before it) before
# the statement returns. The returned value is the end of the message
# record: once the replica has replayed that far, it has replayed everything
# committed before this call.
_MARK = text("SELECT pg_logical_emit_message(true, 'pulse-test-replay', '')::text")

_PRIMARY_REPORT = text(
    "SELECT pg_current_wal_insert_lsn()::text, pg_current_wal_flush_lsn()::text, "
    "(SELECT coalesce(string_agg(format('%s sent %s write %s flush %s replay %s', state, "
    "sent_lsn, write_lsn, flush_lsn, replay_lsn), '; '), 'no walsender') "
    "FROM pg_stat_replication)"
)
_REPLICA_REPORT = text(
    "SELECT pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text, "
    "pg_get_wal_replay_pause_state()"
)


def flushed_mark(primary: Engine) -> str:
    """Commits a small record synchronously on ``primary``: its end, which is
    flushed (so shipped) when this returns."""
    with primary.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = on"))
        return str(conn.execute(_MARK).scalar_one())


def replay_report(primary: Engine, replica: Engine) -> str:
    """Where the primary's WAL and the replica's replay stand, for a failure."""
    with primary.connect() as conn:
        insert, flush, senders = conn.execute(_PRIMARY_REPORT).one()
    with replica.connect() as conn:
        receive, replay, pause = conn.execute(_REPLICA_REPORT).one()
    return (
        f"primary insert {insert} flush {flush}; walsender: {senders}; "
        f"replica receive {receive} replay {replay}, replay {pause}"
    )


def wait_replayed(primary: Engine, replica: Engine, timeout: float = 15.0) -> None:
    """Until the replica has replayed everything committed on the primary
    before this call (the timeout only bounds a hang)."""
    target = record_end(flushed_mark(primary))
    check = text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)")
    deadline = time.monotonic() + timeout
    while True:
        with replica.connect() as conn:
            if conn.execute(check, {"lsn": target}).scalar_one():
                return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"replica did not replay {target} in {timeout}s: {replay_report(primary, replica)}"
            )
        time.sleep(0.05)
