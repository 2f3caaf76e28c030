"""Kopf handlers: parse the body, call the reconcile functions in a thread,
write the status, post Events. Nothing else lives here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from pulse_operator.admin_dsn import ensure_backend_role
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
    configure_logging(json=cfg.log_json, level=cfg.log_level)
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
    await asyncio.to_thread(ensure_backend_role, memo.clients.db, cfg)
    if cfg.metrics_port:
        start_http_server(cfg.metrics_port)
    memo.drift_task = asyncio.create_task(_drift_loop(memo), name="pulse-drift-repair")
    log.info("operator started", drift_interval=cfg.drift_interval_seconds)


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    # Kopf's own readers, not the client library's: those read $KUBECONFIG
    # at import time, these when called.
    return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)


@kopf.on.cleanup()
async def cleanup(memo: kopf.Memo, **_: Any) -> None:
    task: asyncio.Task[None] | None = memo.get("drift_task")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    clients: Clients | None = memo.get("clients")
    if clients is not None:
        clients.close()


def _tenant(name: str, uid: str, meta: kopf.Meta, spec: kopf.Spec) -> Tenant:
    try:
        return parse_tenant(name, uid, meta.get("generation"), dict(spec))
    except InvalidInput as exc:
        raise kopf.PermanentError(str(exc)) from None


def _tenant_lock(memo: kopf.Memo, slug: str) -> asyncio.Lock:
    """One lock per tenant: a drift tick already running must not interleave
    with a deletion (it would re-provision what the deletion just dropped)."""
    locks: dict[str, asyncio.Lock] = memo.setdefault("locks", {})
    return locks.setdefault(slug, asyncio.Lock())


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
    async with _tenant_lock(memo, tenant.slug):
        await _run_locked(trigger, body, memo, tenant, parts, drift=drift, retry=retry)


async def _run_locked(
    trigger: str,
    body: kopf.Body,
    memo: kopf.Memo,
    tenant: Tenant,
    parts: frozenset[Part],
    *,
    drift: bool,
    retry: int,
) -> None:
    cfg: OperatorConfig = memo.cfg
    clients: Clients = memo.clients
    status = dict(body.get("status") or {})
    if drift:
        # The body may be older than the wait for the lock: repair only a live tenant.
        live = await asyncio.to_thread(kube.get, clients.kube, "PulseTenant", tenant.slug)
        if live is None or live["metadata"].get("deletionTimestamp"):
            return
        status = dict(live.get("status") or {})
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
    name = body["metadata"]["name"]
    if {k: old.get(k) for k in new} != new:
        await asyncio.to_thread(kube.patch_status, clients.kube, "PulseTenant", name, new)
    metrics.record_phase(name, new["phase"])
    events: list[tuple[str, str, str]] = []
    if old.get("phase") != new["phase"]:
        ok = new["phase"] in ("Ready", "Suspended")
        events.append(
            (
                "Normal" if ok else "Warning",
                new["phase"],
                f"phase {old.get('phase') or '-'} -> {new['phase']}",
            )
        )
    for t in outcome.transitions:
        if t.type != "Ready":
            ok = t.new == "True"
            events.append(
                ("Normal" if ok else "Warning", f"{t.type}{'' if ok else 'Failed'}", t.message)
            )
    if outcome.adopted:
        events.append(
            (
                "Normal",
                "Adopted",
                f"re-adopted the retained data of tenant id {new.get('tenantId')}",
            )
        )
    for type_, reason, message in events:
        await asyncio.to_thread(
            kube.post_event, clients.kube, dict(body), type=type_, reason=reason, message=message
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


async def _drift_loop(memo: kopf.Memo) -> None:
    """Drift repair for PulseTenants only (never their children's kinds).

    One operator-level loop rather than a per-object ``kopf.timer``: Kopf keeps
    the finalizer of an object until its timers have exited, which stalled
    deletions that began during a tick (by up to a minute).
    """
    cfg: OperatorConfig = memo.cfg
    while True:
        await asyncio.sleep(cfg.drift_interval_seconds)
        try:
            items = await asyncio.to_thread(kube.list_all, memo.clients.kube, "PulseTenant")
        except Exception as exc:
            log.warning("drift check could not list tenants", error=str(exc))
            continue
        for obj in items:
            await _drift_one(memo, kopf.Body(obj))  # type: ignore[arg-type]


async def _drift_one(memo: kopf.Memo, body: kopf.Body) -> None:
    meta, status = body["metadata"], body.get("status") or {}
    name = meta["name"]
    if meta.get("deletionTimestamp") or status.get("observedGeneration") != meta.get("generation"):
        return  # a change or a deletion is being handled
    if _tenant_lock(memo, name).locked():
        return  # busy: skip this round rather than queue behind it
    try:
        tenant = parse_tenant(name, meta["uid"], meta.get("generation"), dict(body["spec"]))
        await _run("drift", body, memo, tenant, frozenset(), drift=True)
    except (kopf.TemporaryError, InvalidInput):
        pass  # already in the status; the next round tries again
    except Exception as exc:
        log.warning("drift repair failed", tenant=name, error=str(exc))


@kopf.on.delete(*GVK)
async def on_delete(name: str, spec: kopf.Spec, body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    policy = DeletionPolicy(spec.get("deletionPolicy", "Retain"))
    # No status write here ("Deleting"): any write during deletion, direct or
    # through Kopf's patch, intermittently left the finalizer in place (the
    # handler ran twice and Kopf's finalizer patch did not land).
    async with _tenant_lock(memo, name):
        await _delete_locked(name, policy, body, memo)


async def _delete_locked(
    name: str, policy: DeletionPolicy, body: kopf.Body, memo: kopf.Memo
) -> None:
    with structlog.contextvars.bound_contextvars(tenant=name, trigger="delete"):
        try:
            summary = await asyncio.to_thread(finalize, memo.clients, name, policy)
        except Exception as exc:
            raise kopf.TemporaryError(
                f"cleanup with {policy.value} failed: {exc}", delay=10
            ) from exc
        metrics.record_phase(name, None)
        await asyncio.to_thread(
            kube.post_event,
            memo.clients.kube,
            dict(body),
            type="Normal",
            reason=f"Deleted{policy.value}",
            message=summary,
        )
        log.info("tenant deleted", policy=policy.value, summary=summary)
