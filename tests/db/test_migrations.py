"""Both lineages upgrade, downgrade and upgrade again; the models and the
migrated database agree (autogenerate finds nothing to do)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from pulse_common import migrate
from pulse_common.db import connect, make_engine
from pulse_common.models import ControlBase, TenantBase
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory


def _tables(conn: Connection, schema: str) -> set[str]:
    return set(inspect(conn).get_table_names(schema=schema)) - {"alembic_version"}


def _no_version_table(name: str | None, type_: str, parent: Any) -> bool:
    return not (type_ == "table" and name == "alembic_version")


def test_control_schema_round_trip(fresh_database: tuple[str, str]) -> None:
    engine = make_engine(fresh_database[0])
    try:
        with connect(engine) as conn:
            migrate.upgrade_control(conn)
            assert _tables(conn, "pulse") == {"tenants", "dora_market_benchmarks"}
            assert (
                conn.execute(text("SELECT count(*) FROM pulse.dora_market_benchmarks")).scalar()
                == 32
            )
            migrate.downgrade_control(conn)
            assert _tables(conn, "pulse") == set()
            assert migrate.control_revision(conn) is None
            migrate.upgrade_control(conn)
            assert migrate.control_revision(conn) == migrate.head("control")
            years = conn.execute(
                text(
                    "SELECT report_year, count(*) FROM pulse.dora_market_benchmarks "
                    "GROUP BY 1 ORDER BY 1"
                )
            ).all()
            assert [tuple(r) for r in years] == [(2023, 16), (2024, 16)]
    finally:
        engine.dispose()


def test_control_models_match_database(pulse_db: PulseDb) -> None:
    with connect(pulse_db.engine) as conn:

        def only_pulse(name: str | None, type_: str, parent: Any) -> bool:
            if type_ == "schema":
                return name == "pulse"
            return _no_version_table(name, type_, parent)

        ctx = MigrationContext.configure(
            conn, opts={"include_schemas": True, "compare_type": True, "include_name": only_pulse}
        )
        diff = compare_metadata(ctx, ControlBase.metadata)
    assert diff == []


def test_tenant_schema_round_trip_and_models_match(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("mig")
    names = TenantNames(t.slug)
    with connect(pulse_db.engine) as conn:
        full = _tables(conn, names.schema)
        assert full == set(TenantBase.metadata.tables)
        migrate.downgrade_tenant(conn, t.slug)
        assert _tables(conn, names.schema) == set()
        assert migrate.current(conn, names.schema) is None
        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        assert _tables(conn, names.schema) == full

    with connect(pulse_db.engine) as conn:
        conn.execute(text(f"SET search_path TO {quote_ident(names.schema)}"))
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _no_version_table}
        )
        diff = compare_metadata(ctx, TenantBase.metadata)
    assert diff == []


def test_a_control_revision_is_refused_on_a_tenant_schema(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("guard")
    names = TenantNames(t.slug)
    with connect(pulse_db.engine) as conn:
        migrate.downgrade_tenant(conn, t.slug)
    with (
        pytest.raises(RuntimeError, match="belongs to the 'control' lineage"),
        connect(pulse_db.engine) as conn,
    ):
        migrate.upgrade_tenant(conn, t.slug, target="control@head")
    with connect(pulse_db.engine) as conn:
        assert _tables(conn, names.schema) == set()
        assert migrate.current(conn, names.schema) is None
