"""Seed data for a tenant schema (run with ``search_path`` on that schema)."""

from __future__ import annotations

from sqlalchemy import Connection

from pulse_common.branding import apply_branding
from pulse_common.provisioning.models import SeedProfile, TenantRequest
from pulse_common.seed.defaults import seed_admin, seed_defaults
from pulse_common.seed.demo import seed_demo


def seed_tenant(conn: Connection, tenant_id: int, req: TenantRequest) -> str | None:
    """Idempotent. Returns the admin's initial password when this call set it
    (created the admin, or reset one who still must change it to
    ``req.admin_password``); never logged, shown to the caller once."""
    seed_defaults(conn, tenant_id, req.seed_profile)
    apply_branding(conn, tenant_id, req.branding)
    wanted = req.admin_password.get_secret_value() if req.admin_password else None
    password = seed_admin(conn, tenant_id, str(req.admin_email), wanted)
    if req.seed_profile is SeedProfile.demo:
        seed_demo(conn, tenant_id, seed=req.demo_seed, as_of=req.demo_as_of)
    return password
