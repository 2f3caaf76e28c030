"""Isolation is enforced by PostgreSQL: a tenant's login role reaches only its
own data, cannot change its schema's structure, and the backend role acts as
a tenant only after SET ROLE."""

from __future__ import annotations

import psycopg
import pytest

from pulse_common.tenancy import TenantNames
from tests.db.conftest import BACKEND_PASSWORD, PulseDb, TenantFactory

DENIED = psycopg.errors.InsufficientPrivilege


@pytest.fixture(scope="module")
def two_tenants(make_module_tenant: TenantFactory) -> tuple[TenantNames, TenantNames]:
    # Shared by the module: every statement below is refused, and the one
    # test with data rights deletes what it wrote.
    a, _ = make_module_tenant("iso-a")
    b, _ = make_module_tenant("iso-b")
    return TenantNames(a.slug), TenantNames(b.slug)


def _as(db: PulseDb, n: TenantNames) -> psycopg.Connection:
    return psycopg.connect(db.dsn_as(n.login_role, f"pw-{n.slug}"), autocommit=True)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM {b}.users",
        "INSERT INTO {b}.system_settings (tenant_id, key, value) VALUES (1, 'x', '1')",
        "UPDATE {b}.users SET role = 'viewer'",
        "DELETE FROM {b}.work_items",
        "SELECT * FROM pulse.tenants",
        "UPDATE pulse.tenants SET state = 'active'",
        "CREATE TABLE {b}.evil (id int)",
    ],
)
def test_tenant_cannot_reach_another_tenant_or_the_registry(
    pulse_db: PulseDb, two_tenants: tuple[TenantNames, TenantNames], statement: str
) -> None:
    a, b = two_tenants
    with _as(pulse_db, a) as conn, pytest.raises(DENIED):
        conn.execute(statement.format(b=b.schema))


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE users",
        "ALTER TABLE users ADD COLUMN evil int",
        "CREATE TABLE evil (id int)",
        "TRUNCATE users",
        "CREATE INDEX evil ON users (email)",
        "UPDATE alembic_version SET version_num = 'x'",
    ],
)
def test_tenant_cannot_change_its_own_structure(
    pulse_db: PulseDb, two_tenants: tuple[TenantNames, TenantNames], statement: str
) -> None:
    a, _ = two_tenants
    with _as(pulse_db, a) as conn, pytest.raises((DENIED, psycopg.errors.InsufficientPrivilege)):
        conn.execute(statement)


def test_tenant_has_data_rights_on_its_own_schema(
    pulse_db: PulseDb, two_tenants: tuple[TenantNames, TenantNames]
) -> None:
    a, _ = two_tenants
    with _as(pulse_db, a) as conn:
        conn.execute("INSERT INTO system_settings (tenant_id, key, value) VALUES (1, 'k', '1')")
        conn.execute("UPDATE system_settings SET value = '2' WHERE key = 'k'")
        assert conn.execute("SELECT value FROM system_settings WHERE key = 'k'").fetchone() == (2,)
        conn.execute("DELETE FROM system_settings WHERE key = 'k'")
        assert conn.execute("SELECT current_schema()").fetchone() == (a.schema,)


def test_backend_acts_as_a_tenant_only_after_set_role(
    pulse_db: PulseDb, two_tenants: tuple[TenantNames, TenantNames]
) -> None:
    a, b = two_tenants
    # autocommit: each transaction() block below is a real transaction, so
    # SET LOCAL ends with it as it does per request in the backend.
    dsn = pulse_db.dsn_as("pulse_backend", BACKEND_PASSWORD)
    with psycopg.connect(dsn, autocommit=True) as conn:
        with pytest.raises(DENIED):
            conn.execute(f"SELECT count(*) FROM {a.schema}.users")
        assert conn.execute("SELECT count(*) FROM pulse.tenants").fetchone()[0] >= 2  # type: ignore[index]
        with conn.transaction():
            conn.execute(f'SET LOCAL ROLE "{a.login_role}"')
            conn.execute(f'SET LOCAL search_path TO "{a.schema}"')
            assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)
            with pytest.raises(DENIED), conn.transaction():
                conn.execute(f"SELECT count(*) FROM {b.schema}.users")
        # SET LOCAL ended with the transaction: back to no tenant rights.
        with pytest.raises(DENIED):
            conn.execute(f"SELECT count(*) FROM {a.schema}.users")
