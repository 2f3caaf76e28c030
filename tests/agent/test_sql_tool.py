"""The read-only SQL tool against the real replica: one SELECT over the
vetted tables runs as the tenant; writes, other schemas, catalogs, unsafe
functions, several statements and long queries are refused, and nothing
is changed by a refused query."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_backend.agent.sql_tool import SqlTimedOut, run_sql
from pulse_backend.agent.sqlguard import SqlRefused, vet_sql
from pulse_backend.state import AppClients
from pulse_common.provisioning import drop_tenant
from pulse_common.tenancy import TenantNames
from tests.agent.conftest import principal_of, seed_demo
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def clients_of(client: TestClient) -> AppClients:
    app: Any = client.app
    clients: AppClients = app.state.clients
    return clients


def test_a_select_runs_as_the_tenant_on_its_own_rows(
    client: TestClient, platform: Platform, demo: TenantInfo, make_tenant: Any
) -> None:
    expected = tenant_sql(platform, demo.slug, "SELECT count(*), max(number) FROM prs")[0]
    assert expected[0] > 0
    out = run_sql(
        clients_of(client),
        principal_of(demo),
        "SELECT count(*) AS n, max(number) AS top FROM prs;",
    )
    assert out.columns == ["n", "top"]
    assert out.rows == [[expected[0], expected[1]]]
    # Another tenant's role sees its own (empty) table, not the demo's.
    other = make_tenant()
    wait_replica(platform)  # the query reads the replica, which replays the new schema later
    info = TenantInfo(other.slug, other.tenant_id, other.admin_email, other.admin_password)
    assert run_sql(clients_of(client), principal_of(info), "SELECT count(*) FROM prs").rows == [[0]]


def test_rows_are_capped(client: TestClient, demo: TenantInfo) -> None:
    out = run_sql(clients_of(client), principal_of(demo), "SELECT id FROM prs", max_rows=3)
    assert len(out.rows) == 3 and out.truncated


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("DELETE FROM prs", "only SELECT"),
        ("UPDATE prs SET title = 'x'", "only SELECT"),
        ("INSERT INTO prs (title) VALUES ('x')", "only SELECT"),
        ("WITH gone AS (DELETE FROM prs RETURNING id) SELECT * FROM gone", "DELETE"),
        ("SELECT * INTO stolen FROM prs", "INTO"),
        ("SELECT * FROM prs FOR UPDATE", "UPDATE"),
        ("SELECT 1; DROP TABLE prs", "one statement"),
        ("SELECT * FROM users", "table 'users' is not allowed"),
        ("SELECT * FROM integrations", "table 'integrations' is not allowed"),
        ("SELECT * FROM pulse.tenants", "'pulse'"),
        ("SELECT * FROM pg_catalog.pg_authid", "'pg_catalog'"),
        ("SELECT * FROM information_schema.tables", "'information_schema'"),
        ("SELECT pg_read_file('/etc/passwd')", "'pg_read_file'"),
        ("SELECT dblink('x', 'y')", "function dblink() is not allowed"),
        ("SELECT set_config('role', 'x', true)", "function set_config() is not allowed"),
        ("SELECT * FROM prs -- hidden", "comments"),
        ("SELECT $$x$$", "plain"),
        ("SELECT * FROM other.prs", "other schemas"),
    ],
)
def test_the_guard_refuses(sql: str, reason: str) -> None:
    with pytest.raises(SqlRefused) as exc:
        vet_sql(sql)
    assert reason in str(exc.value)


def test_the_guard_accepts_ordinary_analytics() -> None:
    for sql in (
        "SELECT extract(epoch FROM merged_at - created) / 3600 AS hours FROM prs",
        "WITH x AS (SELECT repository_id FROM incidents) SELECT count(*) FROM x",
        "SELECT r.full_name, count(*) FROM incidents n JOIN repositories r "
        "ON r.id = n.repository_id GROUP BY 1 ORDER BY 2 DESC",
        "SELECT ':not_a_param', 10 % 3 FROM prs",
    ):
        assert vet_sql(sql)


def test_explain_catches_a_table_the_tokenizer_lets_through(
    client: TestClient, demo: TenantInfo
) -> None:
    # A comma join is not checked by the tokenizer; PostgreSQL's own plan
    # names every relation and the tool refuses the one not allowed.
    with pytest.raises(SqlRefused, match="'users' is not allowed"):
        run_sql(clients_of(client), principal_of(demo), "SELECT p.id FROM prs p, users u")


def test_another_tenants_schema_is_refused(
    client: TestClient, platform: Platform, demo: TenantInfo
) -> None:
    other = seed_demo(platform, "ag2")
    try:
        schema = TenantNames(other.slug).schema
        with pytest.raises(SqlRefused, match="other schemas"):
            run_sql(clients_of(client), principal_of(demo), f'SELECT id FROM "{schema}".prs')
    finally:
        drop_tenant(platform.engine, other.slug)


def test_a_long_query_is_stopped_and_changes_nothing(
    client: TestClient, platform: Platform, demo: TenantInfo
) -> None:
    before = tenant_sql(platform, demo.slug, "SELECT count(*) FROM prs")[0][0]
    with pytest.raises(SqlTimedOut, match="longer than 200 ms"):
        run_sql(
            clients_of(client),
            principal_of(demo),
            "SELECT count(*) FROM generate_series(1, 2000000000) AS g",
            timeout_ms=200,
        )
    assert tenant_sql(platform, demo.slug, "SELECT count(*) FROM prs")[0][0] == before
    # The refused transaction did not leave the pooled connection in the tenant's role.
    with clients_of(client).engines.replica.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == "pulse_backend"
