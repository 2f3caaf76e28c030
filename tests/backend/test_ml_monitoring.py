"""ML monitoring through the API: an admin runs it on demand, the new alert
goes live over the WebSocket after the commit, a re-run raises nothing,
members may not run it, and the accuracy route reports the predictions."""

from __future__ import annotations

import datetime as dt

import redis
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_common.analytics.levels import Benchmarks
from pulse_common.ml.series import week_start
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import Platform, Session, invite_and_login
from tests.backend.support import wait_replica
from tests.backend.test_logs_ws import _connect, _next
from tests.dora.conftest import Scenario
from tests.ml.conftest import STEADY, ship_weekly

WEEK = dt.timedelta(days=7)


def _seed_weekly_lead_times(platform: Platform, s: Session, hours: list[float]) -> dt.date:
    """One PR a week up to last week (tests/ml's ``ship_weekly``); returns
    the last week's Monday."""
    names = TenantNames(s.tenant.slug)
    first = week_start(dt.datetime.now(dt.UTC)) - len(hours) * WEEK
    with platform.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(names.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(names.schema)}"))
        ship_weekly(Scenario(conn, s.tenant.tenant_id, Benchmarks(bands={})), hours, first)
    return (first + (len(hours) - 1) * WEEK).date()


def test_an_admin_run_raises_the_alert_once_and_pushes_it_live(
    client: TestClient, admin: Session, platform: Platform, redis_admin: redis.Redis
) -> None:
    spike = _seed_weekly_lead_times(platform, admin, [*STEADY, 60])
    member = invite_and_login(client, admin, "member")
    assert client.post("/api/v1/ml/monitoring/run", headers=member.headers).status_code == 403

    ws, cm = _connect(client, admin.token)
    try:
        assert ws.receive_json()["type"] == "ready"
        r = client.post("/api/v1/ml/monitoring/run", headers=admin.headers)
        assert r.status_code == 200, r.text
        [alert] = r.json()["alerts"]
        assert alert["severity"] == "critical"
        assert alert["alert_data"]["week_start"] == spike.isoformat()
        pushed = _next(ws, lambda m: m.get("type") == "ml.alert")
        assert pushed["alert"]["id"] == alert["id"]
        assert pushed["alert"]["alert_data"]["series"] == "lead_time_for_changes"
    finally:
        cm.__exit__(None, None, None)

    again = client.post("/api/v1/ml/monitoring/run", headers=admin.headers).json()
    assert again["alerts"] == []
    wait_replica(platform)
    listed = client.get("/api/v1/ml/alerts", headers=member.headers).json()
    assert [a["id"] for a in listed] == [alert["id"]]

    # One deployment day a week for 13 weeks: the next two weeks are forecast.
    accuracy = client.get("/api/v1/ml/accuracy", headers=member.headers).json()
    assert [(m["model_name"], m["predictions"], m["pending"], m["scored"]) for m in accuracy] == [
        ("deployment_days_theil_sen", 2, 2, 0)
    ]
    predictions = client.get(
        "/api/v1/ml/predictions",
        params={"model_name": "deployment_days_theil_sen"},
        headers=member.headers,
    ).json()
    assert {p["prediction_result"]["expected_deployment_days"] for p in predictions} == {1.0}
