"""Targeted changes to an existing tenant (what an update of its spec needs
without re-running the whole of ensure_tenant)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, text

from pulse_common.branding import apply_branding
from pulse_common.db import connect
from pulse_common.errors import NotFound
from pulse_common.models.control import TenantTier
from pulse_common.provisioning.models import Branding
from pulse_common.seed.defaults import reset_initial_password
from pulse_common.tenancy import TenantNames, quote_ident


def update_registry(engine: Engine, slug: str, *, display_name: str, tier: TenantTier) -> int:
    with connect(engine) as conn:
        tenant_id = conn.execute(
            text(
                "UPDATE pulse.tenants SET display_name = :d, tier = :t, last_updated_at = now() "
                "WHERE slug = :s AND (display_name, tier) IS DISTINCT FROM (:d, :t) "
                "RETURNING id"
            ),
            {"d": display_name, "t": tier.value, "s": slug},
        ).scalar()
        if tenant_id is None:
            tenant_id = conn.execute(
                text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug}
            ).scalar()
        if tenant_id is None:
            raise NotFound(f"unknown tenant {slug!r}")
        return int(tenant_id)


def apply_tenant_branding(engine: Engine, slug: str, tenant_id: int, branding: Branding) -> None:
    with _as_owner(engine, slug) as conn:
        apply_branding(conn, tenant_id, branding)


def reset_admin_password(engine: Engine, slug: str, email: str, password: str) -> bool:
    """A new initial password for the tenant's first admin, only while they
    still must change it; returns whether it was set."""
    with _as_owner(engine, slug) as conn:
        return reset_initial_password(conn, email, password)


@contextlib.contextmanager
def _as_owner(engine: Engine, slug: str) -> Iterator[Connection]:
    """A transaction acting as the tenant's owner role, on its schema."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(n.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(n.schema)}"))
        yield conn
