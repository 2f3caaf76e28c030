"""Upgrading existing tenant schemas to a target revision: one tenant, or
every tenant in turn stopping at the first failure. Separate from
``ensure`` (which builds or upgrades a schema as one of its steps) because
this is the operator's and the ``pulse-db`` CLI's upgrade path for tenants
already provisioned, recording each new revision in the registry."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.errors import MigrationFailed
from pulse_common.provisioning.models import MigrationProgress
from pulse_common.provisioning.registry import require_tenant_id
from pulse_common.tenancy import TenantNames


def migrate_tenant(engine: Engine, slug: str, target: str = "tenant@head") -> str | None:
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_id = require_tenant_id(conn, slug)
        try:
            revision = migrate.upgrade_tenant(conn, n.slug, target)
        except Exception as exc:
            raise MigrationFailed(slug, str(exc).splitlines()[0]) from exc
        conn.execute(
            text(
                "UPDATE pulse.tenants SET schema_revision = :r, last_updated_at = now() "
                "WHERE id = :id"
            ),
            {"r": revision, "id": tenant_id},
        )
    return revision


def migrate_all_tenants(
    engine: Engine, *, progress: Callable[[MigrationProgress], None] | None = None
) -> list[MigrationProgress]:
    """Upgrades every tenant schema to head, one tenant (one transaction) at a
    time. Stops at the first failure: that tenant is rolled back, the ones
    before it stay migrated, the ones after it are untouched."""
    with connect(engine) as conn:
        rows = conn.execute(
            text("SELECT slug, schema_revision FROM pulse.tenants ORDER BY id")
        ).all()
    done: list[MigrationProgress] = []
    for index, row in enumerate(rows, start=1):
        to_rev = migrate_tenant(engine, row.slug)
        item = MigrationProgress(
            index=index,
            total=len(rows),
            slug=row.slug,
            from_revision=row.schema_revision,
            to_revision=to_rev,
        )
        done.append(item)
        if progress is not None:
            progress(item)
    return done
