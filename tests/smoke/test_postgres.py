"""PostgreSQL is a real primary with a real streaming replica."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def test_primary_write_reaches_replica_and_replica_is_read_only(fresh_database) -> None:  # type: ignore[no-untyped-def]
    primary, replica = fresh_database
    marker = uuid.uuid4().hex
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute("CREATE TABLE probe (v text)")
        conn.execute("INSERT INTO probe VALUES (%s)", (marker,))

    deadline = time.monotonic() + 30
    seen = None
    while time.monotonic() < deadline and seen is None:
        try:
            with psycopg.connect(replica, autocommit=True) as conn:
                row = conn.execute("SELECT v FROM probe").fetchone()
                seen = row[0] if row else None
        except (psycopg.errors.UndefinedTable, psycopg.OperationalError):
            pass  # the CREATE DATABASE or the table has not been replayed yet
        time.sleep(0.2)
    assert seen == marker

    with psycopg.connect(replica, autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO probe VALUES ('nope')")


def test_primary_streams_to_one_replica(primary_dsn: str) -> None:
    with psycopg.connect(primary_dsn) as conn:
        rows = conn.execute("SELECT state FROM pg_stat_replication").fetchall()
    assert rows == [("streaming",)]


def test_wrong_password_is_refused(primary_dsn: str) -> None:
    bad = primary_dsn.replace("postgres:", "postgres:wrong", 1)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad).close()
