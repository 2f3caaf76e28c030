"""Running a reconcile for one tenant: one lock per tenant (the handlers,
the drift pass and deletion never interleave on a tenant), the reconcile in
a thread, then publishing, and a retry with backoff when a backend failed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import kopf
import structlog

from pulse_operator import metrics
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.publishing import publish
from pulse_operator.reconcile.failures import Outages, backoff
from pulse_operator.reconcile.parts import Part
from pulse_operator.reconcile.tenant import Outcome, reconcile
from pulse_operator.spec import Tenant

log = structlog.get_logger("pulse_operator")

T = TypeVar("T")


@dataclass
class Shared:
    """What every handler and the drift loop must share. Kopf gives each
    object a shallow copy of the operator's memo, so state created lazily in
    a handler's memo would be that object's alone (its own lock, its own
    slots): ``shared`` is called at startup, before Kopf copies the memo."""

    reconcile_concurrency: int
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    deleted_uids: set[str] = field(default_factory=set)
    pending: int = 0  # handler reconciles started and not finished
    idle: asyncio.Event = field(default_factory=asyncio.Event)  # set while pending == 0
    slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.reconcile_concurrency)
        self.idle.set()


def shared(memo: kopf.Memo) -> Shared:
    state: Shared | None = memo.get("shared")
    if state is None:
        cfg: OperatorConfig = memo.cfg
        state = memo.shared = Shared(cfg.reconcile_concurrency)
    return state


def tenant_lock(memo: kopf.Memo, slug: str) -> asyncio.Lock:
    """One lock per tenant: a drift pass already running must not interleave
    with a deletion (it would re-provision what the deletion just dropped)."""
    return shared(memo).locks.setdefault(slug, asyncio.Lock())


async def in_worker(memo: kopf.Memo, fn: Callable[[], T]) -> T:
    """Runs a long backend call (a reconcile, a deletion) in a worker thread
    once one of ``reconcile_concurrency`` slots is free.

    Why: with 500 tenants applied at once, every handler handed its reconcile
    to the default executor at the same moment; a tenant whose reconcile had
    finished then queued its status patch behind every other tenant's whole
    reconcile (FIFO), so tenants turned Ready only near the end and each
    held its lock and its Kopf worker all along.
    """
    async with shared(memo).slots:
        return await asyncio.to_thread(fn)


def deleted_uids(memo: kopf.Memo) -> set[str]:
    """PulseTenants whose deletion finished here: the watch cache may still
    show them for a moment, and a drift pass must not bring them back."""
    return shared(memo).deleted_uids


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
    queued = time.monotonic()
    async with tenant_lock(memo, tenant.slug):
        locked = time.monotonic()
        status = dict(body.get("status") or {})
        if drift:
            live = await _live_status(memo, tenant)
            if live is None:
                return None
            status = live
        with structlog.contextvars.bound_contextvars(tenant=tenant.slug, trigger=trigger):
            started: list[float] = []

            def in_thread() -> Outcome:
                # When a worker thread took it: the wait before is the pool's queue.
                started.append(time.monotonic())
                return reconcile(clients, cfg, tenant, status, parts, drift=drift, outages=outages)

            outcome: Outcome = await in_worker(memo, in_thread)
            reconciled = time.monotonic()
            metrics.RECONCILE_SECONDS.labels(trigger=trigger).observe(reconciled - started[0])
            await publish(body, clients, status, outcome)
            if outcome.changed:
                seconds = {
                    "lock": locked - queued,
                    "thread_queue": started[0] - locked,
                    **outcome.seconds,
                    "reconcile": reconciled - started[0],
                    "publish": time.monotonic() - reconciled,
                }
                log.info(
                    "reconciled",
                    changed=outcome.changed,
                    phase=outcome.status["phase"],
                    seconds={k: round(v, 4) for k, v in seconds.items()},
                )
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
    state = shared(memo)
    state.pending += 1
    state.idle.clear()
    try:
        outcome = await reconcile_and_publish(trigger, body, memo, tenant, parts, drift=drift)
    finally:
        state.pending -= 1
        if not state.pending:
            state.idle.set()
    if outcome is not None and outcome.retryable_failure:
        raise kopf.TemporaryError(outcome.retryable_failure, delay=backoff(retry, cap=60.0))
