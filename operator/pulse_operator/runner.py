"""Running a reconcile for one tenant: one lock per tenant (the handlers,
the drift pass and deletion never interleave on a tenant), the reconcile in
a thread, then publishing, and a retry with backoff when a backend failed."""

from __future__ import annotations

import asyncio
import time

import kopf
import structlog

from pulse_operator import metrics
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.publishing import publish
from pulse_operator.reconcile.failures import Outages, backoff
from pulse_operator.reconcile.tenant import Outcome, Part, reconcile
from pulse_operator.spec import Tenant

log = structlog.get_logger("pulse_operator")


def tenant_lock(memo: kopf.Memo, slug: str) -> asyncio.Lock:
    """One lock per tenant: a drift pass already running must not interleave
    with a deletion (it would re-provision what the deletion just dropped)."""
    locks: dict[str, asyncio.Lock] = memo.setdefault("locks", {})
    return locks.setdefault(slug, asyncio.Lock())


def deleted_uids(memo: kopf.Memo) -> set[str]:
    """PulseTenants whose deletion finished here: the watch cache may still
    show them for a moment, and a drift pass must not bring them back."""
    uids: set[str] = memo.setdefault("deleted_uids", set())
    return uids


async def _live_status(memo: kopf.Memo, tenant: Tenant) -> dict[str, object] | None:
    """The tenant's current status, or None when it is gone or going (the
    body a drift pass started from may be older than the wait for the lock)."""
    clients: Clients = memo.clients
    live = await asyncio.to_thread(clients.observed, "PulseTenant", tenant.slug)
    meta = (live or {}).get("metadata", {})
    if live is None or meta.get("deletionTimestamp") or meta.get("uid") in deleted_uids(memo):
        return None
    return dict(live.get("status") or {})


async def reconcile_and_publish(
    trigger: str,
    body: kopf.Body,
    memo: kopf.Memo,
    tenant: Tenant,
    parts: frozenset[Part],
    *,
    drift: bool,
    outages: Outages | None = None,
) -> Outcome | None:
    """Reconciles ``parts`` of the tenant under its lock and publishes the
    outcome; None when a drift check found the tenant gone."""
    cfg: OperatorConfig = memo.cfg
    clients: Clients = memo.clients
    async with tenant_lock(memo, tenant.slug):
        status = dict(body.get("status") or {})
        if drift:
            live = await _live_status(memo, tenant)
            if live is None:
                return None
            status = live
        with structlog.contextvars.bound_contextvars(tenant=tenant.slug, trigger=trigger):
            started = time.monotonic()
            outcome: Outcome = await asyncio.to_thread(
                reconcile, clients, cfg, tenant, status, parts, drift=drift, outages=outages
            )
            metrics.RECONCILE_SECONDS.labels(trigger=trigger).observe(time.monotonic() - started)
            await publish(body, clients, status, outcome)
            if outcome.changed:
                log.info("reconciled", changed=outcome.changed, phase=outcome.status["phase"])
    if outcome.retryable_failure:
        for t in outcome.transitions:
            if t.new == "False" and t.type != "Ready":
                metrics.ERRORS.labels(backend=t.type).inc()
    return outcome


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
    """For the handlers: raises ``kopf.TemporaryError`` (with backoff) when a
    backend failed, so that Kopf retries."""
    outcome = await reconcile_and_publish(trigger, body, memo, tenant, parts, drift=drift)
    if outcome is not None and outcome.retryable_failure:
        raise kopf.TemporaryError(outcome.retryable_failure, delay=backoff(retry, cap=60.0))
