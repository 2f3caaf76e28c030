"""Publishing a reconcile's outcome: the status (written only when it
changed), the phase metric, and an Event per phase or condition transition."""

from __future__ import annotations

import asyncio
from typing import Any

import kopf

from pulse_operator import metrics
from pulse_operator.clients import Clients
from pulse_operator.reconcile import kube
from pulse_operator.reconcile.tenant import Outcome


async def publish(body: kopf.Body, clients: Clients, old: dict[str, Any], outcome: Outcome) -> None:
    new = outcome.status
    name = body["metadata"]["name"]
    if {k: old.get(k) for k in new} != new:
        patched = await asyncio.to_thread(kube.patch_status, clients.kube, "PulseTenant", name, new)
        if patched is not None and clients.cache is not None:
            clients.cache.put(patched)
    metrics.record_phase(name, new["phase"])
    events: list[tuple[str, str, str]] = []
    before, phase = old.get("phase"), new["phase"]
    if before != phase:
        ok = phase in ("Ready", "Suspended")
        # The first phase has no "from" to show.
        message = f"phase {before} -> {phase}" if before else f"phase {phase}"
        events.append(("Normal" if ok else "Warning", phase, message))
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
