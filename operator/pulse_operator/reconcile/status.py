"""Conditions and phase of a PulseTenant, computed from the backends' checks.

``lastTransitionTime`` changes only when a condition's status really changes,
so that re-running a reconcile that changes nothing writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

DATABASE, CACHE, VECTOR, WORKLOAD, READY = (
    "DatabaseReady",
    "CacheReady",
    "VectorStoreReady",
    "WorkloadReady",
    "Ready",
)
PARTS = (DATABASE, CACHE, VECTOR, WORKLOAD)
# Not part of Ready: a tenant whose Jira token is missing still serves its
# users; only that integration's sync waits for the Secret. It makes the
# phase Degraded, though, so that ``kubectl get pt`` shows it (see ``phase_of``).
INTEGRATIONS = "IntegrationsReady"
# Not part of Ready either, and not Degraded: a primary colour the page would
# swallow is replaced by the default (reconcile/branding.py); the condition,
# its Warning event and the Message column say which field to correct.
BRANDING = "BrandingReady"
INFORMATIONAL = (INTEGRATIONS, BRANDING)
DEGRADING = (INTEGRATIONS,)


@dataclass(frozen=True)
class Check:
    type: str
    ok: bool
    reason: str
    message: str


@dataclass(frozen=True)
class Transition:
    type: str
    old: str | None
    new: str
    reason: str
    message: str


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# Ready's reason while the tenant is suspended on purpose: it serves nobody
# (sign-ins refused, ETL scaled to 0), so not Ready, but nothing is broken.
SUSPENDED = "Suspended"
SUSPENDED_MESSAGE = "tenant suspended: sign-ins refused and ETL scaled to 0; data kept"


def _ready(failing: list[Check | None], *, suspended: bool) -> Check:
    if failing:
        return Check(
            READY,
            False,
            "NotReady",
            "; ".join(f"{c.type}: {c.message}" for c in failing if c is not None)
            or "not every backend has been checked yet",
        )
    if suspended:
        return Check(READY, False, SUSPENDED, SUSPENDED_MESSAGE)
    return Check(READY, True, "AllReady", "every backend is ready")


def merge_conditions(
    previous: list[dict[str, Any]],
    checks: list[Check],
    generation: int,
    now: str | None = None,
    *,
    suspended: bool = False,
) -> tuple[list[dict[str, Any]], list[Transition]]:
    """New conditions (previous ones kept for parts not checked this time) and
    the transitions among them. ``Ready`` is True only when every part is and
    the tenant is not suspended (then False with reason ``Suspended``)."""
    old = {c["type"]: c for c in previous}
    by_type: dict[str, Check] = {c.type: c for c in checks}
    for part in (*PARTS, *INFORMATIONAL):
        if part not in by_type and part in old:
            c = old[part]
            by_type[part] = Check(
                part, c["status"] == "True", c.get("reason", ""), c.get("message", "")
            )
    failing = [c for c in (by_type.get(p) for p in PARTS) if c is None or not c.ok]
    by_type[READY] = _ready(failing, suspended=suspended)

    stamp = now or now_iso()
    conditions, transitions = [], []
    for kind in (READY, *PARTS, *INFORMATIONAL):
        check = by_type.get(kind)
        if check is None:
            continue
        status = "True" if check.ok else "False"
        before = old.get(kind)
        changed = before is None or before.get("status") != status
        conditions.append(
            {
                "type": kind,
                "status": status,
                "reason": check.reason,
                "message": check.message,
                "lastTransitionTime": stamp if changed else before["lastTransitionTime"],  # type: ignore[index]
                "observedGeneration": generation,
            }
        )
        if changed:
            transitions.append(
                Transition(
                    kind,
                    before.get("status") if before else None,
                    status,
                    check.reason,
                    check.message,
                )
            )
    return conditions, transitions


def phase_of(conditions: list[dict[str, Any]], *, suspended: bool) -> str:
    """Degraded when a backend is not ready (Ready False), and also when the
    tenant serves its users (Ready True) but something it was given is
    broken, such as an integration Secret missing: the phase column is what
    an operator reads first, and a "Ready" there hid it. Suspension wins over
    an informational problem: the tenant is meant to be idle."""
    ready = next((c for c in conditions if c["type"] == READY), None)
    if ready is None:
        return "Pending"
    if ready.get("reason") == SUSPENDED:
        return "Suspended"
    if ready["status"] != "True":
        return "Degraded"
    if suspended:
        return "Suspended"
    broken = any(c["type"] in DEGRADING and c["status"] == "False" for c in conditions)
    return "Degraded" if broken else "Ready"
