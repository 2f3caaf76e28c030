"""Tenant migration 1bf4516e15f1: ``dora_metric_insights.scope`` and
``scope_key``, the filters an insight was computed for. The upgrade gives the
rows already there the unfiltered UTC scope and its key (what the previous
release's unfiltered post computed) and deletes none; the downgrade drops
both columns and the index and keeps the rows."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from pulse_common import migrate
from pulse_common.analytics.scope import Scope
from pulse_common.db import connect
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "7ecefeac0689"
TABLE = "dora_metric_insights"
INDEX = "ix_dora_metric_insights_scope_key_period_end_period_start"
MIGRATION = next(
    (Path(__file__).parents[2] / "migrations" / "versions" / "tenant").glob("*_1bf4516e15f1_*.py")
)
START = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)

pytestmark = pytest.mark.postgres


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("insight_scopes", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns(conn: Connection, schema: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(TABLE, schema=schema)}


def _indexes(conn: Connection, schema: str) -> set[str | None]:
    return {i["name"] for i in inspect(conn).get_indexes(TABLE, schema=schema)}


def _add_old_row(conn: Connection, table: str, text_: str) -> None:
    """A row as the previous release wrote it (no scope)."""
    conn.execute(
        text(
            f"INSERT INTO {table} (tenant_id, metric, period_start, period_end, insight_text, "
            "generated_by) VALUES (1, 'deployment_frequency', :s, :e, :t, 'rules')"
        ),
        {"s": START, "e": END, "t": text_},
    )


def test_the_migrations_unfiltered_scope_is_the_codes() -> None:
    # The migration keeps its own copies; they must be what an unfiltered
    # UTC post computes, or the rows it fills would never be read back.
    unfiltered = Scope(start=START, end=END)
    module = _migration()
    assert unfiltered.filters() == module.UNFILTERED
    assert unfiltered.key() == module.UNFILTERED_KEY
    assert module.INDEX == INDEX


def test_insight_scopes_round_trip(pulse_db: PulseDb, make_tenant: TenantFactory) -> None:
    _, t = make_tenant("inscope")
    schema = TenantNames(t.slug).schema
    table = f"{quote_ident(schema)}.{TABLE}"
    unfiltered = Scope(start=START, end=END)
    with connect(pulse_db.engine) as conn:
        assert {"scope", "scope_key"} <= _columns(conn, schema)
        assert INDEX in _indexes(conn, schema)

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert not {"scope", "scope_key"} & _columns(conn, schema)
        assert INDEX not in _indexes(conn, schema)
        # Twice the same insight, as posting twice used to store it: kept.
        for _ in range(2):
            _add_old_row(conn, table, "Deployment frequency improved.")

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        rows = conn.execute(text(f"SELECT scope, scope_key FROM {table}")).all()
        assert [tuple(r) for r in rows] == [(unfiltered.filters(), unfiltered.key())] * 2
        assert INDEX in _indexes(conn, schema)
        # New rows name their scope: no default is left behind.
        with pytest.raises(IntegrityError), conn.begin_nested():
            _add_old_row(conn, table, "no scope")

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 2
        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
