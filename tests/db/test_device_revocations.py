"""Tenant migration 7ecefeac0689: ``users.device_revocations``, how many times
every device of a user was distrusted (``pulse_backend.devices``), kept with
the user so that a revocation survives a Redis outage. The upgrade gives the
users already there 0 (not null, the default of new rows too); the downgrade
drops the column and keeps the users."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "e4c7a1f9b3d2"
COLUMN = "device_revocations"

pytestmark = pytest.mark.postgres


def _has_column(conn: Connection, schema: str) -> bool:
    return COLUMN in {c["name"] for c in inspect(conn).get_columns("users", schema=schema)}


def _add_user(conn: Connection, table: str, email: str) -> None:
    conn.execute(
        text(f"INSERT INTO {table} (tenant_id, email, role) VALUES (1, :e, 'user')"),
        {"e": email},
    )


def test_device_revocations_round_trip(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    _, t = make_tenant("devrev")
    schema = TenantNames(t.slug).schema
    table = f"{quote_ident(schema)}.users"
    with connect(pulse_db.engine) as conn:
        assert _has_column(conn, schema)
        _add_user(conn, table, "revoked@x.example")
        conn.execute(text(f"UPDATE {table} SET {COLUMN} = 2 WHERE email = 'revoked@x.example'"))

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert not _has_column(conn, schema)
        _add_user(conn, table, "older@x.example")  # written by the previous release
        emails = set(conn.execute(text(f"SELECT email FROM {table}")).scalars())
        assert {"revoked@x.example", "older@x.example"} <= emails

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        _add_user(conn, table, "new@x.example")
        rows = conn.execute(text(f"SELECT email, {COLUMN} FROM {table}")).all()
        counts = {email: count for email, count in rows}
        assert set(counts) == emails | {"new@x.example"}
        assert set(counts.values()) == {0}
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(f"UPDATE {table} SET {COLUMN} = NULL"))
