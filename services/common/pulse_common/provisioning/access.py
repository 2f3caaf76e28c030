"""Taking a tenant's access away: suspension (its login role NOLOGIN until
resumed), revocation (deletion with Retain: no login, data kept) and
dropping (deletion with Delete: schema, roles and registry row gone).
Separate from creation (``ensure``) because these only ever narrow what
exists, and dropping refuses anything not marked as the tenant's own."""

from __future__ import annotations

import structlog
from sqlalchemy import Engine, text

from pulse_common.db import connect
from pulse_common.errors import Conflict
from pulse_common.models.control import TenantState
from pulse_common.provisioning.guards import catalog_lock, claim, tenant_lock
from pulse_common.provisioning.platform import BACKEND_ROLE
from pulse_common.provisioning.registry import require_tenant_id
from pulse_common.provisioning.sql import (
    role_exists,
    role_mark,
    schema_exists,
    schema_mark,
    terminate_sessions,
)
from pulse_common.tenancy import TenantNames, quote_ident

log = structlog.get_logger(__name__)


def revoke_tenant(engine: Engine, slug: str, *, backend_role: str | None = BACKEND_ROLE) -> None:
    """Deletion with Retain: no one can log in as the tenant; data is kept."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_id = require_tenant_id(conn, slug)
        tenant_lock(conn, slug)
        catalog_lock(conn)
        if role_exists(conn, n.login_role):
            conn.execute(text(f"ALTER ROLE {quote_ident(n.login_role)} NOLOGIN"))
            if backend_role and role_exists(conn, backend_role):
                conn.execute(
                    text(f"REVOKE {quote_ident(n.login_role)} FROM {quote_ident(backend_role)}")
                )
            terminate_sessions(conn, n.login_role)
        conn.execute(
            text(
                "UPDATE pulse.tenants SET state = 'revoked', revoked_at = now(), "
                "last_updated_at = now() WHERE id = :id"
            ),
            {"id": tenant_id},
        )
    log.info("tenant revoked", tenant=slug)


def drop_tenant(engine: Engine, slug: str) -> bool:
    """Deletion with Delete: schema, roles and registry row go, in one
    transaction. Each object must carry the registry id's mark (else Conflict,
    nothing dropped). Returns whether anything existed."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_lock(conn, slug)
        catalog_lock(conn)
        row = conn.execute(
            text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug}
        ).first()
        schema = schema_exists(conn, n.schema)
        roles = [r for r in (n.login_role, n.owner_role) if role_exists(conn, r)]
        if row is None:
            if schema or roles:
                raise Conflict(
                    f"tenant {slug!r} is not in the registry, so no tenant id proves that "
                    f"schema {n.schema} or roles {roles} are its own: refusing to drop them"
                )
            return False
        tenant_id = int(row.id)
        if schema:
            claim("schema", n.schema, schema_mark(conn, n.schema), tenant_id, adopt=False)
        for role in roles:
            claim("role", role, role_mark(conn, role), tenant_id, adopt=False)
        if schema:
            conn.execute(text(f"DROP SCHEMA {quote_ident(n.schema)} CASCADE"))
        for role in roles:
            terminate_sessions(conn, role)
            conn.execute(text(f"DROP OWNED BY {quote_ident(role)} CASCADE"))
            conn.execute(text(f"DROP ROLE {quote_ident(role)}"))
        conn.execute(text("DELETE FROM pulse.tenants WHERE id = :id"), {"id": tenant_id})
    log.info("tenant dropped", tenant=slug, tenant_id=tenant_id)
    return True


def set_suspended(engine: Engine, slug: str, suspended: bool) -> TenantState:
    """Suspension also revokes the login role (and ends its sessions):
    ``NOLOGIN`` while suspended, ``LOGIN`` again on resumption."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_id = require_tenant_id(conn, slug)
        state = conn.execute(
            text(
                "UPDATE pulse.tenants SET last_updated_at = now(), state = CASE "
                "WHEN state IN ('revoked', 'provisioning') THEN state "
                "WHEN :s THEN 'suspended' ELSE 'active' END WHERE id = :id RETURNING state"
            ),
            {"s": suspended, "id": tenant_id},
        ).scalar_one()
        if state != TenantState.revoked.value and role_exists(conn, n.login_role):
            tenant_lock(conn, slug)
            catalog_lock(conn)
            login = quote_ident(n.login_role)
            conn.execute(text(f"ALTER ROLE {login} {'NOLOGIN' if suspended else 'LOGIN'}"))
            if suspended:
                terminate_sessions(conn, n.login_role)
    return TenantState(state)
