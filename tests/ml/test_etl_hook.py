"""The ETL's post-sync hook on committed data, as the tenant's login role:
the alert is stored, published on the tenant's channel, and logged; a
second sync publishes nothing; a broken database never raises."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import redis
import redis.asyncio as aioredis
from sqlalchemy import text

from pulse_common.analytics.levels import Benchmarks
from pulse_common.provisioning import TenantProvisioned
from pulse_common.tenancy import TenantNames, quote_ident
from pulse_etl.jobs.events import Events
from pulse_etl.jobs.monitor import monitor_after_sync
from pulse_testworld import World
from tests.dora.conftest import T0, Scenario
from tests.ml.conftest import STEADY, provisioned, ship_weekly
from tests.pulse_db import PulseDb

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
WEEK = dt.timedelta(days=7)
PASSWORD = "pw-ml-etl-hook"


@pytest.fixture
def hook_tenant(pulse_db: PulseDb) -> Iterator[TenantProvisioned]:
    with provisioned(pulse_db, "ml-etl-hook", PASSWORD) as tenant:
        yield tenant


async def test_a_sync_publishes_each_new_alert_once(
    pulse_db: PulseDb,
    hook_tenant: TenantProvisioned,
    redis_admin: redis.Redis,
    world: World,
) -> None:
    with pulse_db.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(hook_tenant.schema_name)}"))
        sc = Scenario(conn, hook_tenant.tenant_id, Benchmarks(bands={}))
        ship_weekly(sc, [*STEADY, 60])
    now = T0 + 13 * WEEK + dt.timedelta(hours=1)
    dsn = pulse_db.dsn_as(hook_tenant.login_role, PASSWORD)
    names = TenantNames(hook_tenant.slug)
    sub = redis_admin.pubsub()
    sub.subscribe(f"{names.key_prefix}events")
    sub.get_message(timeout=1)  # the subscription confirmation
    bus = aioredis.Redis.from_url(world.redis.url)
    try:
        events = Events(names, bus)
        report = await monitor_after_sync(dsn, hook_tenant.tenant_id, events, now)
        assert report is not None and [a.severity for a in report.alerts] == ["critical"]
        message = sub.get_message(timeout=5)
        assert message is not None
        pushed = json.loads(message["data"])
        assert pushed["type"] == "ml.alert" and pushed["alert"]["id"] == report.alerts[0].id
        again = await monitor_after_sync(dsn, hook_tenant.tenant_id, events, now)
        assert again is not None and again.alerts == []
        assert sub.get_message(timeout=1) is None
        # a role that cannot log in: logged, never raised
        bad = pulse_db.dsn_as(hook_tenant.login_role, "wrong")
        assert await monitor_after_sync(bad, hook_tenant.tenant_id, events, now) is None
        log = redis_admin.xrevrange(events.log_key, count=1)
        assert log[0][1]["event"] == "monitoring failed"  # the backend log API's format
        assert "wrong" not in json.dumps(log)
    finally:
        sub.close()
        await bus.aclose()
