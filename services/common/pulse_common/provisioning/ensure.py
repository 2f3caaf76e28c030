"""Creating a tenant in PostgreSQL, or completing or adopting an existing
one: registry row, roles, schema, migrations, seed data, activation.

``ensure_tenant`` runs as named steps (``STEPS``), each in its own
transaction and each idempotent, so that a crash between any two leaves a
state the next run completes. ``after_step`` lets tests inject exactly such
a crash. Separate from the later changes to a tenant (``access``,
``migrations``, ``updates``) because only this path creates objects and
must survive being cut at every step."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, text

# The module, not the name: pulse_common.seed imports this package's models,
# so ``import pulse_common.seed`` first would find seed_tenant undefined yet.
from pulse_common import migrate, seed
from pulse_common.db import connect
from pulse_common.models.control import TenantState
from pulse_common.provisioning.guards import catalog_lock, claim, tenant_lock
from pulse_common.provisioning.models import TenantProvisioned, TenantRequest
from pulse_common.provisioning.platform import BACKEND_ROLE
from pulse_common.provisioning.sql import (
    role_exists,
    role_mark,
    schema_exists,
    schema_mark,
    set_role_password,
)
from pulse_common.security import generate_password
from pulse_common.tenancy import TenantNames, ownership_mark, quote_ident

log = structlog.get_logger(__name__)

STEPS = ("registry", "roles", "schema", "migrate", "seed", "activate")
DATA_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def _registry(conn: Connection, req: TenantRequest) -> tuple[int, bool, bool]:
    """(tenant id, adopted from a Retain deletion, suspended)."""
    row = conn.execute(
        text("SELECT id, state FROM pulse.tenants WHERE slug = :s FOR UPDATE"), {"s": req.slug}
    ).first()
    if row is None:
        tenant_id = conn.execute(
            text(
                "INSERT INTO pulse.tenants (slug, display_name, tier, state) "
                "VALUES (:s, :d, :t, 'provisioning') RETURNING id"
            ),
            {"s": req.slug, "d": req.display_name, "t": req.tier.value},
        ).scalar_one()
        return int(tenant_id), False, False
    adopted = row.state == TenantState.revoked.value
    conn.execute(
        text(
            "UPDATE pulse.tenants SET display_name = :d, tier = :t, last_updated_at = now(), "
            "state = CASE WHEN state = 'revoked' THEN 'provisioning' ELSE state END, "
            "revoked_at = NULL WHERE id = :id"
        ),
        {"d": req.display_name, "t": req.tier.value, "id": row.id},
    )
    return int(row.id), adopted, row.state == TenantState.suspended.value


def _upgrade_owner_name(conn: Connection, n: TenantNames) -> None:
    """The pre-issue-8 owner role ``tenant_<ident>_owner`` is renamed when it
    really is this tenant's owner (it owns this tenant's schema). Renaming keeps
    its OID, so ownership, grants and default privileges all carry over."""
    if role_exists(conn, n.owner_role) or not role_exists(conn, n.legacy_owner_role):
        return
    owns = conn.execute(
        text(
            "SELECT 1 FROM pg_namespace WHERE nspname = :s AND nspowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = :r)"
        ),
        {"s": n.schema, "r": n.legacy_owner_role},
    ).first()
    if owns is not None:
        old, new = quote_ident(n.legacy_owner_role), quote_ident(n.owner_role)
        conn.execute(text(f"ALTER ROLE {old} RENAME TO {new}"))
        log.info("tenant owner role renamed", tenant=n.slug, role=n.owner_role)


def _roles(
    conn: Connection, n: TenantNames, tenant_id: int, password: str | None, *, suspended: bool
) -> str | None:
    """Creates the owner and login roles; returns a password it generated. A
    suspended tenant's login role stays NOLOGIN."""
    tenant_lock(conn, n.slug)
    _upgrade_owner_name(conn, n)
    generated = None
    mark = ownership_mark(tenant_id)
    for role in (n.owner_role, n.login_role):
        if role_exists(conn, role):
            claim("role", role, role_mark(conn, role), tenant_id, adopt=True)
    if not role_exists(conn, n.owner_role):
        conn.execute(text(f"CREATE ROLE {quote_ident(n.owner_role)} NOLOGIN"))
    login = quote_ident(n.login_role)
    if not role_exists(conn, n.login_role):
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        if password is None:
            password = generated = generate_password()
    for role in (n.owner_role, n.login_role):
        conn.execute(text(f"COMMENT ON ROLE {quote_ident(role)} IS '{mark}'"))
    # Re-enables a role revoked by a Retain deletion (adoption).
    can_login = "NOLOGIN" if suspended else "LOGIN"
    conn.execute(text(f"ALTER ROLE {login} {can_login} NOSUPERUSER NOCREATEDB NOCREATEROLE"))
    conn.execute(text(f"ALTER ROLE {login} SET search_path = {quote_ident(n.schema)}"))
    if password is not None:
        set_role_password(conn, n.login_role, password)
    return generated


def _schema(conn: Connection, n: TenantNames, tenant_id: int, backend_role: str | None) -> None:
    tenant_lock(conn, n.slug)
    schema, owner, login = (quote_ident(x) for x in (n.schema, n.owner_role, n.login_role))
    if schema_exists(conn, n.schema):
        claim("schema", n.schema, schema_mark(conn, n.schema), tenant_id, adopt=True)
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner}"))
    conn.execute(text(f"COMMENT ON SCHEMA {schema} IS '{ownership_mark(tenant_id)}'"))
    conn.execute(text(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {login}"))
    for what, privileges in (("TABLES", DATA_PRIVILEGES), ("SEQUENCES", "USAGE, SELECT")):
        conn.execute(
            text(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                f"GRANT {privileges} ON {what} TO {login}"
            )
        )
    db = conn.execute(text("SELECT current_database()")).scalar_one()
    catalog_lock(conn)  # last: held only until this step commits
    # TEMPORARY: the ETL bulk-loads through session-private staging tables
    # (COPY, then INSERT ... ON CONFLICT); temp schemas are per session, so
    # this reaches no other tenant's objects.
    conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {quote_ident(db)} TO {login}"))
    if backend_role and role_exists(conn, backend_role):
        conn.execute(text(f"GRANT {login} TO {quote_ident(backend_role)}"))


def _migrate(conn: Connection, n: TenantNames) -> str | None:
    revision = migrate.build_or_upgrade_tenant(conn, n.slug)
    schema, login = quote_ident(n.schema), quote_ident(n.login_role)
    # Tables created before the default privileges existed (adopted schemas).
    conn.execute(text(f"GRANT {DATA_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {login}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {login}"))
    # The login role reads its revision but never rewrites it.
    conn.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON {schema}.alembic_version FROM {login}"))
    return revision


def ensure_tenant(
    engine: Engine,
    req: TenantRequest,
    *,
    backend_role: str | None = BACKEND_ROLE,
    after_step: Callable[[str], None] | None = None,
) -> TenantProvisioned:
    """Creates the tenant, or completes/adopts an existing one, idempotently."""
    n = TenantNames(req.slug)
    password = req.login_password.get_secret_value() if req.login_password else None
    generated: str | None = None
    admin_password: str | None = None
    revision: str | None = None

    def step(name: str) -> None:
        log.debug("tenant step done", tenant=n.slug, step=name)
        if after_step is not None:
            after_step(name)

    with connect(engine) as conn:
        tenant_id, adopted, suspended = _registry(conn, req)
    step("registry")
    with connect(engine) as conn:
        generated = _roles(conn, n, tenant_id, password, suspended=suspended)
    step("roles")
    with connect(engine) as conn:
        _schema(conn, n, tenant_id, backend_role)
    step("schema")
    with connect(engine) as conn:
        revision = _migrate(conn, n)
    step("migrate")
    with connect(engine) as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(n.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(n.schema)}"))
        admin_password = seed.seed_tenant(conn, tenant_id, req)
    step("seed")
    with connect(engine) as conn:
        state = conn.execute(
            text(
                "UPDATE pulse.tenants SET schema_revision = :r, last_updated_at = now(), "
                "state = CASE WHEN state = 'suspended' THEN 'suspended' ELSE 'active' END "
                "WHERE id = :id RETURNING state"
            ),
            {"r": revision, "id": tenant_id},
        ).scalar_one()
    step("activate")
    log.info("tenant ensured", tenant=n.slug, tenant_id=tenant_id, adopted=adopted)
    return TenantProvisioned(
        tenant_id=tenant_id,
        slug=n.slug,
        schema_name=n.schema,
        login_role=n.login_role,
        owner_role=n.owner_role,
        schema_revision=revision,
        state=TenantState(state),
        adopted=adopted,
        login_password=SecretStr(generated) if generated else None,
        admin_email=req.admin_email.lower(),
        admin_password=SecretStr(admin_password) if admin_password else None,
    )
