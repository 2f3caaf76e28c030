"""PostgreSQL for one tenant, through the provisioning library."""

from __future__ import annotations

import functools

import psycopg
from pydantic import SecretStr
from sqlalchemy import Engine, make_url, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.provisioning import TenantProvisioned, TenantRequest, ensure_tenant
from pulse_common.tenancy import TenantNames, ownership_mark, quote_ident
from pulse_operator.reconcile import branding
from pulse_operator.spec import Tenant


@functools.cache
def tenant_head() -> str:
    """Read once: the migrations shipped with this process do not change
    while it runs, and reading them loads every revision script (a drift
    check per tenant did so each time)."""
    return migrate.head("tenant")


def request(tenant: Tenant, password: str, admin_password: str | None = None) -> TenantRequest:
    spec = tenant.spec
    return TenantRequest(
        slug=tenant.slug,
        display_name=spec.display_name,
        tier=spec.tier,
        admin_email=spec.admin.email,
        branding=branding.effective(tenant)[0],
        seed_profile=spec.seed.profile,
        login_password=SecretStr(password),
        admin_password=SecretStr(admin_password) if admin_password else None,
    )


def ensure(
    engine: Engine, tenant: Tenant, password: str, admin_password: str | None = None
) -> TenantProvisioned:
    return ensure_tenant(engine, request(tenant, password, admin_password))


def in_sync(engine: Engine, slug: str, tenant_id: int, password: str, *, suspended: bool) -> bool:
    """Drift check without writing: the schema is at head and marked as this
    tenant's, the owner role has its current name (else a full ensure
    upgrades it), and the login role logs in with the Secret's password, or,
    when ``suspended``, cannot log in at all."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        row = conn.execute(
            text(
                "SELECT obj_description(ns.oid, 'pg_namespace') = :mark AND o.rolname = :owner, "
                "l.rolcanlogin FROM pg_namespace ns JOIN pg_roles o ON o.oid = ns.nspowner "
                "LEFT JOIN pg_roles l ON l.rolname = :login WHERE ns.nspname = :schema"
            ),
            {
                "mark": ownership_mark(tenant_id),
                "owner": n.owner_role,
                "login": n.login_role,
                "schema": n.schema,
            },
        ).first()
        if row is None or not row[0] or row[1] is None or row[1] == suspended:
            return False
        table = f"{quote_ident(n.schema)}.alembic_version"
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
            return False
        version = conn.execute(text(f"SELECT version_num FROM {table}")).scalar()
    if version != tenant_head():
        return False
    if suspended:
        return True
    url = make_url(engine.url).set(
        drivername="postgresql", username=n.login_role, password=password
    )
    try:
        with psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=5) as c:
            c.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
