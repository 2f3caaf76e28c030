"""20 tenants applied together all become Ready (the figure for the README
comes from benchmarks/tenant_ready.py; no timing is asserted here)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.operator.conftest import GROUP, PLURAL, VERSION, Platform, Tenants, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


def test_twenty_tenants_at_once(platform: Platform, tenants: Tenants) -> None:
    slugs = [tenants.apply(f"many-{i:02d}") for i in range(20)]

    def ready() -> dict[str, dict[str, Any]] | None:
        # One LIST a poll, not 20 GETs: polled often, cheaply.
        listed: dict[str, Any] = tenants.custom.list_cluster_custom_object(GROUP, VERSION, PLURAL)
        status = {o["metadata"]["name"]: o.get("status") or {} for o in listed["items"]}
        mine = {s: status.get(s, {}) for s in slugs}
        return mine if all(st.get("phase") == "Ready" for st in mine.values()) else None

    final: dict[str, dict[str, Any]] = wait_for("20 tenants Ready", ready, timeout=180)
    ids = {st["tenantId"] for st in final.values()}
    assert len(ids) == 20
