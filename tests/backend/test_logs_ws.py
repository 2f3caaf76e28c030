"""The tenant log stream (structlog -> capped Redis stream -> /api/v1/logs)
and the WebSocket relay of the tenant's events, with its authentication,
tenant separation and closing when the session ends."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.backend.conftest import Session, admin_session, invite_and_login, login
from tests.backend.support import wait_until

pytestmark = pytest.mark.timeout(120)


def _logs(client: TestClient, s: Session, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/logs", params=params, headers=s.headers)
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def test_tenant_admin_reads_recent_logs_filtered(
    client: TestClient, admin: Session, make_tenant: Any
) -> None:
    request_id = f"req-{uuid.uuid4().hex}"
    client.get("/api/v1/settings/branding", headers={**admin.headers, "X-Request-ID": request_id})
    client.put("/api/v1/settings/features/beta", json={"enabled": True}, headers=admin.headers)

    def mine() -> list[dict[str, Any]]:
        return [
            e
            for e in _logs(client, admin, category="HTTP")
            if e["fields"].get("request_id") == request_id
        ]

    (entry,) = wait_until(mine)
    assert entry["event"] == "request" and entry["level"] == "info"
    assert (
        entry["fields"]["route"] == "/api/v1/settings/branding" and entry["fields"]["status"] == 200
    )
    color = wait_until(lambda: _logs(client, admin, category="COLOR"))
    assert {e["category"] for e in color} == {"COLOR"}
    assert _logs(client, admin, level="error") == []
    everything = _logs(client, admin, limit=1000)
    assert all(admin.token not in json.dumps(e) for e in everything)
    newest = everything[0]["timestamp"]
    assert _logs(client, admin, since="2199-01-01T00:00:00Z") == []
    assert len(_logs(client, admin, until=newest[:19] + "Z", limit=1000)) <= len(everything)
    r = client.get("/api/v1/logs", params={"since": "2026-01-01T00:00:00"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "since"

    other = admin_session(client, make_tenant())
    theirs = _logs(client, other, limit=1000)
    assert all(e["fields"].get("request_id") != request_id for e in theirs)
    member = invite_and_login(client, admin, "member")
    assert client.get("/api/v1/logs", headers=member.headers).status_code == 403


def _connect(client: TestClient, token: str) -> tuple[WebSocketTestSession, Any]:
    cm = client.websocket_connect("/api/v1/ws")
    ws = cm.__enter__()
    ws.send_json({"type": "auth", "token": token})
    return ws, cm


def _next(
    ws: WebSocketTestSession, want: Callable[[dict[str, Any]], bool], limit: int = 200
) -> dict[str, Any]:
    for _ in range(limit):
        msg: dict[str, Any] = ws.receive_json()
        if want(msg):
            return msg
    raise AssertionError("message not received")


def test_websocket_relays_only_the_own_tenants_events(
    client: TestClient, admin: Session, make_tenant: Any, redis_admin: redis.Redis
) -> None:
    other = admin_session(client, make_tenant())
    member = invite_and_login(client, admin, "member")
    ws, cm = _connect(client, member.token)
    try:
        ready = ws.receive_json()
        assert ready == {"type": "ready", "tenant": admin.tenant.slug, "user_id": member.user_id}
        redis_admin.publish(
            f"t:{other.tenant.slug}:events", json.dumps({"type": "etl.progress", "secret": "B"})
        )
        redis_admin.publish(
            f"t:{admin.tenant.slug}:events", json.dumps({"type": "etl.progress", "pct": 40})
        )
        # Order is kept, so B's event would have come first.
        assert ws.receive_json() == {"type": "etl.progress", "pct": 40}
        # A settings change by the admin reaches the member's browser.
        client.put("/api/v1/settings/features/beta", json={"enabled": True}, headers=admin.headers)
        event = ws.receive_json()
        assert event["type"] == "settings.changed" and event["what"] == "feature:beta"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}
    finally:
        cm.__exit__(None, None, None)


def test_admin_gets_live_logs_over_the_websocket(client: TestClient, admin: Session) -> None:
    ws, cm = _connect(client, admin.token)
    try:
        assert ws.receive_json()["type"] == "ready"
        request_id = f"live-{uuid.uuid4().hex}"
        client.get(
            "/api/v1/settings/features", headers={**admin.headers, "X-Request-ID": request_id}
        )
        msg = _next(ws, lambda m: m.get("type") == "log" and request_id in m["entry"]["fields"])
        assert msg["entry"]["category"] == "HTTP"
    finally:
        cm.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"type": "auth", "token": "not-a-jwt"}, 4401),
        ({"type": "hello"}, 4400),
    ],
)
def test_websocket_refuses_bad_auth(client: TestClient, first: dict[str, Any], code: int) -> None:
    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json(first)
        with pytest.raises(WebSocketDisconnect) as err:
            ws.receive_json()
        assert err.value.code == code


def test_websocket_needs_auth_in_time(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_BACKEND_WS_AUTH_TIMEOUT_SECONDS", "0.2")
    client = make_client()
    with client.websocket_connect("/api/v1/ws") as ws:
        with pytest.raises(WebSocketDisconnect) as err:
            ws.receive_json()
        assert err.value.code == 4408


def test_websocket_closes_when_the_session_ends(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch, tenant: Any
) -> None:
    monkeypatch.setenv("PULSE_BACKEND_WS_SESSION_CHECK_SECONDS", "0.2")
    client = make_client()
    admin = admin_session(client, tenant)
    ws, cm = _connect(client, admin.token)
    try:
        assert ws.receive_json()["type"] == "ready"
        assert client.post("/api/v1/auth/logout", headers=admin.headers).status_code in (200, 204)
        with pytest.raises(WebSocketDisconnect) as err:
            _next(ws, lambda m: False)  # live log lines until the close
        assert err.value.code == 4401
    finally:
        cm.__exit__(None, None, None)


def test_websocket_refuses_a_user_whose_password_must_change(
    client: TestClient, tenant: Any
) -> None:
    token = login(client, tenant.slug, tenant.admin_email, tenant.admin_password)["access_token"]
    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "auth", "token": token})
        with pytest.raises(WebSocketDisconnect) as err:
            ws.receive_json()
        assert err.value.code == 4403
