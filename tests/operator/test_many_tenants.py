"""20 tenants applied together all become Ready (the figure for the README
comes from benchmarks/tenant_ready.py; no timing is asserted here)."""

from __future__ import annotations

import pytest

from tests.operator.conftest import Platform, Tenants, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


def test_twenty_tenants_at_once(platform: Platform, tenants: Tenants) -> None:
    slugs = [tenants.apply(f"many-{i:02d}") for i in range(20)]

    def all_ready() -> bool:
        phases = [((tenants.get(s) or {}).get("status") or {}).get("phase") for s in slugs]
        return all(p == "Ready" for p in phases)

    wait_for("20 tenants Ready", all_ready, timeout=180, interval=1)
    ids = {tenants.get(s)["status"]["tenantId"] for s in slugs}  # type: ignore[index]
    assert len(ids) == 20
