"""Probes, metrics, the error shape, settings that refuse dev secrets, and
logs that carry category/request id/tenant but never a secret."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from pulse_backend import logging as backend_logging
from pulse_backend.settings import DEV_DATABASE_URL, LogFormat, Settings
from tests.backend.conftest import (
    BACKEND_PASSWORD,
    NEW_PASSWORD,
    Platform,
    TenantFactory,
    admin_session,
    invite_and_login,
)


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    checks = r.json()["checks"]
    assert checks["primary"] == {"ok": True, "message": "primary"}
    assert checks["replica"] == {"ok": True, "message": "in recovery"}
    assert checks["redis"]["ok"] is True


def test_readyz_names_an_unreachable_database_without_secrets(
    make_client: Callable[..., TestClient], platform: Platform
) -> None:
    dead = "postgresql://pulse_backend:s3cret-pw@127.0.0.1:1/pulse"
    client = make_client(database_replica_url=dead)
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["status"] == "not ready: replica"
    assert r.json()["checks"]["replica"]["ok"] is False
    assert "s3cret-pw" not in r.text and "127.0.0.1" not in r.text


def test_metrics_by_route_template(client: TestClient, platform: Platform) -> None:
    client.get("/api/v1/users/12345")
    client.get("/api/v1/users/67890")
    client.get("/no/such/route")
    text = client.get("/metrics").text
    assert (
        'pulse_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="401"} 2.0'
        in text
    )
    assert "12345" not in text
    assert 'route="<unmatched>",status="404"' in text
    assert "pulse_http_request_duration_seconds_bucket" in text
    assert "pulse_replica_fallbacks_total" in text or "pulse_replica_fallbacks" in text
    assert "pulse_cache_requests_total" in text or "pulse_cache_requests" in text


def test_errors_are_problem_details_without_internals(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()

    def boom() -> None:
        raise RuntimeError("SELECT secret FROM users WHERE password = 'hunter2'")

    client.app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    r = client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "https://pulse.dev/problems/internal_error",
        "title": "Internal error",
        "status": 500,
        "detail": "internal error",
        "code": "internal_error",
    }
    r = client.get("/api/v1/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.delete("/api/v1/auth/login")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"


def test_settings_refuse_missing_and_default_secrets_outside_dev(tmp_path: Any) -> None:
    with pytest.raises(ValidationError) as missing:
        Settings(environment="production")
    for var in ("DATABASE_URL", "REDIS_URL", "ENCRYPTION_KEYS", "JWT_KEYS_DIR", "JWT_ACTIVE_KID"):
        assert f"PULSE_BACKEND_{var}" in str(missing.value)
    with pytest.raises(ValidationError) as default:
        Settings(
            environment="production",
            database_url=DEV_DATABASE_URL,
            redis_url="redis://u:real-redis-pw@r:6379/0",
            encryption_keys="k:" + "B" * 43 + "=",
            jwt_keys_dir=str(tmp_path),
            jwt_active_kid="k",
        )
    message = str(default.value)
    assert "PULSE_BACKEND_DATABASE_URL is the dev default" in message
    assert "real-redis-pw" not in message and "pulse@" not in message
    # Dev needs nothing.
    assert Settings(environment="dev").secret("database_url") == DEV_DATABASE_URL


def test_openapi_documents_problem_responses(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    op = spec["paths"]["/api/v1/users"]["get"]
    assert op["operationId"] == "users_list_users"
    assert {"401", "403", "422", "429"} <= set(op["responses"])


def test_logs_have_context_and_no_secrets(
    make_client: Callable[..., TestClient],
    make_tenant: TenantFactory,
    capfd: pytest.CaptureFixture[str],
    world: Any,
) -> None:
    client = make_client()
    try:
        _check_logs(client, make_tenant(), capfd, world)
    finally:
        # The captured stream closes with the test; later teardown logs elsewhere.
        backend_logging.configure(LogFormat.json, stream=sys.__stderr__)


def _check_logs(client: TestClient, t: Any, capfd: pytest.CaptureFixture[str], world: Any) -> None:
    initial_password = t.admin_password
    admin = admin_session(client, t)
    member = invite_and_login(client, admin, "member")
    refresh_cookie = client.cookies.get("pulse_refresh")
    device_cookie = client.cookies.get("pulse_device")
    r = client.post("/api/v1/auth/refresh")
    assert r.status_code == 200
    client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": t.admin_email, "password": "wrong-guess-123"},
    )
    client.get("/api/v1/users", headers=admin.headers)
    out = capfd.readouterr().err
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert lines
    for secret in (
        initial_password,
        NEW_PASSWORD,
        "wrong-guess-123",
        admin.token,
        member.token,
        r.json()["access_token"],
        refresh_cookie,
        device_cookie,
        BACKEND_PASSWORD,
        world.redis.admin_password,
    ):
        assert secret and secret not in out
    for line in lines:
        assert line.get("category"), line
    http = [ln for ln in lines if ln["category"] == "HTTP"]
    assert http and all("request_id" in ln for ln in http)
    users_line = next(ln for ln in http if ln["route"] == "/api/v1/users" and ln["method"] == "GET")
    assert users_line["tenant"] == t.slug
    auth = [ln for ln in lines if ln["category"] == "AUTH"]
    assert {"login", "login refused", "password changed"} <= {ln["event"] for ln in auth}


def test_log_redaction_of_careless_calls() -> None:
    """Even a log call that passes secrets by mistake prints none of them."""
    import io

    import structlog

    stream = io.StringIO()
    backend_logging.configure(LogFormat.json, stream=stream)
    try:
        structlog.get_logger("t").info(
            "careless",
            category="AUTH",
            password="p4ssw0rd-value",
            headers={"Authorization": "Bearer abc.def.ghi", "accept": "json"},
            note="header was Bearer sometokenvalue and dsn postgresql://u:dbpw-value@h/db",
            jwt="eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            redis_url="redis://admin:redispw-value@h:1/0",
        )
    finally:
        backend_logging.configure(LogFormat.json, stream=sys.__stderr__)
    out = stream.getvalue()
    for secret in (
        "p4ssw0rd-value",
        "abc.def.ghi",
        "sometokenvalue",
        "dbpw-value",
        "c2lnbmF0dXJl",
        "redispw-value",
    ):
        assert secret not in out
    line = json.loads(out)
    assert line["headers"]["accept"] == "json" and line["category"] == "AUTH"


def test_encryption_keys_rotate_and_bind_context() -> None:
    from pulse_backend.crypto import DecryptionFailed, EncryptionKeys
    from pulse_common.errors import InvalidInput

    k_old = "old:" + "A" * 43 + "="
    k_new = "new:" + "B" * 43 + "="
    sealed = EncryptionKeys.parse(k_old).encrypt("sk-secret", "acme/ai/7")
    assert "sk-secret" not in sealed and sealed.startswith("v1:old:")
    rotated = EncryptionKeys.parse(f"{k_new},{k_old}")
    assert rotated.decrypt(sealed, "acme/ai/7") == "sk-secret"
    assert rotated.needs_reencrypt(sealed)
    assert rotated.encrypt("x", "c").startswith("v1:new:")
    with pytest.raises(DecryptionFailed):
        rotated.decrypt(sealed, "globex/ai/7")  # copied to another tenant's row
    with pytest.raises(DecryptionFailed):
        EncryptionKeys.parse(k_new).decrypt(sealed, "acme/ai/7")  # key removed
    for bad in ("nokid", "k:short", f"{k_old},{k_old}"):
        with pytest.raises(InvalidInput, match="PULSE_BACKEND_ENCRYPTION_KEYS"):
            EncryptionKeys.parse(bad)
