"""Drift repair: every ``drift_interval_seconds``, each PulseTenant whose
current generation was handled is checked against its backends and repaired
where it drifted (see ``reconcile(drift=True)``)."""

from __future__ import annotations

import asyncio

import kopf
import structlog

from pulse_common.errors import InvalidInput
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import kube
from pulse_operator.runner import run, tenant_lock
from pulse_operator.spec import parse_tenant

log = structlog.get_logger("pulse_operator")


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
            items = await asyncio.to_thread(kube.list_all, memo.clients.kube, "PulseTenant")
        except Exception as exc:
            log.warning("drift check could not list tenants", error=str(exc))
            continue
        for obj in items:
            await drift_one(memo, kopf.Body(obj))  # type: ignore[arg-type]


async def drift_one(memo: kopf.Memo, body: kopf.Body) -> None:
    meta, status = body["metadata"], body.get("status") or {}
    name = meta["name"]
    if meta.get("deletionTimestamp") or status.get("observedGeneration") != meta.get("generation"):
        return  # a change or a deletion is being handled
    if tenant_lock(memo, name).locked():
        return  # busy: skip this round rather than queue behind it
    try:
        tenant = parse_tenant(name, meta["uid"], meta.get("generation"), dict(body["spec"]))
        await run("drift", body, memo, tenant, frozenset(), drift=True)
    except (kopf.TemporaryError, InvalidInput):
        pass  # already in the status; the next round tries again
    except Exception as exc:
        log.warning("drift repair failed", tenant=name, error=str(exc))
