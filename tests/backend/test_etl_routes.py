"""/api/v1/etl: the backend controls a real tenant ETL (served over HTTP on
a loopback port, syncing from the local Jira and GitHub servers into the
tenant's schema as its login role) with the caller's token, which the ETL
verifies again with the backend's JWKS. Progress reaches the browser over
the backend's WebSocket."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_backend.context import Principal
from pulse_backend.etl_service import internal_token
from pulse_backend.rbac import Role
from tests.backend.conftest import (
    NEW_PASSWORD,
    Platform,
    invite_and_login,
    login,
)
from tests.backend.etl_world import Etl

JOBS = "/api/v1/etl/jobs"


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
    # The ETL's log lines are in the tenant's log API, by category.
    r = c.get("/api/v1/logs", params={"category": ["ORCH", "ERROR"], "limit": 1000}, headers=h)
    assert r.status_code == 200, r.text
    orch = [(e["event"], e["fields"].get("integration")) for e in r.json()]
    assert ("run succeeded", "github-main") in orch and ("run paused", "jira-main") in orch
    assert {e["category"] for e in r.json()} <= {"ORCH", "ERROR"}


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


def test_member_granted_jobs_write_controls_jobs(etl: Etl, platform: Platform) -> None:
    """A grant beyond the role reaches the ETL: the backend calls it with a
    token carrying the permission it checked (the user's token only says
    ``member``), and the real ETL runs the job."""
    c = etl.client
    email = f"ops-{etl.admin.tenant.slug}@example.com"
    member = invite_and_login(c, etl.admin, "member", email)
    r = c.post(f"{JOBS}/github-main/start", headers=member.headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    schema = "tenant_" + etl.admin.tenant.slug.replace("-", "_")
    with platform.engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {schema}.users_permissions (tenant_id, user_id, resource, action) "
                "VALUES (:t, :u, 'jobs', 'write')"
            ),
            {"t": etl.admin.tenant.tenant_id, "u": member.user_id},
        )
    # Grants come with a new session.
    headers = {
        "Authorization": f"Bearer {login(c, member.tenant.slug, email, NEW_PASSWORD)['access_token']}"
    }
    r = c.post(f"{JOBS}/github-main/start", headers=headers)
    assert r.status_code == 202, r.text
    assert _wait(etl, "github-main", {"succeeded", "failed"})["state"] == "succeeded"
    assert _count(etl, "prs") == sum(len(ps) for ps in etl.sources.github_org.pulls.values())
    # Reading stays the member's role right; the grant added control only.
    assert c.get(JOBS, headers=headers).status_code == 200
    r = c.get(
        "/api/v1/logs", params={"category": ["ORCH"], "limit": 100}, headers=etl.admin.headers
    )
    assert ("run succeeded", "github-main") in [
        (e["event"], e["fields"].get("integration")) for e in r.json()
    ]
    # The internal token is good for the ETL only: the API refuses it.
    keys = c.app.state.clients.keys  # type: ignore[attr-defined]
    principal = Principal(
        member.user_id,
        etl.admin.tenant.tenant_id,
        etl.admin.tenant.slug,
        Role.member,
        1,
        False,
        frozenset({"jobs:write"}),
    )
    internal = {"Authorization": f"Bearer {internal_token(keys, principal, 'jobs:write')}"}
    assert c.get("/api/v1/auth/me", headers=internal).status_code == 401
    assert c.post(f"{JOBS}/github-main/start", headers=internal).status_code == 401
