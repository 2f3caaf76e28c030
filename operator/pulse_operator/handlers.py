"""Kopf handlers: parse the body, call the reconcile functions in a thread,
write the status, post Events. Nothing else lives here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from typing import Any

import kopf
import structlog
from prometheus_client import start_http_server
from pydantic import ValidationError

from pulse_common.errors import InvalidInput
from pulse_common.logging import configure_logging
from pulse_operator import clients as client_factory
from pulse_operator import metrics
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import kube
from pulse_operator.reconcile.deletion import finalize
from pulse_operator.reconcile.tenant import (
    ALL_PARTS,
    Clients,
    Outcome,
    Part,
    parts_for_diff,
    reconcile,
)
from pulse_operator.spec import DeletionPolicy, Tenant, parse_tenant

GVK = ("pulse.dev", "v1alpha1", "pulsetenants")
# Timer intervals are fixed when handlers register (at import), so this one
# setting is read from the environment here rather than at startup.
DRIFT_INTERVAL = float(os.environ.get("PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS", "300"))

log = structlog.get_logger("pulse_operator")


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    try:
        cfg = OperatorConfig()  # from the environment
    except ValidationError as exc:
        missing = ", ".join(
            "PULSE_OPERATOR_" + ".".join(map(str, e["loc"])).upper() + f" ({e['msg']})"
            for e in exc.errors()
        )
        # Misconfiguration does not heal by retrying: stop with the reason.
        raise kopf.PermanentError(f"invalid operator settings: {missing}") from None
    configure_logging(json=cfg.log_json)
    # Kopf's bookkeeping in annotations under our own prefix: the status
    # schema is structural and would prune anything else Kopf put there.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="pulse.dev")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix="pulse.dev", key="last-handled-configuration"
    )
    settings.persistence.finalizer = "pulse.dev/finalizer"
    settings.posting.level = logging.WARNING  # our own Events say what happened
    settings.watching.server_timeout = 270
    settings.networking.request_timeout = 30
    memo.cfg = cfg
    memo.clients = client_factory.build(cfg, qdrant=memo.get("qdrant"))
    if cfg.metrics_port:
        start_http_server(cfg.metrics_port)
    log.info("operator started", drift_interval=DRIFT_INTERVAL)


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    # Kopf's own readers, not the client library's: those read $KUBECONFIG
    # at import time, these when called.
    return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)


@kopf.on.cleanup()
async def cleanup(memo: kopf.Memo, **_: Any) -> None:
    clients: Clients | None = memo.get("clients")
    if clients is not None:
        clients.close()


def _tenant(name: str, uid: str, meta: kopf.Meta, spec: kopf.Spec) -> Tenant:
    try:
        return parse_tenant(name, uid, meta.get("generation"), dict(spec))
    except InvalidInput as exc:
        raise kopf.PermanentError(str(exc)) from None


async def _run(
    trigger: str,
    body: kopf.Body,
    memo: kopf.Memo,
    tenant: Tenant,
    parts: frozenset[Part],
    *,
    drift: bool,
    retry: int = 0,
) -> None:
    cfg: OperatorConfig = memo.cfg
    clients: Clients = memo.clients
    status = dict(body.get("status") or {})
    with structlog.contextvars.bound_contextvars(tenant=tenant.slug, trigger=trigger):
        started = time.monotonic()
        outcome: Outcome = await asyncio.to_thread(
            reconcile, clients, cfg, tenant, status, parts, drift=drift
        )
        metrics.RECONCILE_SECONDS.labels(trigger=trigger).observe(time.monotonic() - started)
        await _publish(body, clients, status, outcome)
        if outcome.changed:
            log.info("reconciled", changed=outcome.changed, phase=outcome.status["phase"])
    if outcome.retryable_failure:
        for t in outcome.transitions:
            if t.new == "False" and t.type != "Ready":
                metrics.ERRORS.labels(backend=t.type).inc()
        raise kopf.TemporaryError(outcome.retryable_failure, delay=min(60, 2 ** min(retry + 1, 6)))


async def _publish(
    body: kopf.Body, clients: Clients, old: dict[str, Any], outcome: Outcome
) -> None:
    new = outcome.status
    if {k: old.get(k) for k in new} != new:
        await asyncio.to_thread(
            kube.patch_status, clients.kube, "PulseTenant", body["metadata"]["name"], new
        )
    metrics.record_phase(body["metadata"]["name"], new["phase"])
    if old.get("phase") != new["phase"]:
        kopf.event(
            body,
            type="Normal" if new["phase"] in ("Ready", "Suspended") else "Warning",
            reason=new["phase"],
            message=f"phase {old.get('phase') or '-'} -> {new['phase']}",
        )
    for t in outcome.transitions:
        if t.type != "Ready":
            kopf.event(
                body,
                type="Normal" if t.new == "True" else "Warning",
                reason=f"{t.type}{'' if t.new == 'True' else 'Failed'}",
                message=t.message,
            )
    if outcome.adopted:
        kopf.event(
            body,
            type="Normal",
            reason="Adopted",
            message=f"re-adopted the retained data of tenant id {new.get('tenantId')}",
        )


@kopf.on.create(*GVK)
async def on_create(
    name: str,
    uid: str,
    meta: kopf.Meta,
    spec: kopf.Spec,
    body: kopf.Body,
    memo: kopf.Memo,
    retry: int,
    **_: Any,
) -> None:
    tenant = _tenant(name, uid, meta, spec)
    if not (body.get("status") or {}).get("phase"):
        await asyncio.to_thread(
            kube.patch_status, memo.clients.kube, "PulseTenant", name, {"phase": "Provisioning"}
        )
    await _run("create", body, memo, tenant, ALL_PARTS, drift=False, retry=retry)


@kopf.on.update(*GVK)
async def on_update(
    name: str,
    uid: str,
    meta: kopf.Meta,
    spec: kopf.Spec,
    body: kopf.Body,
    diff: kopf.Diff,
    memo: kopf.Memo,
    retry: int,
    **_: Any,
) -> None:
    parts = parts_for_diff(diff)
    if parts:
        await _run(
            "update", body, memo, _tenant(name, uid, meta, spec), parts, drift=False, retry=retry
        )


@kopf.on.resume(*GVK)
async def on_resume(
    name: str,
    uid: str,
    meta: kopf.Meta,
    spec: kopf.Spec,
    body: kopf.Body,
    memo: kopf.Memo,
    retry: int,
    **_: Any,
) -> None:
    # An operator restart: check everything, write only what differs.
    await _run(
        "resume", body, memo, _tenant(name, uid, meta, spec), ALL_PARTS, drift=True, retry=retry
    )


@kopf.timer(*GVK, interval=DRIFT_INTERVAL, initial_delay=DRIFT_INTERVAL)
async def drift_repair(
    name: str,
    uid: str,
    meta: kopf.Meta,
    spec: kopf.Spec,
    body: kopf.Body,
    status: kopf.Status,
    memo: kopf.Memo,
    **_: Any,
) -> None:
    if meta.get("deletionTimestamp") or status.get("observedGeneration") != meta.get("generation"):
        return  # a change or a deletion is being handled
    # A failure is already in the status; the next tick tries again.
    with contextlib.suppress(kopf.TemporaryError):
        await _run("drift", body, memo, _tenant(name, uid, meta, spec), frozenset(), drift=True)


@kopf.on.delete(*GVK)
async def on_delete(name: str, spec: kopf.Spec, body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    policy = DeletionPolicy(spec.get("deletionPolicy", "Retain"))
    with structlog.contextvars.bound_contextvars(tenant=name, trigger="delete"):
        await asyncio.to_thread(
            kube.patch_status, memo.clients.kube, "PulseTenant", name, {"phase": "Deleting"}
        )
        try:
            summary = await asyncio.to_thread(finalize, memo.clients, name, policy)
        except Exception as exc:
            raise kopf.TemporaryError(
                f"cleanup with {policy.value} failed: {exc}", delay=10
            ) from exc
        metrics.record_phase(name, None)
        kopf.event(body, type="Normal", reason=f"Deleted{policy.value}", message=summary)
        log.info("tenant deleted", policy=policy.value, summary=summary)
