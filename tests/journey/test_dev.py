"""``make dev`` (python -m pulse_testworld up --platform) as a developer uses it:
it prints a kubeconfig and DSNs that work, brings the example tenants to Ready,
prints ``kubectl get pt``, runs one ETL process per Ready tenant that syncs
from the local Jira and GitHub with the credentials in the tenant's Secrets,
serves the web app with the API on its origin, gives a tenant applied later
its ETL and a working login within a minute, stops a suspended tenant's ETL,
and stops everything on Ctrl-C (checked when the package's ``dev`` fixture,
shared with the journey, stops it)."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.journey.conftest import Dev

# Under xdist both files go to one worker: one make dev platform for them.
pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.xdist_group("make-dev")]


def test_make_dev_brings_the_platform_up(dev: Dev) -> None:
    out, described = dev.output, dev.state
    kubeconfig = described["kube"]["kubeconfig"]
    assert f"export KUBECONFIG={kubeconfig}" in out
    ns = dev.kubectl("get", "ns")
    assert "tenant-acme" in ns and "tenant-globex" in ns
    for role in ("primary", "replica"):
        dsn = described["postgres"][f"{role}_dsn"]
        assert dsn in out
        with psycopg.connect(dsn) as conn:
            recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        assert recovery == (role == "replica",)
    rows = [line.split() for line in out.splitlines() if line.startswith(("acme ", "globex "))]
    assert {r[0]: r[1] for r in rows} == {"acme": "Ready", "globex": "Ready"}
    # The printed login works against the printed API, for every example tenant.
    api = re.search(r"Backend API  (http://\S+)/api/v1", out)
    assert api, out
    api_url = api.group(1)
    logins = re.findall(r"tenant (\S+) +email (\S+) +password (\S+)", out)
    assert {t for t, _, _ in logins} == {"acme", "globex"}, out
    for tenant, email, password in logins:
        resp = httpx.post(
            f"{api_url}/api/v1/auth/login",
            json={"tenant": tenant, "email": email, "password": password},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["must_change_password"] is True
    etls = dev.etls()
    assert set(etls) == {"acme", "globex"}
    for etl in etls.values():
        assert httpx.get(f"{etl['url']}/healthz", timeout=10).status_code == 200
    # acme's integrations point at the printed local servers and sync with
    # the credentials of the Secrets make dev created.
    assert re.search(r"Local Jira +https://127\.0\.0\.1:\d+ +GitHub https://", out), out
    # Started as an admin does, through the backend (the ETL verifies the
    # forwarded token with the backend's JWKS, via PULSE_BACKEND_URL).
    acme = next(x for x in logins if x[0] == "acme")
    access = _chosen_password_token(api_url, *acme)
    for integration in ("jira-main", "github-main"):
        assert _sync(api_url, access, integration)["state"] == "succeeded"
    # The backend reaches a tenant's ETL by its Service name, as in a cluster.
    with dev.etl_client() as via_dns:
        # Unauthenticated, the ETL's job API refuses (only forwarded tokens).
        etl_jobs = "http://pulse-etl.tenant-acme.svc:8000/api/v1/jobs"
        assert via_dns.get(etl_jobs).status_code == 401
        headers = {"Authorization": f"Bearer {access}"}
        jobs = via_dns.get(etl_jobs, headers=headers).json()
        assert {j["integration"] for j in jobs} == {"jira-main", "github-main"}
        # And the ETL reaches the backend by the ConfigMap's PULSE_BACKEND_URL.
        backend = via_dns.get("http://pulse-backend.pulse-system.svc:3001/healthz")
        assert backend.status_code == 200, backend.text
    # The web app, with the API on the same origin.
    web = re.search(r"Web app +(http://\S+)", out)
    assert web, out
    assert '<div id="root">' in httpx.get(web.group(1), timeout=30).text
    me = httpx.get(f"{web.group(1)}/api/v1/auth/me", timeout=30)
    assert me.status_code == 401, me.text  # answered by the backend, not vite
    # An invited user's one-time link opens this web app, on whatever port it got.
    invited = httpx.post(
        f"{api_url}/api/v1/users",
        json={"email": "invited@acme.example", "role": "viewer"},
        headers={"Authorization": f"Bearer {access}"},
        timeout=30,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["set_password_url"].startswith(f"{web.group(1)}/set-password#"), (
        invited.json()["set_password_url"]
    )
    assert f"Logs         {described['base']}/logs" in out
    assert (Path(described["base"]) / "logs" / "etl-acme.log").exists()


def test_a_tenant_applied_later_gets_its_etl_and_login(dev: Dev) -> None:
    dev.kubectl("apply", "-f", "-", input=LATE)
    _wait(lambda: "late" in dev.etls(), "the late tenant's ETL")
    password = _initial_password(dev, "late")
    api_url = dev.state["api_url"]
    _wait(lambda: _login(api_url, "late", password) == 200, "the late tenant's login")
    late_pid = dev.etls()["late"]["pid"]
    dev.kubectl("patch", "pt", "late", "--type", "merge", "-p", SUSPEND)
    _wait(lambda: "late" not in dev.etls(), "the suspended tenant's ETL stop")
    with pytest.raises(ProcessLookupError):
        os.kill(late_pid, 0)
    # Sign-in is refused once the operator has revoked the tenant (the
    # backend caches a tenant's state for 5 s).
    _wait(lambda: dev.phase("late") == "Suspended", "the suspension")
    _wait(lambda: _login(api_url, "late", password) == 403, "sign-in to be refused")


def test_a_changed_integration_secret_reaches_the_next_job(dev: Dev) -> None:
    """kubectl changes acme's GitHub token while make dev runs: the running
    ETL's mounted Secret follows, as the kubelet refreshes a mounted Secret
    volume (no restart, no rollout), and the next job uses the new value.
    No token value reaches a log, the job's error or make dev's output."""
    api_url, slug = dev.state["api_url"], "acme"
    access = _admin_access(dev, api_url, slug)
    pid = dev.etls()[slug]["pid"]
    original = _secret_value(dev, slug, "acme-github", "token")
    refused = "rotated-" + secrets.token_urlsafe(16)  # the local GitHub refuses it
    try:
        _set_secret_value(dev, slug, "acme-github", "token", refused)
        _wait(lambda: _mounted(dev, slug, "github-main", "token") == refused, "the mount")
        failed = _run(api_url, access, "github-main")
        assert failed["state"] == "failed", failed
        assert "Secret acme-github (key token)" in str(failed["last_error"]), failed
    finally:
        _set_secret_value(dev, slug, "acme-github", "token", original)
    _wait(lambda: _mounted(dev, slug, "github-main", "token") == original, "the mount")
    assert _run(api_url, access, "github-main")["state"] == "succeeded"
    assert dev.etls()[slug]["pid"] == pid  # refreshed in place, as in a pod
    logs = [p for p in (dev.base / "logs").rglob("*") if p.is_file()]
    assert any(p.name == f"etl-{slug}.log" for p in logs)
    for text in [dev.output, str(failed), *(p.read_text(errors="replace") for p in logs)]:
        assert refused not in text and original not in text


SUSPEND = '{"spec": {"suspended": true}}'
LATE = """
apiVersion: pulse.dev/v1alpha1
kind: PulseTenant
metadata: {name: late}
spec:
  displayName: Late Inc
  admin: {email: admin@late.example}
"""


def _initial_password(dev: Dev, slug: str) -> str:
    found: list[str] = []

    def readable() -> bool:
        found.append(dev.initial_login(slug)[1])
        return True

    _wait(readable, f"the {slug} tenant's initial password")
    return found[-1]


def _admin_access(dev: Dev, api_url: str, slug: str) -> str:
    """An access token of the tenant's first admin, whether or not another
    test of this file has already made them choose their password."""
    email, password = dev.initial_login(slug)
    body = {"tenant": slug, "email": email, "password": password}
    if httpx.post(f"{api_url}/api/v1/auth/login", json=body, timeout=30).status_code == 200:
        return _chosen_password_token(api_url, slug, email, password)
    again = httpx.post(
        f"{api_url}/api/v1/auth/login", json={**body, "password": password + "-changed"}, timeout=30
    )
    assert again.status_code == 200, again.text
    return str(again.json()["access_token"])


def _secret_value(dev: Dev, slug: str, name: str, key: str) -> str:
    out = dev.kubectl("get", "secret", name, "-n", f"tenant-{slug}", "-o", "json")
    return base64.b64decode(json.loads(out)["data"][key]).decode()


def _set_secret_value(dev: Dev, slug: str, name: str, key: str, value: str) -> None:
    """As an admin rotating a token would (the value goes in on stdin, not argv)."""
    patch = {"data": {key: base64.b64encode(value.encode()).decode()}}
    dev.kubectl(
        "patch",
        "secret",
        name,
        "-n",
        f"tenant-{slug}",
        "--type",
        "merge",
        "--patch-file",
        "/dev/stdin",
        input=json.dumps(patch),
    )


def _mounted(dev: Dev, slug: str, integration: str, key: str) -> str | None:
    """The file the tenant's ETL reads, where its pod would have it mounted."""
    path = Path(dev.state["etl_dir"]) / slug / "integrations" / integration / key
    return path.read_text() if path.exists() else None


def _login(api_url: str, tenant: str, password: str) -> int:
    body = {"tenant": tenant, "email": f"admin@{tenant}.example", "password": password}
    return httpx.post(f"{api_url}/api/v1/auth/login", json=body, timeout=30).status_code


def _chosen_password_token(api_url: str, tenant: str, email: str, password: str) -> str:
    """The first admin's forced password change, then a full access token."""
    login = httpx.post(
        f"{api_url}/api/v1/auth/login",
        json={"tenant": tenant, "email": email, "password": password},
        timeout=30,
    ).json()
    chosen = password + "-changed"
    changed = httpx.post(
        f"{api_url}/api/v1/auth/password",
        json={"current_password": password, "new_password": chosen},
        headers={"Authorization": f"Bearer {login['access_token']}"},
        timeout=30,
    )
    assert changed.status_code == 200, changed.text
    body = {"tenant": tenant, "email": email, "password": chosen}
    again = httpx.post(f"{api_url}/api/v1/auth/login", json=body, timeout=30)
    assert again.status_code == 200, again.text
    return str(again.json()["access_token"])


def _sync(api_url: str, access: str, integration: str) -> dict[str, object]:
    """Starts a run through the backend's /api/v1/etl routes and follows it."""
    job = _run(api_url, access, integration)
    assert job["last_error"] is None, job
    return job


def _run(api_url: str, access: str, integration: str) -> dict[str, object]:
    """Starts a run through the backend's /api/v1/etl routes; its job at its end."""
    jobs = f"{api_url}/api/v1/etl/jobs/{integration}"
    headers = {"Authorization": f"Bearer {access}"}
    job: dict[str, object] = {}

    def done() -> bool:
        nonlocal job
        job = httpx.get(jobs, headers=headers, timeout=30).json()
        return job["state"] in ("succeeded", "failed", "cancelled")

    r = httpx.post(f"{jobs}/start", headers=headers, timeout=30)
    if r.status_code == 409 and r.json().get("code") == "job_running":
        # The example tenants keep their schedules: at its tick a scheduled
        # run holds the integration. An admin waits for it, then starts theirs.
        _wait(done, f"the scheduled {integration} sync", timeout=180)
        r = httpx.post(f"{jobs}/start", headers=headers, timeout=30)
    assert r.status_code == 202, r.text
    _wait(done, f"the {integration} sync", timeout=180)
    return job


def _wait(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """A tenant applied while make dev runs must work within a minute (issue 14)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, subprocess.CalledProcessError, json.JSONDecodeError, KeyError):
            pass
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
