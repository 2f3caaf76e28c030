"""The WebSocket relays ``ml.*`` events (anomaly alerts carry the tenant's
metrics) only to users holding ``ml:read``: a viewer connected next to an
admin gets the tenant's other events but never the alert."""

from __future__ import annotations

import json

import pytest
import redis
from fastapi.testclient import TestClient

from tests.backend.conftest import (  # noqa: F401 - fixtures
    Session,
    admin,
    client,
    invite_and_login,
    make_tenant,
    tenant,
)
from tests.backend.test_logs_ws import _connect, _next

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]


def test_ml_alerts_reach_ml_readers_only(
    client: TestClient,  # noqa: F811
    admin: Session,  # noqa: F811
    redis_admin: redis.Redis,
) -> None:
    viewer = invite_and_login(client, admin, "viewer")
    channel = f"t:{admin.tenant.slug}:events"
    alert = {"type": "ml.alert", "alert": {"id": 7, "severity": "critical"}}
    progress = {"type": "etl.progress", "pct": 40}
    viewer_ws, viewer_cm = _connect(client, viewer.token)
    admin_ws, admin_cm = _connect(client, admin.token)
    try:
        assert viewer_ws.receive_json()["type"] == "ready"
        assert admin_ws.receive_json()["type"] == "ready"
        redis_admin.publish(channel, json.dumps(alert))
        redis_admin.publish(channel, json.dumps(progress))
        # Order is kept on a channel: had the alert been relayed to the
        # viewer, it would be the first message here.
        assert viewer_ws.receive_json() == progress
        got = _next(admin_ws, lambda m: m.get("type") in ("ml.alert", "etl.progress"))
        assert got == alert
        assert _next(admin_ws, lambda m: m.get("type") == "etl.progress") == progress
    finally:
        viewer_cm.__exit__(None, None, None)
        admin_cm.__exit__(None, None, None)
