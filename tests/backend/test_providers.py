"""AI and embedding providers: CRUD with pydantic-validated routing config,
credentials encrypted at rest (AES-GCM, key id stored, rotation) and never
leaving the server, "test connection" against a local OpenAI-shaped server,
data integrations with sync status, roles, and cross-tenant ids."""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
import structlog
from fastapi.testclient import TestClient

from pulse_fakes import FakeServer, Fault, GatewayState, serve_gateway
from pulse_fakes.faults import Served
from tests.backend.conftest import (
    ENCRYPTION_KEYS,
    Platform,
    Session,
    admin_session,
    invite_and_login,
)
from tests.backend.support import tenant_sql, wait_replica, wait_until

API_KEY = "sk-test-DO-NOT-LEAK-5f1e2d3c4b5a6978"
K2 = "k2:" + base64.urlsafe_b64encode(b"another-32-byte-long-key-for-k2!").decode()


def _provider(url: str, **config: Any) -> dict[str, Any]:
    return {
        "name": config.pop("name", "gateway"),
        "type": config.pop("type", "ai"),
        "api_key": config.pop("api_key", API_KEY),
        "config": {
            "kind": "openai-compatible",
            "base_url": url,
            "model": "gpt-test",
            "gateway_route": "default",
            "priority": 10,
            "timeouts": {"connect_seconds": 2, "read_seconds": 5},
            "limits": {"max_input_tokens": 8000, "max_output_tokens": 1000},
            **config,
        },
    }


def _create(client: TestClient, s: Session, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/v1/ai-providers", json=body, headers=s.headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_crud_never_returns_the_key_and_stores_it_encrypted(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    created = _create(client, admin, _provider("https://gateway.example/v1"))
    assert created["has_credentials"] is True
    assert created["credentials_last4"] == API_KEY[-4:]
    assert created["config"]["model"] == "gpt-test"
    texts = [json.dumps(created)]
    for path in ("/api/v1/ai-providers", f"/api/v1/ai-providers/{created['id']}"):
        r = client.get(path, headers=admin.headers)
        assert r.status_code == 200
        texts.append(r.text)
    r = client.patch(
        f"/api/v1/ai-providers/{created['id']}",
        json={"config": {**created["config"], "model": "gpt-other", "priority": 5}},
        headers=admin.headers,
    )
    assert r.status_code == 200 and r.json()["config"]["priority"] == 5
    assert r.json()["has_credentials"] is True  # a config change keeps the key
    texts.append(r.text)
    assert all(API_KEY not in t and API_KEY[:-4] not in t for t in texts)

    (row,) = tenant_sql(
        platform,
        admin.tenant.slug,
        "SELECT credentials_encrypted, settings FROM integrations WHERE id = :i",
        {"i": created["id"]},
    )
    sealed = bytes(row.credentials_encrypted)
    assert sealed.startswith(b"v1:k1:") and API_KEY.encode() not in sealed
    assert API_KEY not in json.dumps(row.settings)

    r = client.patch(
        f"/api/v1/ai-providers/{created['id']}", json={"clear_api_key": True}, headers=admin.headers
    )
    assert r.json()["has_credentials"] is False and r.json()["credentials_last4"] is None
    assert (
        client.delete(f"/api/v1/ai-providers/{created['id']}", headers=admin.headers).status_code
        == 204
    )
    assert (
        client.get(f"/api/v1/ai-providers/{created['id']}", headers=admin.headers).status_code
        == 404
    )


def test_config_is_validated_naming_the_field_without_echoing_the_key(
    client: TestClient, admin: Session
) -> None:
    cases = {
        "config.kind": _provider("https://x.example", kind="bard"),
        "config.base_url": _provider("not a url"),
        "config.priority": _provider("https://x.example", priority=-1),
        "config.timeouts.read_seconds": _provider(
            "https://x.example", timeouts={"read_seconds": 0}
        ),
        "config": _provider("https://x.example", kind="azure-openai"),
        "name": {**_provider("https://x.example"), "name": "Bad Name"},
    }
    for field, body in cases.items():
        r = client.post("/api/v1/ai-providers", json=body, headers=admin.headers)
        assert r.status_code == 422, (field, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, (field, r.json())
        assert API_KEY not in r.text
    r = client.post(
        "/api/v1/ai-providers",
        json=_provider("https://x.example", fallback="missing"),
        headers=admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "config.fallback"
    _create(client, admin, _provider("https://x.example"))
    r = client.post(
        "/api/v1/ai-providers", json=_provider("https://x.example"), headers=admin.headers
    )
    assert r.status_code == 409 and API_KEY not in r.text
    assert r.json()["errors"] == [
        {"field": "name", "message": "an integration with this name already exists"}
    ]


def test_fallback_must_exist_and_blocks_deletion(client: TestClient, admin: Session) -> None:
    backup = _create(client, admin, _provider("https://backup.example", name="backup"))
    main = _create(client, admin, _provider("https://main.example", name="main", fallback="backup"))
    assert main["config"]["fallback"] == "backup"
    r = client.delete(f"/api/v1/ai-providers/{backup['id']}", headers=admin.headers)
    assert r.status_code == 409 and "main" in r.json()["detail"]
    emb = _create(client, admin, _provider("https://e.example", name="emb", type="embedding"))
    r = client.patch(
        f"/api/v1/ai-providers/{emb['id']}",
        json={"config": {**emb["config"], "fallback": "backup"}},
        headers=admin.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "config.fallback"


@contextmanager
def gateway(models: list[str], dimension: int = 8) -> Iterator[FakeServer]:
    """The local OpenAI-compatible gateway, with this test's key and models."""
    server = serve_gateway(GatewayState(api_key=API_KEY, models=models, dimension=dimension))
    try:
        yield server
    finally:
        server.stop()


def state(server: FakeServer) -> GatewayState:
    assert server.gateway_state is not None
    return server.gateway_state


def last(server: FakeServer) -> Served:
    return server.plan.log[-1]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the backend prints, in a buffer (the processors are kept)."""
    stream = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(stream))
    yield stream
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.__stderr__))


def test_connection_test_against_an_openai_shaped_server(
    client: TestClient, admin: Session, redis_admin: redis.Redis, log_output: io.StringIO
) -> None:
    with gateway(["gpt-test", "gpt-other"], dimension=8) as server:
        ok = _create(client, admin, _provider(f"{server.url}/v1"))
        r = client.post(f"/api/v1/ai-providers/{ok['id']}/test", headers=admin.headers)
        assert r.status_code == 200, r.text
        assert r.json()["ok"] is True and set(r.json()["models"]) == {"gpt-test", "gpt-other"}
        assert last(server).path == "/v1/models"

        wrong = _create(
            client, admin, _provider(f"{server.url}/v1", name="wrong", api_key="sk-wrong-key-0000")
        )
        r = client.post(f"/api/v1/ai-providers/{wrong['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is False and r.json()["status_code"] == 401
        assert "refused the credentials" in r.json()["detail"]

        missing = _create(
            client, admin, _provider(f"{server.url}/v1", name="missing-model", model="gpt-9")
        )
        r = client.post(f"/api/v1/ai-providers/{missing['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is False and "gpt-9" in r.json()["detail"]

        emb = _create(
            client, admin, _provider(f"{server.url}/v1", name="emb", type="embedding", dimensions=8)
        )
        r = client.post(f"/api/v1/ai-providers/{emb['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is True and r.json()["dimensions"] == 8
        assert state(server).requests[-1]["body"] == {"model": "gpt-test", "input": "ping"}
        bad_dims = _create(
            client,
            admin,
            _provider(f"{server.url}/v1", name="emb2", type="embedding", dimensions=16),
        )
        r = client.post(f"/api/v1/ai-providers/{bad_dims['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is False and "8 dimensions" in r.json()["detail"]

        azure = _create(
            client,
            admin,
            _provider(
                server.url,  # Azure's base is the resource, not an /v1 API root
                name="azure",
                kind="azure-openai",
                api_version="2024-06-01",
                deployment="d1",
            ),
        )
        r = client.post(f"/api/v1/ai-providers/{azure['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is True
        served = last(server)
        assert served.path.endswith("/openai/models") and served.query == "api-version=2024-06-01"

        server.plan.add(Fault(path=r"/models$", kind="timeout", delay=1.0))
        slow = _create(
            client,
            admin,
            _provider(
                server.url, name="slow", timeouts={"connect_seconds": 1, "read_seconds": 0.2}
            ),
        )
        r = client.post(f"/api/v1/ai-providers/{slow['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is False and r.json()["detail"] == "timed out"

    r = client.post(f"/api/v1/ai-providers/{ok['id']}/test", headers=admin.headers)
    assert r.json()["ok"] is False and "cannot connect" in r.json()["detail"]
    # Nothing the server printed, and nothing in the tenant's log stream, holds the key.
    printed = log_output.getvalue()
    assert "ai-providers" in printed  # the access log did run
    assert API_KEY not in printed
    entries = wait_until(lambda: redis_admin.xrange(f"t:{admin.tenant.slug}:logs"))
    assert entries and all(API_KEY not in json.dumps(e) for e in entries)


def test_rotation_reencrypts_with_the_active_key(
    make_client: Callable[..., TestClient], tenant: Any, platform: Platform
) -> None:
    old = make_client()
    admin = admin_session(old, tenant)
    with gateway(["gpt-test"]) as server:
        created = _create(old, admin, _provider(f"{server.url}/v1"))
        rotated = make_client(encryption_keys=f"{K2},{ENCRYPTION_KEYS}")
        r = rotated.post("/api/v1/ai-providers/rotate-credentials", headers=admin.headers)
        assert r.status_code == 200 and r.json() == {
            "reencrypted": 1,
            "unreadable": 0,
            "active_key": "k2",
        }
        r = rotated.post("/api/v1/ai-providers/rotate-credentials", headers=admin.headers)
        assert r.json()["reencrypted"] == 0
        (row,) = tenant_sql(platform, tenant.slug, "SELECT credentials_encrypted FROM integrations")
        assert bytes(row.credentials_encrypted).startswith(b"v1:k2:")
        only_new = make_client(encryption_keys=K2)
        wait_replica(platform)
        r = only_new.post(f"/api/v1/ai-providers/{created['id']}/test", headers=admin.headers)
        assert r.json()["ok"] is True
        r = old.post(f"/api/v1/ai-providers/{created['id']}/test", headers=admin.headers)
        # A replica that only has k1 cannot read k2: a clear conflict, no key.
        assert r.status_code == 409 and r.json()["code"] == "credentials_unreadable"
        assert API_KEY not in r.text


def test_ciphertext_copied_to_another_tenant_does_not_decrypt(
    client: TestClient, admin: Session, make_tenant: Any, platform: Platform
) -> None:
    other = admin_session(client, make_tenant())
    created = _create(client, admin, _provider("http://127.0.0.1:9/v1"))
    theirs = _create(
        client, other, _provider("http://127.0.0.1:9/v1", api_key="sk-other-tenant-1111")
    )
    (row,) = tenant_sql(
        platform,
        admin.tenant.slug,
        "SELECT credentials_encrypted FROM integrations WHERE id=:i",
        {"i": created["id"]},
    )
    tenant_sql(
        platform,
        other.tenant.slug,
        "UPDATE integrations SET credentials_encrypted = :c WHERE id = :i",
        {"c": bytes(row.credentials_encrypted), "i": theirs["id"]},
    )
    wait_replica(platform)
    r = client.post(f"/api/v1/ai-providers/{theirs['id']}/test", headers=other.headers)
    assert r.status_code == 409 and r.json()["code"] == "credentials_unreadable"
    assert API_KEY not in r.text


def test_cross_tenant_ids_are_refused(
    client: TestClient, admin: Session, make_tenant: Any, platform: Platform
) -> None:
    mine = _create(client, admin, _provider("https://gateway.example/v1"))
    other = admin_session(client, make_tenant())
    pid = mine["id"]
    for method, path, body in [
        ("GET", f"/api/v1/ai-providers/{pid}", None),
        ("PATCH", f"/api/v1/ai-providers/{pid}", {"active": False}),
        ("DELETE", f"/api/v1/ai-providers/{pid}", None),
        ("POST", f"/api/v1/ai-providers/{pid}/test", None),
    ]:
        r = client.request(method, path, json=body, headers=other.headers)
        assert r.status_code == 404, (method, path, r.text)
    assert client.get("/api/v1/ai-providers", headers=other.headers).json() == []
    r = client.get(f"/api/v1/ai-providers/{pid}", headers=admin.headers)
    assert r.status_code == 200 and r.json()["active"] is True


def test_roles(client: TestClient, admin: Session) -> None:
    member = invite_and_login(client, admin, "member")
    for method, path in [
        ("GET", "/api/v1/integrations"),
        ("GET", "/api/v1/ai-providers"),
        ("POST", "/api/v1/ai-providers"),
        ("POST", "/api/v1/ai-providers/rotate-credentials"),
    ]:
        r = client.request(
            method, path, json=_provider("https://x.example"), headers=member.headers
        )
        assert r.status_code == 403, (method, path)


def test_data_integrations_with_sync_status(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    slug, tid = admin.tenant.slug, admin.tenant.tenant_id
    (jira,) = tenant_sql(
        platform,
        slug,
        "INSERT INTO integrations (tenant_id, name, type, provider, base_url, settings, last_sync_at) "
        "VALUES (:t, 'jira-main', 'data', 'jira', 'https://acme.atlassian.net', "
        '\'{"projects": ["PULSE"]}\', now()) RETURNING id',
        {"t": tid},
    )
    tenant_sql(
        platform,
        slug,
        "INSERT INTO etl_jobs (tenant_id, job_name, integration_id, status, error_message) "
        "VALUES (:t, 'jira-main:issues', :i, 'failed', 'HTTP 429 from Jira')",
        {"t": tid, "i": jira.id},
    )
    _create(client, admin, _provider("https://gateway.example/v1"))
    wait_replica(platform)
    r = client.get("/api/v1/integrations", headers=admin.headers)
    assert r.status_code == 200, r.text
    (item,) = r.json()  # the AI provider is not a data integration
    assert item["name"] == "jira-main" and item["provider"] == "jira"
    assert item["settings"] == {"projects": ["PULSE"]}
    assert (
        item["jobs"][0]["status"] == "failed"
        and item["jobs"][0]["error_message"] == "HTTP 429 from Jira"
    )
