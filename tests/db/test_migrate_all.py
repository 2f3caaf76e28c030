"""migrate_all_tenants over 20 tenants, and its halt on a failing tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.errors import MigrationFailed
from pulse_common.provisioning import MigrationProgress, migrate_all_tenants
from pulse_common.tenancy import TenantNames
from tests.db.conftest import PulseDb, TenantFactory, unique_slug


def _revisions(db: PulseDb, slugs: list[str]) -> list[str | None]:
    with connect(db.engine) as conn:
        return [migrate.current(conn, TenantNames(s).schema) for s in slugs]


class _Stopped(Exception):
    pass


def _stop_before_migrating(step: str) -> None:
    if step == "schema":
        raise _Stopped


@pytest.fixture(scope="module")
def registered(make_module_tenant: TenantFactory) -> list[str]:
    """20 tenants registered with their roles and an empty schema, never
    migrated: ``ensure_tenant`` stopped after its ``schema`` step, as a crash
    would leave it. (Provisioning them fully, to take each down again before
    the first test, cost more than the migrations under test.)"""
    slugs = [unique_slug(f"all{i:02d}") for i in range(20)]
    for slug in slugs:
        with pytest.raises(_Stopped):
            make_module_tenant(slug=slug, after_step=_stop_before_migrating)
    return slugs


@pytest.fixture
def twenty(pulse_db: PulseDb, registered: list[str]) -> list[str]:
    """The 20 tenants, each at an empty schema (as before a release); the
    ones an earlier test migrated are taken back down."""
    with connect(pulse_db.engine) as conn:
        for slug in registered:
            if migrate.current(conn, TenantNames(slug).schema) is not None:
                migrate.downgrade_tenant(conn, slug)
    return registered


def test_migrates_every_tenant_with_progress(pulse_db: PulseDb, twenty: list[str]) -> None:
    seen: list[MigrationProgress] = []
    done = migrate_all_tenants(pulse_db.engine, progress=seen.append)
    mine = [p for p in seen if p.slug in twenty]
    assert [p.slug for p in mine] == twenty  # in registry order, one at a time
    assert all(p.total == len(seen) == len(done) for p in mine)
    assert [p.index for p in seen] == list(range(1, len(seen) + 1))
    head = migrate.head("tenant")
    assert _revisions(pulse_db, twenty) == [head] * 20
    with connect(pulse_db.engine) as conn:
        stored = conn.execute(
            text("SELECT slug, schema_revision FROM pulse.tenants WHERE slug = ANY(:s)"),
            {"s": twenty},
        ).all()
    assert {r.schema_revision for r in stored} == {head}


def test_stops_at_the_first_failure_naming_the_tenant(pulse_db: PulseDb, twenty: list[str]) -> None:
    bad = TenantNames(twenty[7])
    with connect(pulse_db.engine) as conn:
        # A table in the way of the migration, as a hand-made change would be.
        conn.execute(text(f'SET LOCAL ROLE "{bad.owner_role}"'))
        conn.execute(text(f'CREATE TABLE "{bad.schema}".users (id int)'))
    try:
        with pytest.raises(MigrationFailed, match=f"tenant '{bad.slug}'"):
            migrate_all_tenants(pulse_db.engine)
        head = migrate.head("tenant")
        revisions = _revisions(pulse_db, twenty)
        assert revisions[:7] == [head] * 7
        assert revisions[7:] == [None] * 13  # the failing one rolled back, the rest untouched
        with connect(pulse_db.engine) as conn:
            tables = conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": bad.schema},
            ).scalars()
            # The obstacle: nothing half-migrated (alembic's version table
            # is there only if an earlier test had migrated this tenant).
            assert set(tables) - {"alembic_version"} == {"users"}
    finally:  # the module's tenants are shared: leave them migratable
        with connect(pulse_db.engine) as conn:
            conn.execute(text(f'DROP TABLE IF EXISTS "{bad.schema}".users'))
