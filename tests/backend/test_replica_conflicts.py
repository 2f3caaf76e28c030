"""A read the real replica cancels ("canceling statement due to conflict
with recovery", SQLSTATE 40001) is answered once more on the primary when
nothing was sent yet, else a 503 ``replica_conflict`` with Retry-After:
never a 500, and logged without the statement.

The conflict is the real one: a read on the replica holds its lock on the
tenant's ``users`` while the primary takes an ACCESS EXCLUSIVE lock on it;
replaying that lock waits ``max_standby_streaming_delay`` (set small on the
replica for the test), then cancels the read. The route is the test's own
(mounted on the app, beside the real ones) so that its read is still
running when the lock comes: a real route's read is over in milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import TextClause, text

from pulse_backend.db import ReadConn
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import Platform, Session
from tests.backend.support import wait_replica
from tests.backend.test_replica import labelled_counter

T = TypeVar("T")

# On the replica only: a statement that runs until the replica cancels it,
# after one that took the lock on ``users`` the replayed lock conflicts with.
_SLEEP = "SELECT pg_sleep(120) WHERE pg_is_in_recovery()"


def _held_read(conn: ReadConn) -> dict[str, Any]:
    conn.execute(text("SELECT count(*) FROM users"))
    conn.execute(text(_SLEEP))
    return {"on_replica": bool(conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one())}


def _mount(client: TestClient) -> None:
    app: Any = client.app
    if any(getattr(r, "path", None) == "/test/held-read" for r in app.router.routes):
        return
    retried = APIRouter(route_class=RetriedOnPrimary)
    retried.add_api_route("/test/held-read", _held_read)
    plain = APIRouter()  # a route that cannot be answered again: the 503
    plain.add_api_route("/test/held-read-once", _held_read)
    app.include_router(retried)
    app.include_router(plain)


@pytest.fixture
def quick_conflicts(platform: Platform) -> Iterator[None]:
    """The replica cancels a conflicting read after 50 ms instead of 30 s."""

    def configure(statement: str, expected: str) -> None:
        with platform.replica_engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            conn.execute(text(statement))
            conn.execute(text("SELECT pg_reload_conf()"))
        deadline = time.monotonic() + 30
        while True:  # a reload is a signal: every process rereads in its own time
            with platform.replica_engine.connect() as conn:
                now = conn.execute(text("SHOW max_standby_streaming_delay")).scalar_one()
            if now == expected:
                return
            assert time.monotonic() < deadline, now
            time.sleep(0.05)

    configure("ALTER SYSTEM SET max_standby_streaming_delay = '50ms'", "50ms")
    try:
        yield
    finally:
        configure("ALTER SYSTEM RESET max_standby_streaming_delay", "30s")


def _conflicts(client: TestClient) -> dict[str, float]:
    return labelled_counter(client, "pulse_replica_conflicts_total", "outcome")


def during_a_replayed_lock(
    platform: Platform,
    table: str,
    read: Callable[[], T],
    running: TextClause,
    params: dict[str, Any],
    *then: str,
) -> T:
    """``read()``'s answer (or error), with ``table`` locked ACCESS EXCLUSIVE
    on the primary (and ``then`` run in the same transaction) once the read
    runs on the replica: once ``running`` (a count from the replica's
    pg_stat_activity, with ``params``) is not 0."""
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(read)
        deadline = time.monotonic() + 60
        while not answer.done():
            with platform.replica_engine.connect() as conn:
                if conn.execute(running, params).scalar_one():
                    break
            assert time.monotonic() < deadline, "the read never reached the replica"
            time.sleep(0.05)
        with platform.engine.begin() as conn:
            # Committed synchronously: flushed, so shipped and replayed now.
            conn.execute(text("SET LOCAL synchronous_commit = on"))
            conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            for statement in then:
                conn.execute(text(statement))
        return answer.result(timeout=120)


def _read_during_a_replayed_lock(
    client: TestClient, platform: Platform, admin: Session, path: str
) -> Any:
    """``path``'s answer, requested while the primary locks ``users``."""
    table = f"{quote_ident(TenantNames(admin.tenant.slug).schema)}.users"
    wait_replica(platform)  # the tenant's login, so the read goes to the replica
    running = text("SELECT count(*) FROM pg_stat_activity WHERE query = :q")
    return during_a_replayed_lock(
        platform, table, lambda: client.get(path, headers=admin.headers), running, {"q": _SLEEP}
    )


def test_a_cancelled_read_is_answered_on_the_primary(
    client: TestClient, platform: Platform, admin: Session, quick_conflicts: None
) -> None:
    _mount(client)
    before = _conflicts(client)
    r = _read_during_a_replayed_lock(client, platform, admin, "/test/held-read")
    assert r.status_code == 200, r.text
    assert r.json() == {"on_replica": False}
    after = _conflicts(client)
    assert after.get("retried_on_primary", 0) == before.get("retried_on_primary", 0) + 1
    assert after.get("unavailable", 0) == before.get("unavailable", 0)


def test_a_cancelled_read_that_cannot_be_retried_is_a_503(
    client: TestClient,
    platform: Platform,
    admin: Session,
    quick_conflicts: None,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _mount(client)
    before = _conflicts(client)
    r = _read_during_a_replayed_lock(client, platform, admin, "/test/held-read-once")
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "replica_conflict"
    assert r.headers["Retry-After"] == "1"
    assert "retry" in r.json()["detail"]
    after = _conflicts(client)
    assert after.get("unavailable", 0) == before.get("unavailable", 0) + 1
    logs = capfd.readouterr().err
    assert "read cancelled by the replica's recovery" in logs
    assert "40001" in logs
    # The statement (and so any of its parameters) is never logged.
    assert "pg_sleep" not in logs and "count(" not in logs
