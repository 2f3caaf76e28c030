"""Helpers for the settings, providers, ML, logs and WebSocket tests: rows
written straight into a tenant's schema (as the ETL or the operator would)
and waiting for the replica to replay them."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import Platform


def tenant_sql(platform: Platform, slug: str, sql: str, params: Any = None) -> list[Any]:
    """Runs ``sql`` in the tenant's schema as its owner role, on the primary."""
    names = TenantNames(slug)
    with platform.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(names.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(names.schema)}"))
        result = conn.execute(text(sql), params or {})
        return list(result) if result.returns_rows else []


def wait_replica(platform: Platform, timeout: float = 15.0) -> None:
    """Until the replica has replayed everything the primary has written."""
    with platform.engine.connect() as conn:
        lsn = conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
    deadline = time.monotonic() + timeout
    while True:
        with platform.replica_engine.connect() as conn:
            done = conn.execute(
                text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": lsn}
            ).scalar_one()
        if done:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"replica did not replay {lsn} in {timeout}s")
        time.sleep(0.05)


def wait_until(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Polls ``check()`` until it returns something truthy (no timing assertion:
    the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(interval)
