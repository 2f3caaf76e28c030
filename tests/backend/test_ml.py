"""ML monitoring APIs over rows written as the ETL would write them:
predictions, performance aggregates per window (served through the response
cache and invalidated by the tenant's data version), anomaly alerts with
severity filter and acknowledgement (who, when), learning-memory feedback,
roles, and cross-tenant ids."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

import redis
from fastapi.testclient import TestClient

from tests.backend.conftest import Platform, Session, admin_session, invite_and_login
from tests.backend.support import tenant_sql, wait_replica

DAY1 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 3, 3, 15, 30, tzinfo=dt.UTC)
RANGE = {"since": "2026-03-01T00:00:00Z", "until": "2026-03-10T00:00:00Z"}


def _metric(platform: Platform, s: Session, name: str, value: float, at: dt.datetime) -> None:
    tenant_sql(
        platform,
        s.tenant.slug,
        "INSERT INTO ai_performance_metrics (tenant_id, metric_name, metric_value, metric_unit, "
        "service_name, measured_at) VALUES (:t, :n, :v, 'ms', 'agent', :at)",
        {"t": s.tenant.tenant_id, "n": name, "v": value, "at": at},
    )


def _alert(platform: Platform, s: Session, severity: str, model: str = "anomaly-v1") -> int:
    (row,) = tenant_sql(
        platform,
        s.tenant.slug,
        "INSERT INTO ml_anomaly_alert (tenant_id, model_name, severity, alert_data) "
        'VALUES (:t, :m, :s, \'{"metric": "lead_time"}\') RETURNING id',
        {"t": s.tenant.tenant_id, "m": model, "s": severity},
    )
    return int(row.id)


def test_performance_aggregates_per_day_and_cache_by_data_version(
    client: TestClient, admin: Session, platform: Platform, redis_admin: redis.Redis
) -> None:
    day1 = [120.0, 80.0, 100.0]
    for i, v in enumerate(day1):
        _metric(platform, admin, "latency", v, DAY1 + dt.timedelta(minutes=i))
    _metric(platform, admin, "latency", 300.0, DAY2)
    _metric(platform, admin, "tokens", 42.0, DAY2)
    wait_replica(platform)
    r = client.get(
        "/api/v1/ml/performance", params={**RANGE, "metric_name": "latency"}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["x-cache"] == "miss"
    buckets = r.json()["buckets"]
    assert [b["bucket_start"][:10] for b in buckets] == ["2026-03-02", "2026-03-03"]
    first = buckets[0]
    assert first["samples"] == 3 and first["min"] == min(day1) and first["max"] == max(day1)
    assert abs(first["avg"] - statistics.mean(day1)) < 1e-9 and first["metric_unit"] == "ms"

    again = client.get(
        "/api/v1/ml/performance", params={**RANGE, "metric_name": "latency"}, headers=admin.headers
    )
    assert again.headers["x-cache"] == "hit" and again.json() == r.json()

    # New data without a new data version: the cache still answers (by design);
    # the ETL bumps the version after its load, and the next read recomputes.
    _metric(platform, admin, "latency", 500.0, DAY2 + dt.timedelta(minutes=1))
    wait_replica(platform)
    stale = client.get(
        "/api/v1/ml/performance", params={**RANGE, "metric_name": "latency"}, headers=admin.headers
    )
    assert stale.headers["x-cache"] == "hit" and stale.json()["buckets"][1]["samples"] == 1
    redis_admin.incr(f"t:{admin.tenant.slug}:data_version")
    fresh = client.get(
        "/api/v1/ml/performance", params={**RANGE, "metric_name": "latency"}, headers=admin.headers
    )
    assert fresh.headers["x-cache"] == "miss"
    assert fresh.json()["buckets"][1]["samples"] == 2 and fresh.json()["buckets"][1]["max"] == 500.0

    # Other parameters are other entries; the hour window buckets by hour.
    hourly = client.get(
        "/api/v1/ml/performance", params={**RANGE, "window": "hour"}, headers=admin.headers
    )
    assert hourly.headers["x-cache"] == "miss"
    assert {(b["metric_name"], b["bucket_start"][11:13]) for b in hourly.json()["buckets"]} == {
        ("latency", "09"),
        ("latency", "15"),
        ("tokens", "15"),
    }
    metrics = client.get("/metrics").text
    assert 'pulse_cache_requests_total{cache="response",result="hit"} 2.0' in metrics
    assert 'pulse_cache_requests_total{cache="response",result="miss"} 3.0' in metrics


def test_response_cache_is_per_tenant(
    client: TestClient, admin: Session, make_tenant: Any, platform: Platform
) -> None:
    other = admin_session(client, make_tenant())
    _metric(platform, admin, "latency", 10.0, DAY1)
    wait_replica(platform)
    mine = client.get("/api/v1/ml/performance", params=RANGE, headers=admin.headers)
    assert len(mine.json()["buckets"]) == 1
    theirs = client.get("/api/v1/ml/performance", params=RANGE, headers=other.headers)
    assert theirs.headers["x-cache"] == "miss" and theirs.json()["buckets"] == []


def test_performance_parameters_are_validated(client: TestClient, admin: Session) -> None:
    for params, field in [
        ({"since": "2026-03-01T00:00:00"}, "since"),
        ({"since": "2026-03-05T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "since"),
        ({"window": "minute"}, "window"),
        ({"since": "1990-01-01T00:00:00Z", "window": "hour"}, "since"),
    ]:
        r = client.get("/api/v1/ml/performance", params=params, headers=admin.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["errors"][0]["field"] == field


def test_alerts_filter_and_acknowledge(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    member = invite_and_login(client, admin, "member")
    high = _alert(platform, admin, "high")
    _alert(platform, admin, "low")
    critical = _alert(platform, admin, "critical", model="drift-v2")
    wait_replica(platform)
    r = client.get(
        "/api/v1/ml/alerts", params={"severity": ["high", "critical"]}, headers=member.headers
    )
    assert r.status_code == 200
    assert {a["id"] for a in r.json()} == {high, critical}
    r = client.get("/api/v1/ml/alerts", params={"severity": "bogus"}, headers=member.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("severity")

    r = client.post(f"/api/v1/ml/alerts/{high}/acknowledge", headers=member.headers)
    assert r.status_code == 200, r.text
    acked = r.json()
    member_email = client.get("/api/v1/auth/me", headers=member.headers).json()["email"]
    assert acked["acknowledged"] is True and acked["acknowledged_by"] == member_email
    assert acked["acknowledged_at"] is not None
    # A second acknowledgement keeps the first (who and when).
    r = client.post(f"/api/v1/ml/alerts/{high}/acknowledge", headers=admin.headers)
    assert (
        r.json()["acknowledged_by"] == member_email
        and r.json()["acknowledged_at"] == acked["acknowledged_at"]
    )
    r = client.get("/api/v1/ml/alerts", params={"acknowledged": "false"}, headers=member.headers)
    assert high not in {a["id"] for a in r.json()} and critical in {a["id"] for a in r.json()}
    r = client.post("/api/v1/ml/alerts/999999/acknowledge", headers=member.headers)
    assert r.status_code == 404 and r.json()["code"] == "alert_not_found"


def test_predictions_and_learning_memory(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    for i, model in enumerate(["lead-time", "lead-time", "risk"]):
        tenant_sql(
            platform,
            admin.tenant.slug,
            "INSERT INTO ai_predictions (tenant_id, model_name, prediction_type, input_data, "
            "prediction_result, confidence_score) VALUES (:t, :m, 'forecast', '{}', :r, 0.8)",
            {"t": admin.tenant.tenant_id, "m": model, "r": f'{{"days": {i}}}'},
        )
    wait_replica(platform)
    r = client.get(
        "/api/v1/ml/predictions", params={"model_name": "lead-time"}, headers=admin.headers
    )
    assert r.status_code == 200
    assert len(r.json()) == 2 and all(p["confidence_score"] == 0.8 for p in r.json())
    assert (
        len(client.get("/api/v1/ml/predictions", params={"limit": 1}, headers=admin.headers).json())
        == 1
    )

    feedback = {
        "kind": "answer_correction",
        "user_intent": "deployment frequency last month",
        "original_answer": "12",
        "user_feedback": "we deployed 14 times",
        "corrected_answer": "14",
    }
    r = client.post("/api/v1/ml/learning-memory", json=feedback, headers=admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["context"]["user_id"] == admin.user_id
    r = client.get(
        "/api/v1/ml/learning-memory", params={"kind": "answer_correction"}, headers=admin.headers
    )
    assert [m["corrected_answer"] for m in r.json()] == ["14"]
    r = client.post(
        "/api/v1/ml/learning-memory", json={**feedback, "kind": ""}, headers=admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"


def test_viewer_is_refused(client: TestClient, admin: Session) -> None:
    viewer = invite_and_login(client, admin, "viewer")
    for method, path in [
        ("GET", "/api/v1/ml/alerts"),
        ("GET", "/api/v1/ml/performance"),
        ("POST", "/api/v1/ml/alerts/1/acknowledge"),
        ("POST", "/api/v1/ml/learning-memory"),
    ]:
        assert client.request(method, path, headers=viewer.headers, json={}).status_code == 403, (
            path
        )


def test_cross_tenant_alert_ids_are_refused(
    client: TestClient, admin: Session, make_tenant: Any, platform: Platform
) -> None:
    alert = _alert(platform, admin, "critical")
    other = admin_session(client, make_tenant())
    wait_replica(platform)
    r = client.post(f"/api/v1/ml/alerts/{alert}/acknowledge", headers=other.headers)
    assert r.status_code == 404
    assert client.get("/api/v1/ml/alerts", headers=other.headers).json() == []
    (row,) = tenant_sql(
        platform,
        admin.tenant.slug,
        "SELECT acknowledged FROM ml_anomaly_alert WHERE id=:i",
        {"i": alert},
    )
    assert row.acknowledged is False
