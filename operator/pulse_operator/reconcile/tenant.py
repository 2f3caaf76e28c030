"""Reconcile one PulseTenant: database, cache, vector store, workload; then
the status. Plain and synchronous (the runner calls it in a thread), so it
is testable without Kopf.

``parts`` says what to touch (``reconcile.parts``): everything on
create/resume, only what the spec change concerns on update. ``drift=True``
(the drift pass, a restart) first checks each backend without writing and
repairs only what drifted. The steps themselves are ``steps``'; this module
runs them in order, times each, turns a failure into its condition, and
builds the status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import credentials, workload
from pulse_operator.reconcile.failures import Outages, classify
from pulse_operator.reconcile.parts import ALL_PARTS, Part
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
from pulse_operator.reconcile.steps import (
    Run,
    cache_step,
    database_step,
    vector_step,
    workload_step,
)
from pulse_operator.spec import Tenant

log = structlog.get_logger(__name__)


@dataclass
class Outcome:
    status: dict[str, Any]
    transitions: list[Transition]
    adopted: bool = False
    retryable_failure: str | None = None
    changed: list[str] = field(default_factory=list)
    # step -> seconds in this reconcile (logged; the scale benchmark reads them)
    seconds: dict[str, float] = field(default_factory=dict)


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
