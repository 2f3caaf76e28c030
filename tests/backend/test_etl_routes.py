"""/api/v1/etl: the backend controls a real tenant ETL (served over HTTP on
a loopback port, syncing from the local Jira and GitHub servers into the
tenant's schema as its login role) with the caller's token, which the ETL
verifies again with the backend's JWKS. Progress reaches the browser over
the backend's WebSocket."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from pulse_common import cache
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_common.tenancy import TenantNames
from pulse_etl.app import create_app as create_etl
from pulse_etl.settings import EtlSettings
from tests.backend.conftest import (
    Platform,
    Session,
    TenantInfo,
    admin_session,
    invite_and_login,
)
from tests.etl.conftest import PAGE, SPEC, Sources, start_sources, write_credentials
from tests.etl.serve import served

JOBS = "/api/v1/etl/jobs"


@dataclass
class Etl:
    client: TestClient  # the backend, pointed at the ETL
    admin: Session
    sources: Sources
    dsn: str


def _etl_settings(
    platform: Platform, slug: str, tenant_id: int, password: str, sources: Sources, root: Path
) -> EtlSettings:
    names = TenantNames(slug)
    rest = platform.primary_dsn.split("@", 1)[1]
    host = redis.Redis.from_url(platform.redis_url).connection_pool.connection_kwargs
    integrations = [
        {
            "name": "jira-main",
            "type": "jira",
            "baseUrl": sources.jira.url,
            "projects": [p["key"] for p in sources.jira_org.projects],
            "credentialsSecretRef": {"name": "acme-jira", "key": "token"},
            "pageSize": PAGE,
        },
        {
            "name": "github-main",
            "type": "github",
            "baseUrl": sources.github.url,
            "organization": SPEC.org,
            "credentialsSecretRef": {"name": "acme-github", "key": "token"},
            "pageSize": PAGE,
        },
    ]
    return EtlSettings.model_validate(
        {
            "tenant_slug": slug,
            "tenant_id": tenant_id,
            "database_url": f"postgresql://{names.login_role}:{password}@{rest}",
            "database_schema": names.schema,
            "redis_url": f"redis://{names.redis_user}:{password}@{host['host']}:{host['port']}/0",
            "redis_key_prefix": names.key_prefix,
            "qdrant_url": ":memory:",
            "qdrant_token": "unused",
            "qdrant_collection": names.collection,
            "etl_integrations": json.dumps(integrations),
            "etl_credentials_dir": str(root / "credentials"),
            "etl_jwks": str(root / "jwks.json"),
            "etl_http_timeout": 5,
        }
    )


@pytest.fixture
def etl(
    platform: Platform,
    make_client: Callable[..., TestClient],
    redis_admin: redis.Redis,
    tmp_path: Path,
) -> Iterator[Etl]:
    slug = f"be-{uuid.uuid4().hex[:8]}"
    password = f"pw-{slug}"
    req = TenantRequest(
        slug=slug,
        display_name=f"Tenant {slug}",
        admin_email=f"admin@{slug}.example",
        login_password=password,  # type: ignore[arg-type]
    )
    out = ensure_tenant(platform.engine, req)
    assert out.admin_password is not None
    names = TenantNames(slug)
    cache.ensure_user(redis_admin, names, password, out.tenant_id)
    sources = start_sources()
    write_credentials(tmp_path / "credentials")
    # The ETL trusts what the backend publishes at its JWKS route.
    jwks = make_client().get("/api/v1/.well-known/jwks.json")
    (tmp_path / "jwks.json").write_text(jwks.text)
    settings = _etl_settings(platform, slug, out.tenant_id, password, sources, tmp_path)
    try:
        with served(create_etl(settings, qdrant=QdrantClient(location=":memory:"))) as url:
            client = make_client(etl_url_template=url)
            info = TenantInfo(
                slug, out.tenant_id, req.admin_email, out.admin_password.get_secret_value()
            )
            yield Etl(
                client,
                admin_session(client, info),
                sources,
                settings.database_url.get_secret_value(),
            )
    finally:
        sources.stop()
        cache.delete_user_and_keys(redis_admin, names, out.tenant_id)
        drop_tenant(platform.engine, slug)


def _wait(e: Etl, name: str, states: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = e.client.get(f"{JOBS}/{name}", headers=e.admin.headers)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {name} never reached {states}: {job}")


def _count(e: Etl, table: str) -> int:
    with psycopg.connect(e.dsn) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


def test_admin_runs_pauses_resumes_and_cancels(etl: Etl) -> None:
    c, h = etl.client, etl.admin.headers
    jobs = c.get(JOBS, headers=h).json()
    assert [(j["integration"], j["state"]) for j in jobs] == [
        ("github-main", "queued"),
        ("jira-main", "queued"),
    ]
    assert set(jobs[0]) >= {"attempts", "last_error", "progress", "resumable", "watermark"}
    assert "cursor" not in jobs[0]
    # A full run, with its live progress on the WebSocket.
    with c.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "auth", "token": etl.admin.token})
        assert ws.receive_json()["type"] == "ready"
        r = c.post(f"{JOBS}/github-main/start", headers=h)
        assert r.status_code == 202, r.text
        for _ in range(500):
            msg = ws.receive_json()
            if msg.get("type") == "etl.progress" and msg["state"] == "succeeded":
                break
        else:
            raise AssertionError("no final progress event")
        assert msg["integration"] == "github-main" and msg["done"] > 0
    done = _wait(etl, "github-main", {"succeeded", "failed"})
    assert done["state"] == "succeeded" and done["watermark"] and not done["resumable"]
    total = sum(len(ps) for ps in etl.sources.github_org.pulls.values())
    assert _count(etl, "prs") == total
    # Pause a running job, resume it from its checkpoint, finish.
    etl.sources.jira.api.latency = 0.03
    assert c.post(f"{JOBS}/jira-main/start", headers=h).status_code == 202
    r = c.post(f"{JOBS}/jira-main/start", headers=h)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "job_running"
    while not _wait(etl, "jira-main", {"running"})["progress"]["done"]:
        time.sleep(0.05)
    assert c.post(f"{JOBS}/jira-main/pause", headers=h).status_code == 202
    paused = _wait(etl, "jira-main", {"paused"})
    assert paused["resumable"] and paused["last_error"] is None
    etl.sources.jira.api.latency = 0.0
    assert c.post(f"{JOBS}/jira-main/resume", headers=h).status_code == 202
    assert _wait(etl, "jira-main", {"succeeded", "failed"})["state"] == "succeeded"
    assert _count(etl, "work_items") == sum(1 for _ in etl.sources.jira_org.issues)
    # Nothing to cancel or resume now: the ETL's 409 as problem+json.
    r = c.post(f"{JOBS}/jira-main/cancel", headers=h)
    assert (
        r.status_code == 409
        and r.json()["code"] == "conflict"
        and "succeeded" in r.json()["detail"]
    )
    assert c.post(f"{JOBS}/jira-main/resume", headers=h).status_code == 409


def test_errors_and_rights(etl: Etl, make_client: Callable[..., TestClient]) -> None:
    c, h = etl.client, etl.admin.headers
    r = c.get(f"{JOBS}/nope", headers=h)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    # Names are checked before anything reaches the ETL.
    r = c.get(f"{JOBS}/Bad..name", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "integration"
    assert c.post(f"{JOBS}/jira-main/restart", headers=h).status_code == 422
    assert c.get(JOBS).status_code == 401
    member = invite_and_login(c, etl.admin, "member")
    assert c.get(JOBS, headers=member.headers).status_code == 200
    r = c.post(f"{JOBS}/jira-main/start", headers=member.headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    viewer = invite_and_login(c, etl.admin, "viewer")
    assert c.get(JOBS, headers=viewer.headers).status_code == 403
    # The ETL is down: 503 with Retry-After, naming only the service.
    down = make_client(etl_url_template="http://127.0.0.1:9")
    r = down.get(JOBS, headers=h)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["detail"] == "etl is unavailable; retry later"
    assert _count(etl, "prs") == 0
