"""Reconcile one PulseTenant: database, cache, vector store, workload; then
the status. Plain and synchronous (the handlers run it in a thread), so it is
testable without Kopf.

``parts`` says what to touch: everything on create/resume, only what the
spec change concerns on update. ``drift=True`` (the timer) first checks each
backend without writing and repairs only what drifted.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import redis
import structlog
from kubernetes import client as k8s
from qdrant_client import QdrantClient
from sqlalchemy import Engine

from pulse_common import cache as cache_acl
from pulse_common import vectorstore
from pulse_common.errors import BackendUnavailable
from pulse_common.models.control import TenantState
from pulse_common.provisioning import (
    apply_tenant_branding,
    reset_admin_password,
    set_suspended,
    update_registry,
)
from pulse_common.tenancy import TenantNames
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import credentials, database, integrations, kube, workload
from pulse_operator.reconcile.failures import classify
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
class Clients:
    kube: k8s.ApiClient
    db: Engine
    redis: redis.Redis
    qdrant: QdrantClient
    owns_qdrant: bool = True  # False when lent by the embedding process

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()
        if self.owns_qdrant:
            self.qdrant.close()
        self.kube.close()


@dataclass
class Outcome:
    status: dict[str, Any]
    transitions: list[Transition]
    adopted: bool = False
    retryable_failure: str | None = None
    changed: list[str] = field(default_factory=list)


def _step(kind: str, checks: list[Check], failures: list[str], fn: Callable[[], str]) -> bool:
    try:
        message = fn()
    except Exception as exc:
        failure = classify(exc)
        checks.append(Check(kind, False, failure.reason, failure.message))
        if failure.retryable:
            failures.append(f"{kind}: {failure.message}")
        log.warning("backend step failed", step=kind, reason=failure.reason, error=failure.message)
        return False
    checks.append(Check(kind, True, "Reconciled", message))
    return True


def reconcile(
    clients: Clients,
    cfg: OperatorConfig,
    tenant: Tenant,
    status: dict[str, Any],
    parts: frozenset[Part] = ALL_PARTS,
    *,
    drift: bool = False,
) -> Outcome:
    n, spec = TenantNames(tenant.slug), tenant.spec
    checks: list[Check] = []
    failures: list[str] = []
    changed: list[str] = []
    tenant_id: int | None = status.get("tenantId")
    revision: str | None = status.get("schemaVersion")
    adopted = False
    creds = credentials.load(
        clients.kube, clients.qdrant, cfg, tenant.slug, suspended=spec.suspended
    )
    admin_issued: str | None = None  # written into Secret pulse-admin-initial

    def do_database() -> str:
        nonlocal tenant_id, revision, adopted, admin_issued
        if drift:
            full = (
                creds.db_new
                or tenant_id is None
                or not database.in_sync(
                    clients.db,
                    tenant.slug,
                    tenant_id,
                    creds.db_password,
                    suspended=spec.suspended,
                )
            )
        else:
            full = tenant_id is None or creds.db_new or Part.database in parts
        if full:
            result = database.ensure(clients.db, tenant, creds.db_password, creds.admin_password)
            tenant_id, revision, adopted = result.tenant_id, result.schema_revision, result.adopted
            if result.admin_password is not None:
                admin_issued = result.admin_password.get_secret_value()
            changed.append("database")
            if (result.state is TenantState.suspended) != spec.suspended:
                set_suspended(clients.db, tenant.slug, spec.suspended)
            return f"schema {n.schema} at revision {revision}"
        if Part.registry in parts:
            tenant_id = update_registry(
                clients.db, tenant.slug, display_name=spec.display_name, tier=spec.tier
            )
            changed.append("registry")
        if Part.suspension in parts:
            set_suspended(clients.db, tenant.slug, spec.suspended)
            changed.append("suspension")
        if Part.branding in parts and tenant_id is not None:
            apply_tenant_branding(clients.db, tenant.slug, tenant_id, spec.branding.to_branding())
            changed.append("branding")
        if creds.admin_password is not None and reset_admin_password(
            clients.db, tenant.slug, str(spec.admin.email), creds.admin_password
        ):
            admin_issued = creds.admin_password
            changed.append("admin password")
        return f"schema {n.schema} at revision {revision}"

    def do_cache() -> str:
        if tenant_id is None:
            raise BackendUnavailable("postgresql", "waiting for the database step")
        # Read first: an ACL user that already matches is left alone.
        enabled = not spec.suspended
        if creds.redis_new or not cache_acl.user_matches(
            clients.redis, n, creds.redis_password, tenant_id, enabled=enabled
        ):
            cache_acl.ensure_user(
                clients.redis, n, creds.redis_password, tenant_id, enabled=enabled
            )
            changed.append("cache")
        state = "on" if enabled else "off (suspended)"
        return f"ACL user {n.redis_user} ({state}) on keys {n.key_prefix}*"

    def do_vector() -> str:
        if tenant_id is None:
            raise BackendUnavailable("postgresql", "waiting for the database step")
        state = vectorstore.ensure_collection(
            clients.qdrant,
            vectorstore.CollectionSpec(
                n.collection, spec.vector_store.vector_size, spec.vector_store.distance, tenant_id
            ),
        )
        if state is vectorstore.CollectionState.created:
            changed.append("vector")
        if spec.suspended:
            vectorstore.revoke_tokens(clients.qdrant, tenant.slug)
            return f"collection {n.collection} ({state.value}); tokens revoked (suspended)"
        return f"collection {n.collection} ({state.value})"

    def do_workload() -> str:
        if tenant_id is None:
            raise BackendUnavailable("postgresql", "waiting for the database step")
        objs = workload.children(
            tenant, tenant_id, cfg, credentials.secrets(cfg, tenant.slug, creds)
        )
        if admin_issued is not None:
            objs.append(workload.admin_secret(tenant, str(spec.admin.email), admin_issued))
        for obj in objs:
            before = (
                kube.get(
                    clients.kube,
                    obj["kind"],
                    obj["metadata"]["name"],
                    obj["metadata"].get("namespace"),
                )
                if drift
                else None
            )
            after = kube.apply(clients.kube, obj)
            if (
                drift
                and (before or {}).get("metadata", {}).get("resourceVersion")
                != after["metadata"]["resourceVersion"]
            ):
                changed.append(f"{obj['kind']}/{obj['metadata']['name']}")
        # After the namespace exists: Secrets the tenant's admins create there.
        checks.append(integrations.check(clients.kube, tenant))
        replicas = 0 if spec.suspended else spec.etl.replicas
        return f"{len(objs)} objects applied in {n.namespace}; ETL replicas {replicas}"

    new_credentials = creds.db_new or creds.redis_new or creds.vector_new
    everything = drift or parts == ALL_PARTS
    _step(DATABASE, checks, failures, do_database)
    if everything or Part.cache in parts or creds.redis_new:
        _step(CACHE, checks, failures, do_cache)
    if everything or Part.vector in parts:
        _step(VECTOR, checks, failures, do_vector)
    # (admin_issued is known once the database step ran.)
    if everything or Part.workload in parts or new_credentials or admin_issued is not None:
        _step(WORKLOAD, checks, failures, do_workload)

    conditions, transitions = merge_conditions(
        status.get("conditions", []), checks, tenant.generation
    )
    new_status: dict[str, Any] = {
        "phase": phase_of(conditions, suspended=spec.suspended),
        "observedGeneration": tenant.generation,
        "conditions": conditions,
        "database": {"schema": n.schema, "role": n.login_role, "secretName": workload.SECRET_DB},
        "cache": {
            "keyPrefix": n.key_prefix,
            "user": n.redis_user,
            "secretName": workload.SECRET_CACHE,
        },
        "vectorStore": {"collection": n.collection, "secretName": workload.SECRET_VECTOR},
        "endpoints": {"etl": f"http://{workload.ETL}.{n.namespace}.svc:{cfg.etl_port}"},
    }
    if tenant_id is not None:
        new_status["tenantId"] = tenant_id
    if revision is not None:
        new_status["schemaVersion"] = revision
    return Outcome(
        new_status, transitions, adopted, "; ".join(failures) if failures else None, changed
    )
