"""Running a reconcile for one tenant: one lock per tenant (the handlers,
the drift loop and deletion never interleave on a tenant), the reconcile in a
thread, then publishing, and a retry with backoff when a backend failed."""

from __future__ import annotations

import asyncio
import time

import kopf
import structlog

from pulse_operator import metrics
from pulse_operator.config import OperatorConfig
from pulse_operator.publishing import publish
from pulse_operator.reconcile import kube
from pulse_operator.reconcile.failures import backoff
from pulse_operator.reconcile.tenant import Clients, Outcome, Part, reconcile
from pulse_operator.spec import Tenant

log = structlog.get_logger("pulse_operator")


def tenant_lock(memo: kopf.Memo, slug: str) -> asyncio.Lock:
    """One lock per tenant: a drift tick already running must not interleave
    with a deletion (it would re-provision what the deletion just dropped)."""
    locks: dict[str, asyncio.Lock] = memo.setdefault("locks", {})
    return locks.setdefault(slug, asyncio.Lock())


async def run(
    trigger: str,
    body: kopf.Body,
    memo: kopf.Memo,
    tenant: Tenant,
    parts: frozenset[Part],
    *,
    drift: bool,
    retry: int = 0,
) -> None:
    """Reconciles ``parts`` of the tenant under its lock and publishes the
    outcome; raises ``kopf.TemporaryError`` (with backoff) when a backend failed."""
    cfg: OperatorConfig = memo.cfg
    clients: Clients = memo.clients
    async with tenant_lock(memo, tenant.slug):
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
            await publish(body, clients, status, outcome)
            if outcome.changed:
                log.info("reconciled", changed=outcome.changed, phase=outcome.status["phase"])
    if outcome.retryable_failure:
        for t in outcome.transitions:
            if t.new == "False" and t.type != "Ready":
                metrics.ERRORS.labels(backend=t.type).inc()
        raise kopf.TemporaryError(outcome.retryable_failure, delay=backoff(retry, cap=60.0))
