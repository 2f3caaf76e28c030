"""Tenant lifecycle in PostgreSQL: ensure (create or adopt), revoke, drop,
suspend, and migrate.

``ensure_tenant`` runs as named steps, each in its own transaction and each
idempotent, so that a crash between any two leaves a state the next run
completes. ``after_step`` lets tests inject exactly such a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.errors import MigrationFailed, NotFound
from pulse_common.models.control import TenantState
from pulse_common.provisioning.models import MigrationProgress, TenantProvisioned, TenantRequest
from pulse_common.provisioning.platform import BACKEND_ROLE
from pulse_common.provisioning.sql import (
    role_exists,
    schema_exists,
    set_role_password,
    terminate_sessions,
)
from pulse_common.security import generate_password
from pulse_common.seed import seed_tenant
from pulse_common.tenancy import TenantNames, quote_ident, validate_slug

log = structlog.get_logger(__name__)

STEPS = ("registry", "roles", "schema", "migrate", "seed", "activate")
# Steps that change shared catalog rows (the database's ACL, role membership)
# fail with "tuple concurrently updated" when tenants are provisioned in
# parallel; a transaction-scoped advisory lock serializes just those steps.
CATALOG_LOCK = 0x50554C5345  # "PULSE"
DATA_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def _registry(conn: Connection, req: TenantRequest) -> tuple[int, bool]:
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
        return int(tenant_id), False
    adopted = row.state == TenantState.revoked.value
    conn.execute(
        text(
            "UPDATE pulse.tenants SET display_name = :d, tier = :t, last_updated_at = now(), "
            "state = CASE WHEN state = 'revoked' THEN 'provisioning' ELSE state END, "
            "revoked_at = NULL WHERE id = :id"
        ),
        {"d": req.display_name, "t": req.tier.value, "id": row.id},
    )
    return int(row.id), adopted


def _catalog_lock(conn: Connection) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CATALOG_LOCK})


def _roles(conn: Connection, n: TenantNames, password: str | None) -> str | None:
    """Creates the owner and login roles; returns a password it generated."""
    _catalog_lock(conn)
    generated = None
    if not role_exists(conn, n.owner_role):
        conn.execute(text(f"CREATE ROLE {quote_ident(n.owner_role)} NOLOGIN"))
    login = quote_ident(n.login_role)
    if not role_exists(conn, n.login_role):
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        if password is None:
            password = generated = generate_password()
    # Re-enables a role revoked by a Retain deletion (adoption).
    conn.execute(text(f"ALTER ROLE {login} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"))
    conn.execute(text(f"ALTER ROLE {login} SET search_path = {quote_ident(n.schema)}"))
    if password is not None:
        set_role_password(conn, n.login_role, password)
    return generated


def _schema(conn: Connection, n: TenantNames, backend_role: str | None) -> None:
    _catalog_lock(conn)
    schema, owner, login = (quote_ident(x) for x in (n.schema, n.owner_role, n.login_role))
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner}"))
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
    conn.execute(text(f"GRANT CONNECT ON DATABASE {quote_ident(db)} TO {login}"))
    if backend_role and role_exists(conn, backend_role):
        conn.execute(text(f"GRANT {login} TO {quote_ident(backend_role)}"))


def _migrate(conn: Connection, n: TenantNames) -> str | None:
    revision = migrate.upgrade_tenant(conn, n.slug)
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
        tenant_id, adopted = _registry(conn, req)
    step("registry")
    with connect(engine) as conn:
        generated = _roles(conn, n, password)
    step("roles")
    with connect(engine) as conn:
        _schema(conn, n, backend_role)
    step("schema")
    with connect(engine) as conn:
        revision = _migrate(conn, n)
    step("migrate")
    with connect(engine) as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(n.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(n.schema)}"))
        admin_password = seed_tenant(conn, tenant_id, req)
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


def _require(conn: Connection, slug: str) -> int:
    row = conn.execute(text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug}).first()
    if row is None:
        raise NotFound(f"unknown tenant {slug!r}")
    return int(row.id)


def revoke_tenant(engine: Engine, slug: str, *, backend_role: str | None = BACKEND_ROLE) -> None:
    """Deletion with Retain: no one can log in as the tenant; data is kept."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_id = _require(conn, slug)
        _catalog_lock(conn)
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
    """Deletion with Delete: schema, roles and registry row go. Returns whether
    anything existed."""
    n = TenantNames(slug)
    existed = False
    with connect(engine) as conn:
        _catalog_lock(conn)
        if schema_exists(conn, n.schema):
            existed = True
            conn.execute(text(f"DROP SCHEMA {quote_ident(n.schema)} CASCADE"))
        for role in (n.login_role, n.owner_role):
            if role_exists(conn, role):
                existed = True
                terminate_sessions(conn, role)
                conn.execute(text(f"DROP OWNED BY {quote_ident(role)} CASCADE"))
                conn.execute(text(f"DROP ROLE {quote_ident(role)}"))
        deleted = conn.execute(text("DELETE FROM pulse.tenants WHERE slug = :s"), {"s": slug})
        existed = existed or deleted.rowcount > 0
    log.info("tenant dropped", tenant=slug, existed=existed)
    return existed


def set_suspended(engine: Engine, slug: str, suspended: bool) -> TenantState:
    validate_slug(slug)
    with connect(engine) as conn:
        tenant_id = _require(conn, slug)
        state = conn.execute(
            text(
                "UPDATE pulse.tenants SET last_updated_at = now(), state = CASE "
                "WHEN state IN ('revoked', 'provisioning') THEN state "
                "WHEN :s THEN 'suspended' ELSE 'active' END WHERE id = :id RETURNING state"
            ),
            {"s": suspended, "id": tenant_id},
        ).scalar_one()
    return TenantState(state)


def list_tenants(engine: Engine) -> Sequence[dict[str, object]]:
    with connect(engine) as conn:
        rows = conn.execute(
            text(
                "SELECT id, slug, display_name, tier, state, schema_revision "
                "FROM pulse.tenants ORDER BY id"
            )
        )
        return [dict(r._mapping) for r in rows]


def migrate_tenant(engine: Engine, slug: str, target: str = "tenant@head") -> str | None:
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_id = _require(conn, slug)
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
