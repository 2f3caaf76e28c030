"""The read transaction's one-round-trip opening (``tx.opened_read_transaction``):
as strict as before (the tenant's role and schema, read-only), a pooled
connection the server has closed is replaced (the replica's engine does not
ping at checkout), and every connection goes back to the pool clean
(psycopg out of autocommit, no tenant role), whatever happened in the block."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.pool import QueuePool

from pulse_backend.replica import LAG_SQL
from pulse_backend.state import AppClients
from pulse_backend.tx import opened_read_transaction, read_transaction
from pulse_common.tenancy import TenantNames
from tests.backend.conftest import TenantFactory, admin_session
from tests.backend.support import wait_replica
from tests.backend_platform import Platform

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

API = "/api/v1/analytics"
AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
RANGE = {"start": (AS_OF - dt.timedelta(days=30)).isoformat(), "end": AS_OF.isoformat()}
REPLICA_APP = "pulse-backend-replica"
WHO = text(
    "SELECT current_user, current_setting('search_path'),"
    " current_setting('transaction_read_only'), pg_is_in_recovery(), pg_backend_pid()"
)


def _clients(client: TestClient) -> AppClients:
    clients: AppClients = client.app.state.clients  # type: ignore[attr-defined]
    return clients


def _terminate_replica_backends(platform: Platform) -> int:
    """Ends every connection the app holds to the replica, as a restart or an
    administrator would; the app is not told."""
    with platform.replica_engine.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                " FROM pg_stat_activity WHERE application_name = :app"
            ),
            {"app": REPLICA_APP},
        ).scalar_one()
        conn.commit()
    return int(ended)


def _pooled_state(conn: Connection) -> tuple[Any, ...]:
    raw = conn.connection.driver_connection
    assert raw is not None
    row = conn.execute(text("SELECT current_user, current_setting('search_path')")).one()
    return (raw.autocommit, *row)


def test_the_tenant_transaction_opens_in_one_round_trip_as_strictly_as_before(
    client: TestClient, make_tenant: TenantFactory, platform: Platform, monkeypatch: Any
) -> None:
    clients = _clients(client)
    names = TenantNames(make_tenant().slug)
    wait_replica(platform)  # the new tenant's schema on the replica
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    # What the driver sends, whether SQLAlchemy or the app itself calls it.
    def seen(cur: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query) != str(LAG_SQL):  # the replica's lag, measured now and then
            statements.append(str(query))
        return execute(cur, query, *args, **kwargs)

    # A pooled connection, so that its first-connect queries are done.
    with read_transaction(clients.replica, names, None, None):
        pass
    monkeypatch.setattr(psycopg.Cursor, "execute", seen)
    with opened_read_transaction(
        clients.replica, names, None, None, "SELECT current_user, count(*) FROM users"
    ) as (conn, row):
        opened = list(statements)
        who = conn.execute(WHO).one()
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only transaction"):
            conn.execute(text("CREATE TABLE nope (x int)"))
    monkeypatch.undo()
    # The opening (run as the tenant, on the tenant's own users table) came
    # with BEGIN and the SETs, in the one statement string sent first.
    assert row is not None and row[0] == names.login_role and row[1] >= 0
    assert len(opened) == 1 and opened[0].startswith("BEGIN READ ONLY; SET LOCAL ROLE")
    assert (who[0], who[1].strip('"'), *who[2:4]) == (names.login_role, names.schema, "on", True)


def test_a_read_survives_its_pooled_connections_being_terminated(
    client: TestClient, make_tenant: TenantFactory, platform: Platform
) -> None:
    clients = _clients(client)
    tenant = make_tenant()
    names = TenantNames(tenant.slug)
    # The new tenant's tables on the replica: this test drops the session's
    # read-your-writes marker below, so nothing else waits for the replay.
    wait_replica(platform)
    with read_transaction(clients.replica, names, None, None) as conn:
        before = conn.execute(WHO).one()
    assert _terminate_replica_backends(platform) >= 1
    with read_transaction(clients.replica, names, None, None) as conn:
        after = conn.execute(WHO).one()
    # Answered by the replica, on a new connection, as the tenant.
    assert after[0] == names.login_role and after[3] is True
    assert after[4] != before[4]

    # The same through an uncached analytics request, read on the replica
    # (the session's read-your-writes marker from the password change dropped).
    s = admin_session(client, tenant)
    for key in clients.redis.scan_iter(f"{names.key_prefix}ryw:*"):
        clients.redis.delete(key)
    first = client.get(f"{API}/deployment-frequency", params=RANGE, headers=s.headers)
    assert (first.status_code, first.headers["X-Cache"]) == (200, "miss"), first.text
    assert _terminate_replica_backends(platform) >= 1
    again = client.get(
        f"{API}/deployment-frequency", params={**RANGE, "limit": 5}, headers=s.headers
    )
    assert (again.status_code, again.headers["X-Cache"]) == (200, "miss"), again.text
    assert again.json()["value"] == first.json()["value"]


def test_connections_go_back_to_the_pool_clean(
    client: TestClient, make_tenant: TenantFactory, platform: Platform
) -> None:
    clients = _clients(client)
    names = TenantNames(make_tenant().slug)
    wait_replica(platform)
    engine = clients.engines.replica
    # One connection in the pool, so that every checkout below is that one.
    engine.dispose()
    with engine.connect() as conn:
        clean = _pooled_state(conn)
        conn.rollback()
    assert clean[0] is False and clean[1] != names.login_role

    with read_transaction(clients.replica, names, None, None) as conn:
        conn.execute(text("SELECT 1 FROM users LIMIT 1")).all()
    with (
        pytest.raises(sqlalchemy.exc.DBAPIError, match="division by zero"),
        read_transaction(clients.replica, names, None, None) as conn,
    ):
        conn.execute(text("SELECT 1 / 0")).all()
    with (
        pytest.raises(RuntimeError, match="the block failed"),
        read_transaction(clients.replica, names, None, None),
    ):
        raise RuntimeError("the block failed")
    with (
        pytest.raises(sqlalchemy.exc.DBAPIError, match="does not exist"),
        opened_read_transaction(clients.replica, names, None, None, "SELECT * FROM nope"),
    ):
        pass
    pool = engine.pool
    assert isinstance(pool, QueuePool) and pool.checkedout() == 0
    with engine.connect() as conn:
        assert _pooled_state(conn) == clean
        conn.rollback()
