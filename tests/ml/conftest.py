"""A provisioned tenant for ML monitoring, and the DORA scenario builder
(tests/dora/conftest.py) on it: each test's rows roll back at its end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from pulse_common.analytics.levels import Benchmarks
from pulse_common.provisioning import TenantProvisioned
from pulse_common.tenancy import quote_ident
from tests.dora.conftest import T0, Scenario
from tests.pulse_db import PulseDb

pytestmark = pytest.mark.postgres


WEEK = dt.timedelta(days=7)
# median 20; absolute deviations 0 (x5), 2 (x6), 4: MAD 2, scale 2.9652 hours
STEADY = [20, 22, 18, 20, 24, 20, 18, 22, 20, 20, 22, 18]


def ship_weekly(sc: Scenario, hours: list[float], start: dt.datetime = T0) -> dt.datetime:
    """One PR a week (Tuesday) from the Monday ``start``, whose cycle (first
    commit to deployed) is ``hours``; returns the Monday after the last week."""
    api = sc.repo("api")
    for week, h in enumerate(hours):
        opened = start + week * WEEK + dt.timedelta(days=1)
        merged = opened + dt.timedelta(hours=h - 1)
        pr = sc.pr(api, first_commit=opened, opened=opened, merged=merged)
        sc.deploy(api, sc.sha_of(pr), opened + dt.timedelta(hours=h))
    sc.link()
    return start + len(hours) * WEEK


@contextmanager
def provisioned(pulse_db: PulseDb, slug: str, password: str) -> Iterator[TenantProvisioned]:
    from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant

    req = TenantRequest.model_validate(
        {
            "slug": slug,
            "display_name": slug,
            "admin_email": f"admin@{slug}.example",
            "login_password": password,
        }
    )
    try:
        yield ensure_tenant(pulse_db.engine, req)
    finally:
        drop_tenant(pulse_db.engine, req.slug)


@pytest.fixture(scope="session")
def ml_tenant(pulse_db: PulseDb) -> Iterator[TenantProvisioned]:
    with provisioned(pulse_db, "ml-monitoring", "pw-ml-monitoring") as tenant:
        yield tenant


@pytest.fixture
def sc(pulse_db: PulseDb, ml_tenant: TenantProvisioned) -> Iterator[Scenario]:
    conn = pulse_db.engine.connect()
    tx = conn.begin()
    try:
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(ml_tenant.schema_name)}"))
        yield Scenario(conn, ml_tenant.tenant_id, Benchmarks(bands={}))
    finally:
        tx.rollback()
        conn.close()
