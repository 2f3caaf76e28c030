"""PostgreSQL for one tenant, through the provisioning library."""

from __future__ import annotations

import psycopg
from pydantic import SecretStr
from sqlalchemy import Engine, make_url

from pulse_common import migrate
from pulse_common.provisioning import TenantProvisioned, TenantRequest, ensure_tenant
from pulse_common.tenancy import TenantNames
from pulse_operator.spec import Tenant


def request(tenant: Tenant, password: str) -> TenantRequest:
    spec = tenant.spec
    return TenantRequest(
        slug=tenant.slug,
        display_name=spec.display_name,
        tier=spec.tier,
        admin_email=spec.admin.email,
        branding=spec.branding.to_branding(),
        seed_profile=spec.seed.profile,
        login_password=SecretStr(password),
    )


def ensure(engine: Engine, tenant: Tenant, password: str) -> TenantProvisioned:
    return ensure_tenant(engine, request(tenant, password))


def in_sync(engine: Engine, slug: str, password: str) -> bool:
    """Drift check without writing: the tenant's role logs in with the Secret's
    password and its schema is at head."""
    n = TenantNames(slug)
    url = make_url(engine.url).set(
        drivername="postgresql", username=n.login_role, password=password
    )
    try:
        with psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=5) as c:
            row = c.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.Error:
        return False
    return row is not None and row[0] == migrate.head("tenant")
