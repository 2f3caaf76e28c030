"""Tenant isolation through the newer surfaces, attacked by a user of tenant
A who wants tenant B's data or to harm it: the response cache and the
analytics fast path (the same route and parameters for two tenants at the
same data version), tokens replayed after their user was demoted or
removed, and B's ids in the routes that take one (AI providers, ML alerts,
feature flags, conversations, assistant messages). Every attack is
refused, and B's rows stay as they were."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import redis
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from pulse_backend.response_cache import data_version_key
from pulse_backend.tenant_logs import stream_key
from pulse_backend.tx import read_transaction, write_transaction
from pulse_common.tenancy import TenantNames
from tests.backend.conftest import (
    Platform,
    Session,
    TenantFactory,
    admin_session,
    invite_and_login,
)
from tests.backend.support import add_deployment, add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
RANGE = {"start": (AS_OF - dt.timedelta(days=30)).isoformat(), "end": AS_OF.isoformat()}
SECRET = "tenant-b-secret-7c1e"


def _same_data_version(redis_admin: redis.Redis, *sessions: Session) -> None:
    """Both tenants at data version 7: only the tenant tells their keys apart."""
    for s in sessions:
        redis_admin.set(data_version_key(s.tenant.slug), 7)


def test_two_tenants_asking_the_same_never_share_a_cached_answer(
    client: TestClient, make_tenant: TenantFactory, platform: Platform, redis_admin: redis.Redis
) -> None:
    a = admin_session(client, make_tenant("a"))
    b = admin_session(client, make_tenant("b"))
    repo = add_repository(platform, b.tenant)
    for n in range(3):
        add_deployment(platform, b.tenant, repo, n, AS_OF - dt.timedelta(days=n + 1))
    wait_replica(platform)
    _same_data_version(redis_admin, a, b)
    # The analytics fast path, the routed analytics path and the catalog:
    # B asks first (its answer is stored), then A asks the same, twice.
    for path, params in (
        ("/api/v1/analytics/deployment-frequency", RANGE),
        ("/api/v1/analytics/summary", RANGE),
        ("/api/v1/catalog", {}),
    ):
        seen_b = client.get(path, params=params, headers=b.headers)
        assert seen_b.status_code == 200, seen_b.text
        for expected in ("miss", "hit"):
            seen_a = client.get(path, params=params, headers=a.headers)
            assert seen_a.status_code == 200, seen_a.text
            assert seen_a.headers["X-Cache"] == expected, path
            assert seen_a.content != seen_b.content, path
            assert "acme/api" not in seen_a.text
    # B's answer counts its three deployments, A's none.
    for s, count in ((b, 3), (a, 0)):
        r = client.get("/api/v1/analytics/deployment-frequency", params=RANGE, headers=s.headers)
        assert r.json()["sample_size"] == count, r.text
    assert "acme/api" in client.get("/api/v1/catalog", headers=b.headers).text


def test_a_demoted_or_removed_users_token_is_refused_on_cached_paths(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    member = invite_and_login(client, admin, "member")
    refresh = client.cookies.get("pulse_refresh")  # the member's, set by its login
    assert refresh
    path = "/api/v1/analytics/deployment-frequency"
    for expected in ("miss", "hit"):
        r = client.get(path, params=RANGE, headers=member.headers)
        assert r.status_code == 200 and r.headers["X-Cache"] == expected, r.text
    assert client.get("/api/v1/search", params={"q": "x"}, headers=member.headers).status_code in (
        200,
        503,
    )
    r = client.patch(
        f"/api/v1/users/{member.user_id}", json={"role": "viewer"}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    # Demoted: the same token keeps only the viewer's rights, at once.
    r = client.get("/api/v1/search", params={"q": "x"}, headers=member.headers)
    assert r.status_code == 403, r.text
    r = client.post("/api/v1/assistant/conversations", headers=member.headers)
    assert r.status_code == 403, r.text
    assert client.get(path, params=RANGE, headers=member.headers).status_code == 200
    # Removed: the token no longer reaches even a cached answer.
    r = client.delete(f"/api/v1/users/{member.user_id}", headers=admin.headers)
    assert r.status_code == 200, r.text
    for url, params in ((path, RANGE), ("/api/v1/catalog", {}), ("/api/v1/profile", {})):
        r = client.get(url, params=params, headers=member.headers)
        assert r.status_code == 401, (url, r.text)
    # Nor does its refresh cookie mint a new access token.
    client.cookies.clear()
    client.cookies.set("pulse_refresh", refresh)
    assert client.post("/api/v1/auth/refresh").status_code == 401


def _alert(platform: Platform, s: Session) -> int:
    (row,) = tenant_sql(
        platform,
        s.tenant.slug,
        "INSERT INTO ml_anomaly_alert (tenant_id, model_name, severity, alert_data) "
        "VALUES (:t, :m, 'high', '{}') RETURNING id",
        {"t": s.tenant.tenant_id, "m": SECRET},
    )
    return int(row.id)


def _provider(s: Session, client: TestClient, n: int) -> int:
    body: dict[str, Any] = {
        "name": f"{SECRET}-{n}",
        "type": "ai",
        "api_key": f"sk-{SECRET}",
        "config": {
            "kind": "openai-compatible",
            "base_url": "https://gateway.example/v1",
            "model": "gpt-test",
            "gateway_route": "default",
            "priority": 10 + n,
            "timeouts": {"connect_seconds": 2, "read_seconds": 5},
            "limits": {"max_input_tokens": 8000, "max_output_tokens": 1000},
        },
    }
    r = client.post("/api/v1/ai-providers", json=body, headers=s.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _b_state(platform: Platform, s: Session) -> list[Any]:
    out: list[Any] = []
    for table in ("users", "integrations", "ml_anomaly_alert", "system_settings"):
        out += tenant_sql(platform, s.tenant.slug, f"SELECT * FROM {table} ORDER BY 1")
    return out


def test_tenant_b_ids_in_every_id_route_are_not_found(
    client: TestClient, make_tenant: TenantFactory, platform: Platform
) -> None:
    a = admin_session(client, make_tenant("a"))
    b = admin_session(client, make_tenant("b"))
    member_b = invite_and_login(client, b, "member")
    providers = [_provider(b, client, n) for n in range(2)]
    alerts = [_alert(platform, b) for _ in range(2)]
    r = client.post("/api/v1/assistant/conversations", headers=member_b.headers)
    assert r.status_code == 201, r.text
    conversation = r.json()["id"]
    wait_replica(platform)
    before = _b_state(platform, b)
    attacks: list[tuple[str, str, Any]] = []
    for pid in providers:
        attacks += [
            ("GET", f"/api/v1/ai-providers/{pid}", None),
            ("PATCH", f"/api/v1/ai-providers/{pid}", {"name": "stolen"}),
            ("POST", f"/api/v1/ai-providers/{pid}/test", None),
            ("DELETE", f"/api/v1/ai-providers/{pid}", None),
        ]
    attacks += [("POST", f"/api/v1/ml/alerts/{aid}/acknowledge", None) for aid in alerts]
    attacks += [
        ("GET", f"/api/v1/assistant/conversations/{conversation}", None),
        ("POST", f"/api/v1/assistant/conversations/{conversation}/messages", {"content": "hi"}),
        ("POST", f"/api/v1/assistant/messages/{conversation}/feedback", {"rating": "up"}),
    ]
    for method, url, body in attacks:
        r = client.request(method, url, json=body, headers=a.headers)
        assert r.status_code in (404, 422), (method, url, r.status_code, r.text)
        assert SECRET not in r.text
    # The lists A sees hold nothing of B's.
    for url in ("/api/v1/ai-providers", "/api/v1/ml/alerts", "/api/v1/users"):
        r = client.get(url, headers=a.headers)
        assert r.status_code == 200 and SECRET not in r.text, (url, r.text)
        assert b.tenant.slug not in r.text
    # A flag or branding set by A is A's alone.
    r = client.put("/api/v1/settings/features/agent", json={"enabled": False}, headers=a.headers)
    assert r.status_code in (200, 404, 422), r.text
    r = client.put("/api/v1/settings/branding", json={}, headers=a.headers)
    assert r.status_code in (200, 422), r.text
    assert _b_state(platform, b) == before
    # B's own member still has the conversation.
    r = client.get(f"/api/v1/assistant/conversations/{conversation}", headers=member_b.headers)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("where", ["primary", "replica"])
def test_a_statement_of_one_tenant_cannot_hold_a_shared_connection(
    make_client: Callable[..., TestClient], admin: Session, platform: Platform, where: str
) -> None:
    """Search, analytics and every other request run on the backend's shared
    pools and the shared replica: a statement that one tenant's input makes
    slow (a search's words, a wide analytics range) is cancelled at the
    backend's statement timeout instead of holding a connection other
    tenants wait for. pg_sleep stands in for that statement."""
    client = make_client(db_statement_timeout_ms=200)
    clients = client.app.state.clients  # type: ignore[attr-defined]
    names = TenantNames(admin.tenant.slug)
    wait_replica(platform)

    def open_tx() -> AbstractContextManager[Connection]:
        if where == "primary":
            return write_transaction(clients.engines.primary, names)
        return read_transaction(clients.replica, names, None, None)

    with (
        pytest.raises(sqlalchemy.exc.OperationalError, match="statement timeout"),
        open_tx() as conn,
    ):
        conn.execute(text("SELECT pg_sleep(60)"))


def test_a_demoted_admins_websocket_stops_relaying_the_tenants_logs(
    client: TestClient, admin: Session, redis_admin: redis.Redis
) -> None:
    """An admin's socket subscribes to the live log channel; once demoted,
    the same socket must not relay a log line more (the socket is not
    closed: the user still may receive the tenant's events)."""
    second = invite_and_login(client, admin, "admin")
    logs, events = stream_key(admin.tenant.slug), f"t:{admin.tenant.slug}:events"

    def publish_log_then_event(n: int) -> list[dict[str, Any]]:
        redis_admin.publish(logs, json.dumps({"message": f"log-line-{n}"}))
        redis_admin.publish(events, json.dumps({"type": "etl.progress", "n": n}))
        received = []
        while True:
            msg: dict[str, Any] = ws.receive_json()
            received.append(msg)
            if msg.get("type") == "etl.progress" and msg.get("n") == n:
                return received

    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "auth", "token": second.token})
        assert ws.receive_json()["type"] == "ready"
        assert any(m.get("type") == "log" for m in publish_log_then_event(1))
        r = client.patch(
            f"/api/v1/users/{second.user_id}", json={"role": "member"}, headers=admin.headers
        )
        assert r.status_code == 200, r.text
        # The socket re-reads its principal (what its periodic check does),
        # then answers a ping: from here on it knows the new role.
        ws.send_json({"type": "auth", "token": second.token})
        ws.send_json({"type": "ping"})
        while ws.receive_json().get("type") != "pong":
            pass
        assert not [m for m in publish_log_then_event(2) if m.get("type") == "log"]
