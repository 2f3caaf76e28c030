"""Prometheus metrics of the operator."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECONCILE_SECONDS = Histogram(
    "pulse_operator_reconcile_duration_seconds",
    "Time to reconcile one tenant",
    ["trigger"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
ERRORS = Counter("pulse_operator_backend_errors_total", "Failed backend steps", ["backend"])
TENANTS = Gauge("pulse_operator_tenants", "Tenants by phase", ["phase"])
PHASES = ("Pending", "Provisioning", "Ready", "Degraded", "Suspended", "Deleting")

_phase_by_tenant: dict[str, str] = {}


def record_phase(slug: str, phase: str | None) -> None:
    if phase is None:
        _phase_by_tenant.pop(slug, None)
    else:
        _phase_by_tenant[slug] = phase
    for p in PHASES:
        TENANTS.labels(phase=p).set(sum(1 for v in _phase_by_tenant.values() if v == p))
