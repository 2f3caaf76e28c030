"""Kopf handlers: parse the body and hand over to the runner (reconcile and
publish), the drift loop or the deletion. Nothing else lives here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import kopf
import structlog
from prometheus_client import start_http_server
from pydantic import ValidationError

from pulse_common.errors import InvalidInput
from pulse_common.logging import configure_logging
from pulse_operator import clients as client_factory
from pulse_operator import memory, metrics
from pulse_operator.admin_dsn import ensure_backend_role
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.drift import drift_loop
from pulse_operator.reconcile import kube
from pulse_operator.reconcile.deletion import finalize
from pulse_operator.reconcile.failures import backoff, classify
from pulse_operator.reconcile.parts import ALL_PARTS, parts_for_diff
from pulse_operator.runner import deleted_uids, in_worker, run, shared, tenant_lock
from pulse_operator.spec import DeletionPolicy, Tenant, parse_tenant
from pulse_operator.watchcache import WatchCache

GVK = ("pulse.dev", "v1alpha1", "pulsetenants")

log = structlog.get_logger("pulse_operator")


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    memory.limit_arenas()  # before the executor's threads exist
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
    shared(memo)  # before Kopf copies the memo for each object
    clients = client_factory.build(cfg, settings=settings)
    memo.clients = clients
    # Listed before any handler runs: the resume handlers of every tenant
    # then compare against it instead of reading each child.
    clients.cache = WatchCache.for_operator(clients.kube)
    async with asyncio.timeout(120):
        await clients.cache.start()
    await asyncio.to_thread(ensure_backend_role, clients.db, cfg)
    if cfg.metrics_port:
        start_http_server(cfg.metrics_port)
    memo.drift_task = asyncio.create_task(drift_loop(memo), name="pulse-drift-repair")
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
        if clients.cache is not None:
            await clients.cache.stop()
        clients.close()


def _tenant(name: str, uid: str, meta: kopf.Meta, spec: kopf.Spec) -> Tenant:
    try:
        return parse_tenant(name, uid, meta.get("generation"), dict(spec))
    except InvalidInput as exc:
        raise kopf.PermanentError(str(exc)) from None


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
    await run("create", body, memo, tenant, ALL_PARTS, drift=False, retry=retry)


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
    # Even a change that touches no backend (only deletionPolicy) runs, with
    # no parts: the status must say this generation was observed, or GitOps
    # tools wait forever and the drift loop skips the tenant.
    parts = parts_for_diff(diff)
    await run("update", body, memo, _tenant(name, uid, meta, spec), parts, drift=False, retry=retry)


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
    await run(
        "resume", body, memo, _tenant(name, uid, meta, spec), ALL_PARTS, drift=True, retry=retry
    )


@kopf.on.delete(*GVK)
async def on_delete(
    name: str, spec: kopf.Spec, body: kopf.Body, memo: kopf.Memo, retry: int, **_: Any
) -> None:
    policy = DeletionPolicy(spec.get("deletionPolicy", "Retain"))
    # No status write here ("Deleting"): any write during deletion, direct or
    # through Kopf's patch, intermittently left the finalizer in place (the
    # handler ran twice and Kopf's finalizer patch did not land).
    async with tenant_lock(memo, name):
        await _delete_locked(name, policy, body, memo, retry)


async def _delete_locked(
    name: str, policy: DeletionPolicy, body: kopf.Body, memo: kopf.Memo, retry: int
) -> None:
    with structlog.contextvars.bound_contextvars(tenant=name, trigger="delete"):
        try:
            tenant_id = (body.get("status") or {}).get("tenantId")
            summary = await in_worker(memo, lambda: finalize(memo.clients, name, policy, tenant_id))
            deleted_uids(memo).add(body["metadata"]["uid"])
        except Exception as exc:
            # Retried with backoff, an outage and a refusal alike (a refusal
            # needs a person; it is retried slowly so that the fix is picked
            # up). The Event says why: a status write here would race the
            # finalizer (see above).
            failure = classify(exc)
            delay = backoff(retry, base=5.0 if failure.retryable else 60.0)
            message = (
                f"cleanup with {policy.value} failed ({failure.reason}): {failure.message}; "
                f"retry {retry + 1} in {delay:.0f}s"
            )
            log.warning("deletion blocked", reason=failure.reason, error=failure.message)
            await asyncio.to_thread(
                kube.post_event,
                memo.clients.kube,
                dict(body),
                type="Warning",
                reason="DeletionBlocked",
                message=message,
            )
            raise kopf.TemporaryError(message, delay=delay) from None
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
