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

# The module, not the name: pulse_common.seed imports this package's models,
# so ``import pulse_common.seed`` first would find seed_tenant undefined yet.
from pulse_common import migrate, seed
from pulse_common.db import connect
from pulse_common.errors import Conflict, MigrationFailed, NotFound
from pulse_common.models.control import TenantState
from pulse_common.provisioning.models import MigrationProgress, TenantProvisioned, TenantRequest
from pulse_common.provisioning.platform import BACKEND_ROLE
from pulse_common.provisioning.sql import (
    role_exists,
    role_mark,
    schema_exists,
    schema_mark,
    set_role_password,
    terminate_sessions,
)
from pulse_common.security import generate_password
from pulse_common.tenancy import TenantNames, ownership_mark, quote_ident

log = structlog.get_logger(__name__)

STEPS = ("registry", "roles", "schema", "migrate", "seed", "activate")
# Statements that change shared catalog rows (the database's ACL, role
# membership) fail with "tuple concurrently updated" when tenants are
# provisioned in parallel; a transaction-scoped advisory lock serializes just
# those, taken right before them so that it is held only until the commit
# (held for whole steps, it queued every parallel reconcile behind each
# other's role and schema work: ~14 % of reconcile time at 40 tenants).
CATALOG_LOCK = 0x50554C5345  # "PULSE"
# One tenant's own roles and schema: two runs for the same tenant (operator
# and CLI, or a deletion) never interleave, while other tenants go on.
# Two-key advisory locks live apart from the one-key CATALOG_LOCK.
TENANT_LOCK_CLASS = 0x50554C53  # "PULS"
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


def _catalog_lock(conn: Connection) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CATALOG_LOCK})


def _tenant_lock(conn: Connection, slug: str) -> None:
    """Taken before ``_catalog_lock`` wherever both are held (no deadlock)."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:k, hashtext(:s))"),
        {"k": TENANT_LOCK_CLASS, "s": slug},
    )


def _claim(kind: str, name: str, mark: str | None, tenant_id: int, *, adopt: bool) -> None:
    """Refuses an object marked for another tenant id. Unmarked objects (made
    before issue 8) are adopted by ``ensure`` but never dropped."""
    expected = ownership_mark(tenant_id)
    if mark == expected or (mark is None and adopt):
        return
    raise Conflict(
        f"{kind} {name} is marked {mark or 'as nobody'!r}, not as tenant id {tenant_id}: "
        "refusing to " + ("adopt" if adopt else "drop") + " it"
    )


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
    _tenant_lock(conn, n.slug)
    _upgrade_owner_name(conn, n)
    generated = None
    mark = ownership_mark(tenant_id)
    for role in (n.owner_role, n.login_role):
        if role_exists(conn, role):
            _claim("role", role, role_mark(conn, role), tenant_id, adopt=True)
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
    _tenant_lock(conn, n.slug)
    schema, owner, login = (quote_ident(x) for x in (n.schema, n.owner_role, n.login_role))
    if schema_exists(conn, n.schema):
        _claim("schema", n.schema, schema_mark(conn, n.schema), tenant_id, adopt=True)
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
    _catalog_lock(conn)  # last: held only until this step commits
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


def _require(conn: Connection, slug: str) -> int:
    row = conn.execute(text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug}).first()
    if row is None:
        raise NotFound(f"unknown tenant {slug!r}")
    return int(row.id)


def tenant_id_of(engine: Engine, slug: str) -> int | None:
    with connect(engine) as conn:
        found = conn.execute(text("SELECT id FROM pulse.tenants WHERE slug = :s"), {"s": slug})
        value = found.scalar()
    return None if value is None else int(value)


def revoke_tenant(engine: Engine, slug: str, *, backend_role: str | None = BACKEND_ROLE) -> None:
    """Deletion with Retain: no one can log in as the tenant; data is kept."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        tenant_id = _require(conn, slug)
        _tenant_lock(conn, slug)
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
    """Deletion with Delete: schema, roles and registry row go, in one
    transaction. Each object must carry the registry id's mark (else Conflict,
    nothing dropped). Returns whether anything existed."""
    n = TenantNames(slug)
    with connect(engine) as conn:
        _tenant_lock(conn, slug)
        _catalog_lock(conn)
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
            _claim("schema", n.schema, schema_mark(conn, n.schema), tenant_id, adopt=False)
        for role in roles:
            _claim("role", role, role_mark(conn, role), tenant_id, adopt=False)
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
        tenant_id = _require(conn, slug)
        state = conn.execute(
            text(
                "UPDATE pulse.tenants SET last_updated_at = now(), state = CASE "
                "WHEN state IN ('revoked', 'provisioning') THEN state "
                "WHEN :s THEN 'suspended' ELSE 'active' END WHERE id = :id RETURNING state"
            ),
            {"s": suspended, "id": tenant_id},
        ).scalar_one()
        if state != TenantState.revoked.value and role_exists(conn, n.login_role):
            _tenant_lock(conn, slug)
            _catalog_lock(conn)
            login = quote_ident(n.login_role)
            conn.execute(text(f"ALTER ROLE {login} {'NOLOGIN' if suspended else 'LOGIN'}"))
            if suspended:
                terminate_sessions(conn, n.login_role)
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
