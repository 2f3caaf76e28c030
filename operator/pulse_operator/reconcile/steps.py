"""The backend steps of one PulseTenant's reconcile, each given the
``Run`` (its inputs and what earlier steps found) and returning what it
found, in words, for the status condition: the database (schema, registry,
suspension, branding, admin password), the cache's ACL user, the vector
collection and the workload (the namespace's children). Separate from
``tenant`` (which orders them, times them and turns their failures into
conditions) because each step is one backend's own convergence."""

from __future__ import annotations

from dataclasses import dataclass, field

from pulse_common import cache as cache_acl
from pulse_common import vector_admin
from pulse_common.errors import BackendUnavailable
from pulse_common.models.control import TenantState
from pulse_common.provisioning import (
    apply_tenant_branding,
    reset_admin_password,
    set_suspended,
    update_registry,
)
from pulse_common.tenancy import TenantNames
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import (
    branding,
    credentials,
    database,
    diff,
    integrations,
    workload,
)
from pulse_operator.reconcile.parts import ALL_PARTS, Part
from pulse_operator.reconcile.status import Check
from pulse_operator.spec import Tenant


@dataclass
class Run:
    """One reconcile's inputs and what its steps found so far."""

    clients: Clients
    cfg: OperatorConfig
    tenant: Tenant
    parts: frozenset[Part]
    drift: bool
    creds: credentials.Credentials
    tenant_id: int | None
    revision: str | None
    adopted: bool = False
    admin_issued: str | None = None  # written into Secret pulse-admin-initial
    changed: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> TenantNames:
        return TenantNames(self.tenant.slug)

    def wants(self, part: Part) -> bool:
        return self.drift or self.parts == ALL_PARTS or part in self.parts

    def require_tenant_id(self) -> int:
        if self.tenant_id is None:
            raise BackendUnavailable("postgresql", "waiting for the database step")
        return self.tenant_id


def _database_needs_ensure(run: Run) -> bool:
    spec = run.tenant.spec
    if run.tenant_id is None or run.creds.db_new:
        return True
    if run.drift:
        return not database.in_sync(
            run.clients.db,
            run.tenant.slug,
            run.tenant_id,
            run.creds.db_password,
            suspended=spec.suspended,
        )
    return Part.database in run.parts


def database_step(run: Run) -> str:
    db, slug, spec = run.clients.db, run.tenant.slug, run.tenant.spec
    colours, colours_check = branding.effective(run.tenant)
    run.checks.append(colours_check)
    done = f"schema {run.names.schema} at revision {{}}"
    if _database_needs_ensure(run):
        result = database.ensure(db, run.tenant, run.creds.db_password, run.creds.admin_password)
        run.tenant_id, run.revision, run.adopted = (
            result.tenant_id,
            result.schema_revision,
            result.adopted,
        )
        if result.admin_password is not None:
            run.admin_issued = result.admin_password.get_secret_value()
        run.changed.append("database")
        if (result.state is TenantState.suspended) != spec.suspended:
            set_suspended(db, slug, spec.suspended)
        return done.format(run.revision)
    if Part.registry in run.parts:
        run.tenant_id = update_registry(db, slug, display_name=spec.display_name, tier=spec.tier)
        run.changed.append("registry")
    if Part.suspension in run.parts:
        set_suspended(db, slug, spec.suspended)
        run.changed.append("suspension")
    if Part.branding in run.parts and run.tenant_id is not None:
        apply_tenant_branding(db, slug, run.tenant_id, colours)
        run.changed.append("branding")
    admin = run.creds.admin_password
    if admin is not None and reset_admin_password(db, slug, str(spec.admin.email), admin):
        run.admin_issued = admin
        run.changed.append("admin password")
    return done.format(run.revision)


def cache_step(run: Run) -> str:
    tenant_id, n = run.require_tenant_id(), run.names
    # Read first: an ACL user that already matches is left alone.
    enabled = not run.tenant.spec.suspended
    password, client = run.creds.redis_password, run.clients.redis
    if run.creds.redis_new or not cache_acl.user_matches(
        client, n, password, tenant_id, enabled=enabled
    ):
        cache_acl.ensure_user(client, n, password, tenant_id, enabled=enabled)
        run.changed.append("cache")
    state = "enabled" if enabled else "disabled (tenant suspended)"
    return f"ACL user {n.redis_user} {state} on keys {n.key_prefix}*"


def vector_step(run: Run) -> str:
    tenant_id, n, spec = run.require_tenant_id(), run.names, run.tenant.spec
    collection = vector_admin.CollectionSpec(
        n.collection, spec.vector_store.vector_size, spec.vector_store.distance, tenant_id
    )
    state = vector_admin.ensure_collection(run.clients.qdrant, collection)
    if state is vector_admin.CollectionState.created:
        run.changed.append("vector")
    found = "created" if state is vector_admin.CollectionState.created else "matches the spec"
    if spec.suspended:
        vector_admin.revoke_tokens(run.clients.qdrant, run.tenant.slug)
        return f"collection {n.collection} {found}; tokens revoked (tenant suspended)"
    return f"collection {n.collection} {found}"


def workload_step(run: Run) -> str:
    tenant, clients = run.tenant, run.clients
    objs = workload.children(
        tenant,
        run.require_tenant_id(),
        run.cfg,
        credentials.secrets(run.cfg, tenant.slug, run.creds),
    )
    if run.admin_issued is not None:
        objs.append(workload.admin_secret(tenant, str(tenant.spec.admin.email), run.admin_issued))
    for obj in map(diff.with_digest, objs):
        meta = obj["metadata"]
        # Apply only what differs from the server's copy (the watch cache).
        current = clients.observed(obj["kind"], meta["name"], meta.get("namespace"))
        if current is not None and diff.covers(current, obj):
            continue
        clients.applied(obj)
        run.changed.append(f"{obj['kind']}/{meta['name']}")
    # After the namespace exists: Secrets the tenant's admins create there.
    run.checks.append(
        integrations.check(
            clients, tenant, drift=run.drift, recheck=run.cfg.integration_recheck_seconds
        )
    )
    etl = (
        "ETL scaled to 0 (tenant suspended)"
        if tenant.spec.suspended
        else f"ETL replicas {tenant.spec.etl.replicas}"
    )
    return f"{len(objs)} objects in {run.names.namespace}; {etl}"
