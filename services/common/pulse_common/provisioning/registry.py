"""Reading the tenant registry (``pulse.tenants``): a tenant's id by its
slug (``require_tenant_id`` inside a caller's transaction, NotFound when
unknown), and every tenant with its state and schema revision. Separate
from the steps that write it (``ensure``, ``access``, ``migrations``): these
reads change nothing and take no lock."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, text

from pulse_common.db import connect
from pulse_common.errors import NotFound


def require_tenant_id(conn: Connection, slug: str) -> int:
    row = conn.execute(text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug}).first()
    if row is None:
        raise NotFound(f"unknown tenant {slug!r}")
    return int(row.id)


def tenant_id_of(engine: Engine, slug: str) -> int | None:
    with connect(engine) as conn:
        found = conn.execute(text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug})
        value = found.scalar()
    return None if value is None else int(value)


def list_tenants(engine: Engine) -> Sequence[dict[str, object]]:
    with connect(engine) as conn:
        rows = conn.execute(
            text(
                "SELECT id, slug, display_name, tier, state, schema_revision "
                "FROM pulse.tenants ORDER BY id"
            )
        )
        return [dict(r._mapping) for r in rows]
