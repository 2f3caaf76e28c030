"""The benchmarks' wait for the streaming replica to replay what they loaded
on the primary, before they time reads on it: until it has replayed a
record committed synchronously after the load (``pulse_testworld.
replication``, the tests' wait too). A sleep instead was a guess: too short
after a large load (the first reads fell back to the primary or counted
rows the replica had not replayed yet), and a wait for the primary's WAL
insert position could hang on a tail nothing flushes
(``synchronous_commit=off``)."""

from __future__ import annotations


def wait_replayed(primary_dsn: str, replica_dsn: str, timeout: float = 300.0) -> None:
    """Until the replica at ``replica_dsn`` has replayed everything committed
    on the primary at ``primary_dsn`` before this call; the timeout (for a
    1M-row load) only bounds a hang, and its error says where replay stands."""
    from pulse_common.db import make_engine
    from pulse_testworld.replication import wait_replayed as wait

    primary = make_engine(primary_dsn, pool_size=1, application_name="pulse-bench-replay")
    replica = make_engine(replica_dsn, pool_size=1, application_name="pulse-bench-replay")
    try:
        wait(primary, replica, timeout)
    finally:
        primary.dispose()
        replica.dispose()
