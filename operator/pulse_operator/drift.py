"""Drift repair: every ``drift_interval_seconds`` a pass checks each
PulseTenant whose current generation was handled against its backends and
repairs only what drifted (``reconcile(drift=True)``).

A pass costs O(what changed) on the Kubernetes API: the tenants and their
children come from the watch cache, and a child is applied only when it
differs from its manifest. Tenants run in parallel, at most
``drift_concurrency`` at once, and a backend found down is not waited for
again in the same pass (``Outages``), so an outage costs one timeout per pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import kopf
import structlog

from pulse_common.errors import InvalidInput
from pulse_operator import memory
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import kube
from pulse_operator.reconcile.failures import Outages
from pulse_operator.runner import (
    deleted_uids,
    reconcile_and_publish,
    shared,
    tenant_lock,
)
from pulse_operator.spec import parse_tenant

log = structlog.get_logger("pulse_operator")


@dataclass
class DriftReport:
    tenants: int = 0
    checked: int = 0
    skipped: int = 0
    repaired: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    outages: dict[str, str] = field(default_factory=dict)  # step -> reason, once per pass
    seconds: float = 0.0
    # By verb, sent by this operator during the pass (the watches' own
    # requests are counted apart, in WatchCache.requests).
    kube_requests: dict[str, int] = field(default_factory=dict)
    cache_bytes: int = 0  # what the watch cache holds (compressed), after the pass

    def fields(self) -> dict[str, Any]:
        return {
            "tenants": self.tenants,
            "checked": self.checked,
            "skipped": self.skipped,
            "repaired": self.repaired,
            "failed": len(self.failed),
            "outages": self.outages,
            "seconds": round(self.seconds, 3),
            "kube_requests": self.kube_requests,
            "cache_bytes": self.cache_bytes,
        }


async def drift_loop(memo: kopf.Memo) -> None:
    """Drift repair for PulseTenants only (never their children's kinds).

    One operator-level loop rather than a per-object ``kopf.timer``: Kopf keeps
    the finalizer of an object until its timers have exited, which stalled
    deletions that began during a tick (by up to a minute).
    """
    cfg: OperatorConfig = memo.cfg
    while True:
        await asyncio.sleep(cfg.drift_interval_seconds)
        try:
            report = await drift_pass(memo)
        except Exception as exc:
            log.warning("drift pass failed", error=str(exc))
            continue
        reports: deque[DriftReport] = memo.setdefault("drift_reports", deque(maxlen=20))
        reports.append(report)
        memo.drift_passes = memo.get("drift_passes", 0) + 1
        await asyncio.to_thread(memory.trim)
        if report.outages or report.failed:
            log.warning("drift pass", **report.fields())
        else:
            log.info("drift pass", **report.fields())


async def _tenants(clients: Clients) -> list[dict[str, Any]]:
    cache = clients.cache
    if cache is not None and cache.synced("PulseTenant"):
        return cache.items("PulseTenant")
    return await asyncio.to_thread(kube.list_all, clients.kube, "PulseTenant")


async def drift_pass(memo: kopf.Memo) -> DriftReport:
    cfg: OperatorConfig = memo.cfg
    clients: Clients = memo.clients
    report, outages = DriftReport(), Outages()
    bodies = await _tenants(clients)
    report.tenants = len(bodies)
    live_uids = {b["metadata"].get("uid") for b in bodies}
    deleted_uids(memo).intersection_update(live_uids)  # forget tombstones of gone objects
    limit = asyncio.Semaphore(cfg.drift_concurrency)
    before, started = Counter(clients.kube.requests), time.monotonic()

    yield_until = started + cfg.drift_interval_seconds

    async def one(body: dict[str, Any]) -> None:
        async with limit:
            await _yield_to_handlers(memo, yield_until)
            await _drift_one(memo, kopf.Body(body), report, outages)  # type: ignore[arg-type]

    await asyncio.gather(*(one(b) for b in bodies))
    report.seconds = time.monotonic() - started
    report.outages = outages.summary()
    report.kube_requests = dict(Counter(clients.kube.requests) - before)
    report.cache_bytes = clients.cache.stored_bytes() if clients.cache is not None else 0
    return report


async def _yield_to_handlers(memo: kopf.Memo, until: float) -> None:
    """Handlers go first (a burst of new tenants, a restart's resumes), for
    at most one interval per pass. Why: each drift check takes a reconcile
    slot; at 200 tenants a pass took ~10 s of those, and tenants being
    provisioned, which a check would not touch anyway (they are locked or
    not yet observed), waited behind it."""
    idle = shared(memo).idle
    if not idle.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(idle.wait(), max(until - time.monotonic(), 0))


async def _drift_one(
    memo: kopf.Memo, body: kopf.Body, report: DriftReport, outages: Outages
) -> None:
    meta, status = body["metadata"], body.get("status") or {}
    name = meta["name"]
    handled = status.get("observedGeneration") == meta.get("generation")
    if meta.get("deletionTimestamp") or not handled or tenant_lock(memo, name).locked():
        report.skipped += 1  # being handled; the next pass checks it
        return
    try:
        tenant = parse_tenant(name, meta["uid"], meta.get("generation"), dict(body["spec"]))
        outcome = await reconcile_and_publish(
            "drift", body, memo, tenant, frozenset(), drift=True, outages=outages
        )
    except InvalidInput as exc:
        report.failed[name] = str(exc)  # already in the status
        return
    except Exception as exc:
        log.warning("drift repair failed", tenant=name, error=str(exc))
        report.failed[name] = str(exc)
        return
    if outcome is None:
        report.skipped += 1
        return
    report.checked += 1
    if outcome.changed:
        report.repaired[name] = outcome.changed
    if outcome.retryable_failure:
        report.failed[name] = outcome.retryable_failure
