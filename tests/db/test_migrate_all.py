"""migrate_all_tenants over 20 tenants, and its halt on a failing tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.errors import MigrationFailed
from pulse_common.provisioning import MigrationProgress, migrate_all_tenants
from pulse_common.tenancy import TenantNames
from tests.db.conftest import PulseDb, TenantFactory


def _revisions(db: PulseDb, slugs: list[str]) -> list[str | None]:
    with connect(db.engine) as conn:
        return [migrate.current(conn, TenantNames(s).schema) for s in slugs]


@pytest.fixture(scope="module")
def provisioned(make_module_tenant: TenantFactory) -> list[str]:
    """20 tenants, provisioned once for the module (a provisioning costs seconds)."""
    return [make_module_tenant(f"all{i:02d}")[0].slug for i in range(20)]


@pytest.fixture
def twenty(pulse_db: PulseDb, provisioned: list[str]) -> list[str]:
    """The 20 tenants, each taken back to an empty schema (as before a release)."""
    with connect(pulse_db.engine) as conn:
        for slug in provisioned:
            if migrate.current(conn, TenantNames(slug).schema) is not None:
                migrate.downgrade_tenant(conn, slug)
    return provisioned


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
            # The obstacle: nothing half-migrated.
            assert set(tables) == {"users", "alembic_version"}
    finally:  # the module's tenants are shared: leave them migratable
        with connect(pulse_db.engine) as conn:
            conn.execute(text(f'DROP TABLE IF EXISTS "{bad.schema}".users'))
