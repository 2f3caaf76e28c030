"""Helpers for the settings, providers, ML, logs and WebSocket tests: rows
written straight into a tenant's schema (as the ETL or the operator would)
and waiting for the replica to replay them."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text

from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import Platform, TenantInfo
from tests.replication import wait_replayed


def tenant_sql(platform: Platform, slug: str, sql: str, params: Any = None) -> list[Any]:
    """Runs ``sql`` in the tenant's schema as its owner role, on the primary."""
    names = TenantNames(slug)
    with platform.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(names.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(names.schema)}"))
        result = conn.execute(text(sql), params or {})
        return list(result) if result.returns_rows else []


def wait_replica(platform: Platform, timeout: float = 15.0) -> None:
    """Until the replica has replayed everything committed on the primary
    (``tests.replication``: a synchronous commit's end, never the insert
    position, which may not be shipped yet)."""
    wait_replayed(platform.engine, platform.replica_engine, timeout)


def wait_until(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Polls ``check()`` until it returns something truthy (no timing assertion:
    the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(interval)


def add_repository(platform: Platform, tenant: TenantInfo) -> int:
    """A repository ``acme/api`` in the tenant, on the primary: its id."""
    [(repo,)] = tenant_sql(
        platform,
        tenant.slug,
        "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, 'acme/api', 'api') "
        "RETURNING id",
        {"t": tenant.tenant_id},
    )
    return int(repo)


def add_deployment(
    platform: Platform, tenant: TenantInfo, repo: int, n: int, at: dt.datetime
) -> None:
    """A successful production deployment ``d-<n>`` finished at ``at``, on the
    primary (as the ETL would load it: no data version bump)."""
    tenant_sql(
        platform,
        tenant.slug,
        "INSERT INTO deployments (tenant_id, external_id, repository_id, environment, "
        "commit_sha, status, deployed_at, started_at, finished_at, source) VALUES "
        "(:t, :x, :r, 'production', :sha, 'success', :at, :at, :at, 'deployment')",
        {"t": tenant.tenant_id, "x": f"d-{n}", "r": repo, "sha": f"{n:040d}", "at": at},
    )


@contextmanager
def demo_tenant(
    platform: Platform, prefix: str, display_name: str, as_of: dt.date
) -> Iterator[TenantInfo]:
    """A tenant seeded with the demo story as of ``as_of``, replayed on the
    replica (the analytics read there), dropped afterwards."""
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    password = "initial-admin-password-1"
    req = TenantRequest.model_validate(
        {
            "slug": slug,
            "display_name": display_name,
            "admin_email": f"admin@{slug}.example",
            "admin_password": password,
            "seed_profile": "demo",
            "demo_as_of": as_of,
        }
    )
    out = ensure_tenant(platform.engine, req)
    wait_replica(platform)
    try:
        yield TenantInfo(slug, out.tenant_id, out.admin_email, password)
    finally:
        drop_tenant(platform.engine, slug)
