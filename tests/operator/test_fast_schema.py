"""A new tenant's schema built from the head script rendered once per process
(migrate.create_tenant_at_head) equals one built by ``alembic upgrade``
online, on the real PostgreSQL: the whole catalog (tables, columns, types,
defaults, constraints, indexes, triggers, functions, sequences, privileges,
owners), the rows and the recorded revision; and it then downgrades step by
step and upgrades again exactly like it. A revision that renders differently
offline than it runs online fails here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_common.tenancy import TenantNames
from tests.operator.catalog import snapshot
from tests.pulse_db import PulseDb, unique_slug


class _StopBeforeMigrate(Exception):
    pass


def _stop_after_schema(step: str) -> None:
    if step == "schema":
        raise _StopBeforeMigrate


def _request(slug: str) -> TenantRequest:
    return TenantRequest(
        slug=slug,
        display_name=f"Tenant {slug}",
        admin_email=f"admin@{slug}.example",
        login_password=f"pw-{slug}",
    )


def _empty_tenant(engine: Engine, slug: str) -> None:
    """Registry row, roles and an empty schema: provisioning up to its migrate step."""
    with pytest.raises(_StopBeforeMigrate):
        ensure_tenant(engine, _request(slug), after_step=_stop_after_schema)


def _chain_below_head() -> list[str]:
    """The tenant lineage's revisions from just below head down to base."""
    script = ScriptDirectory.from_config(Config(str(migrate.alembic_ini())))
    revision = script.get_revision("tenant@head")
    chain: list[str] = []
    while revision is not None and revision.down_revision is not None:
        assert isinstance(revision.down_revision, str), "the tenant lineage has no merges"
        chain.append(revision.down_revision)
        revision = script.get_revision(revision.down_revision)
    return [*chain, "tenant@base"]


@pytest.fixture
def two_empty_tenants(pulse_db: PulseDb) -> Iterator[tuple[str, str]]:
    fast, slow = unique_slug("fast"), unique_slug("alembic")
    for slug in (fast, slow):
        _empty_tenant(pulse_db.engine, slug)
    yield fast, slow
    for slug in (fast, slow):
        drop_tenant(pulse_db.engine, slug)


def _assert_same(engine: Engine, fast: str, slow: str) -> None:
    with connect(engine) as conn:
        built_fast, built_slow = snapshot(conn, fast), snapshot(conn, slow)
    for kind in built_slow:
        assert built_fast[kind] == built_slow[kind], kind


def test_fast_schema_equals_alembic_and_migrates_like_it(
    pulse_db: PulseDb, two_empty_tenants: tuple[str, str]
) -> None:
    fast, slow = two_empty_tenants
    engine = pulse_db.engine
    with connect(engine) as conn:
        assert migrate.schema_is_empty(conn, TenantNames(fast).schema)
        assert migrate.build_or_upgrade_tenant(conn, fast) == migrate.head("tenant")
        assert migrate.upgrade_tenant(conn, slow) == migrate.head("tenant")
    # The rest of provisioning (grants, seed, activation) on both.
    for slug in (fast, slow):
        assert ensure_tenant(engine, _request(slug)).schema_revision == migrate.head("tenant")
    _assert_same(engine, fast, slow)
    with connect(engine) as conn:
        tables = snapshot(conn, fast)["rows"]
    assert len(tables) > 20 and any(count for _, count in tables), "the seed reached the tables"

    for target in _chain_below_head():
        with connect(engine) as conn:
            migrate.downgrade_tenant(conn, fast, target)
            migrate.downgrade_tenant(conn, slow, target)
        _assert_same(engine, fast, slow)
    with connect(engine) as conn:
        assert migrate.current(conn, TenantNames(fast).schema) is None
        migrate.upgrade_tenant(conn, fast)
        migrate.upgrade_tenant(conn, slow)
    _assert_same(engine, fast, slow)


def test_a_schema_holding_anything_is_upgraded_by_alembic(
    pulse_db: PulseDb, two_empty_tenants: tuple[str, str]
) -> None:
    """The fast path is for empty schemas only: a schema at an older revision
    takes the online migrations from there (its data kept)."""
    slug, _ = two_empty_tenants
    older = _chain_below_head()[0]
    engine = pulse_db.engine
    schema = TenantNames(slug).schema
    with connect(engine) as conn:
        migrate.upgrade_tenant(conn, slug, older)
        assert not migrate.schema_is_empty(conn, schema)
        assert migrate.build_or_upgrade_tenant(conn, slug) == migrate.head("tenant")
