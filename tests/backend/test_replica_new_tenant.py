"""A brand-new tenant read while the real replica has not replayed its
creation (replay paused), with no read-your-writes marker to send the read
to the primary (it expired, or Redis lost it): the replica has no role,
schema or tables of the tenant yet, and the read is answered by the
primary, once, with a log line saying why, instead of a 500 ('relation ...
does not exist')."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable

import pytest
import redis
from fastapi.testclient import TestClient

from pulse_backend import logging as backend_logging
from pulse_backend.replica import ReplicaRouter
from pulse_backend.settings import LogFormat
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_common.tenancy import TenantNames
from tests.backend import test_replica
from tests.backend.conftest import Platform, TenantFactory, TenantInfo, admin_session
from tests.backend.support import wait_replica
from tests.backend.test_analytics_fast_path import RANGE, session_id
from tests.backend.test_replica import _fallbacks, all_fallbacks

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
paused_replay = test_replica.paused_replay  # the fixture, shared

READS = ["/api/v1/analytics/engineering", "/api/v1/users", "/api/v1/auth/me", "/api/v1/profile"]


def test_a_tenant_the_replica_lacks_is_read_on_the_primary_without_a_marker(
    make_client: Callable[..., TestClient],
    make_tenant: TenantFactory,
    platform: Platform,
    paused_replay: Callable[[], None],
    redis_admin: redis.Redis,
    capfd: pytest.CaptureFixture[str],
) -> None:
    client = make_client(replica_max_lag_seconds=3600, replica_lag_cache_seconds=0)
    wait_replica(platform)  # the client's own roles, on the replica too
    paused_replay()
    s = admin_session(client, make_tenant())
    names = TenantNames(s.tenant.slug)
    # No marker: the session's own writes and the tenant's last load unknown.
    redis_admin.delete(ReplicaRouter.ryw_key(names.slug, session_id(s.token)), names.data_lsn_key)
    before = _fallbacks(client, "tenant_not_replayed")
    capfd.readouterr()
    try:
        for path in READS:
            params = RANGE if "analytics" in path else None
            r = client.get(path, params=params, headers=s.headers)
            assert r.status_code == 200, (path, r.text)
        err = capfd.readouterr().err
    finally:
        # The captured stream closes with the test; later teardown logs elsewhere.
        backend_logging.configure(LogFormat.json, stream=sys.__stderr__)
    assert _fallbacks(client, "tenant_not_replayed") == before + len(READS), all_fallbacks(client)
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    fallbacks = [e for e in logged if e.get("event") == "replica lacks the tenant: read on primary"]
    assert len(fallbacks) == len(READS)
    assert {e["tenant"] for e in fallbacks} == {names.slug}
    assert s.tenant.admin_password not in json.dumps(logged) and s.token not in json.dumps(logged)


def test_a_tenant_whose_tables_the_replica_lacks_is_read_on_the_primary(
    make_client: Callable[..., TestClient],
    platform: Platform,
    paused_replay: Callable[[], None],
    redis_admin: redis.Redis,
) -> None:
    # The replica has the tenant's roles and schema, not its tables: the
    # figure's opening failed with 'relation "deployments" does not exist'.
    client = make_client(replica_max_lag_seconds=3600, replica_lag_cache_seconds=0)
    slug = f"b-{uuid.uuid4().hex[:8]}"

    def after(step: str) -> None:
        if step == "schema":
            wait_replica(platform, timeout=60)  # bounds a hang only
            paused_replay()

    req = TenantRequest(slug=slug, display_name=slug, admin_email=f"admin@{slug}.example")
    out = ensure_tenant(platform.engine, req, after_step=after)
    try:
        assert out.admin_password is not None
        tenant = TenantInfo(slug, out.tenant_id, out.admin_email, "")
        tenant.admin_password = out.admin_password.get_secret_value()
        s = admin_session(client, tenant)
        redis_admin.delete(ReplicaRouter.ryw_key(slug, session_id(s.token)))
        before = _fallbacks(client, "tenant_not_replayed")
        r = client.get("/api/v1/analytics/engineering", params=RANGE, headers=s.headers)
        assert r.status_code == 200, r.text
        assert _fallbacks(client, "tenant_not_replayed") == before + 1
    finally:
        drop_tenant(platform.engine, slug)
