"""Reconcile one PulseTenant: database, cache, vector store, workload; then
the status. Plain and synchronous (the runner calls it in a thread), so it
is testable without Kopf.

``parts`` says what to touch: everything on create/resume, only what the
spec change concerns on update. ``drift=True`` (the drift pass, a restart)
first checks each backend without writing and repairs only what drifted.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog

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
from pulse_operator.reconcile.failures import Outages, classify
from pulse_operator.reconcile.status import (
    CACHE,
    DATABASE,
    VECTOR,
    WORKLOAD,
    Check,
    Transition,
    merge_conditions,
    phase_of,
)
from pulse_operator.spec import Tenant

log = structlog.get_logger(__name__)


class Part(enum.StrEnum):
    database = "database"
    registry = "registry"
    suspension = "suspension"
    branding = "branding"
    cache = "cache"
    vector = "vector"
    workload = "workload"


ALL_PARTS = frozenset(Part)
# spec field -> what a change of it needs.
FIELD_PARTS: dict[str, frozenset[Part]] = {
    "displayName": frozenset({Part.registry}),
    "tier": frozenset({Part.registry, Part.workload}),
    # Suspension revokes every credential (and resumption restores them).
    "suspended": frozenset({Part.suspension, Part.workload, Part.cache, Part.vector}),
    "branding": frozenset({Part.branding}),
    "etl": frozenset({Part.workload}),
    "integrations": frozenset({Part.workload}),
    "admin": frozenset({Part.database}),
    "seed": frozenset({Part.database}),
    "vectorStore": frozenset({Part.vector}),
    "deletionPolicy": frozenset(),  # only read at deletion
}


def parts_for_diff(diff: Iterable[tuple[Any, ...]]) -> frozenset[Part]:
    parts: set[Part] = set()
    for _op, path, _old, _new in diff:
        path = tuple(path)
        if path[:1] != ("spec",):
            continue
        if len(path) == 1:
            return ALL_PARTS
        parts |= FIELD_PARTS.get(str(path[1]), ALL_PARTS)
    return frozenset(parts)


@dataclass
class Outcome:
    status: dict[str, Any]
    transitions: list[Transition]
    adopted: bool = False
    retryable_failure: str | None = None
    changed: list[str] = field(default_factory=list)
    # step -> seconds in this reconcile (logged; the scale benchmark reads them)
    seconds: dict[str, float] = field(default_factory=dict)


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


def _step(run: Run, kind: str, fn: Callable[[Run], str], outages: Outages | None) -> None:
    # Found down earlier in this pass: reported again without another wait.
    failure = outages.get(kind) if outages is not None else None
    if failure is None:
        started = time.monotonic()
        try:
            run.checks.append(Check(kind, True, "Reconciled", fn(run)))
            return
        except Exception as exc:
            failure = classify(exc)
            log.warning(
                "backend step failed", step=kind, reason=failure.reason, error=failure.message
            )
            if outages is not None:
                outages.record(kind, failure)
        finally:
            run.seconds[kind] = round(time.monotonic() - started, 4)
    run.checks.append(Check(kind, False, failure.reason, failure.message))
    if failure.retryable:
        run.failures.append(f"{kind}: {failure.message}")


def reconcile(
    clients: Clients,
    cfg: OperatorConfig,
    tenant: Tenant,
    status: dict[str, Any],
    parts: frozenset[Part] = ALL_PARTS,
    *,
    drift: bool = False,
    outages: Outages | None = None,
) -> Outcome:
    """``outages``: shared by the tenants of one drift pass, so that a backend
    that is down costs one timeout per pass, not one per tenant."""
    started = time.monotonic()
    creds = credentials.load(clients, cfg, tenant.slug, suspended=tenant.spec.suspended)
    loaded = round(time.monotonic() - started, 4)
    run = Run(
        clients,
        cfg,
        tenant,
        parts,
        drift,
        creds,
        tenant_id=status.get("tenantId"),
        revision=status.get("schemaVersion"),
        seconds={"credentials": loaded},
    )
    _step(run, DATABASE, database_step, outages)
    if run.wants(Part.cache) or creds.redis_new:
        _step(run, CACHE, cache_step, outages)
    if run.wants(Part.vector):
        _step(run, VECTOR, vector_step, outages)
    # (admin_issued is known once the database step ran.)
    new_credentials = creds.db_new or creds.redis_new or creds.vector_new
    if run.wants(Part.workload) or new_credentials or run.admin_issued is not None:
        _step(run, WORKLOAD, workload_step, outages)
    return _outcome(run, status)


def _outcome(run: Run, status: dict[str, Any]) -> Outcome:
    n, tenant = run.names, run.tenant
    conditions, transitions = merge_conditions(
        status.get("conditions", []),
        run.checks,
        tenant.generation,
        suspended=tenant.spec.suspended,
    )
    new_status: dict[str, Any] = {
        "phase": phase_of(conditions, suspended=tenant.spec.suspended),
        "observedGeneration": tenant.generation,
        "conditions": conditions,
        "database": {"schema": n.schema, "role": n.login_role, "secretName": workload.SECRET_DB},
        "cache": {
            "keyPrefix": n.key_prefix,
            "user": n.redis_user,
            "secretName": workload.SECRET_CACHE,
        },
        "vectorStore": {"collection": n.collection, "secretName": workload.SECRET_VECTOR},
        "endpoints": {"etl": f"http://{workload.ETL}.{n.namespace}.svc:{run.cfg.etl_port}"},
    }
    if run.tenant_id is not None:
        new_status["tenantId"] = run.tenant_id
    if run.revision is not None:
        new_status["schemaVersion"] = run.revision
    failure = "; ".join(run.failures) if run.failures else None
    return Outcome(new_status, transitions, run.adopted, failure, run.changed, run.seconds)
