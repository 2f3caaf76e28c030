"""The job control API the backend calls: start, status, pause, resume,
cancel, with the state machine's answers (202, 404, 409)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from pulse_etl.app import create_app
from tests.etl.conftest import EtlTenant


@pytest.fixture
def api(etl_tenant: EtlTenant) -> Iterator[TestClient]:
    app = create_app(etl_tenant.settings(), qdrant=QdrantClient(location=":memory:"))
    with TestClient(app, headers=etl_tenant.auth("admin")) as client:
        yield client


def _wait(api: TestClient, name: str, states: set[str]) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{name}").json()
        if job["state"] in states:
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {name} never reached {states}: {job}")


def test_the_integrations_are_registered_at_start_up(etl_tenant: EtlTenant) -> None:
    """The backend's integrations page reads these rows: they exist as soon as
    the ETL is up, not only after someone asked it for its jobs."""
    app = create_app(etl_tenant.settings(), qdrant=QdrantClient(location=":memory:"))
    with TestClient(app, headers=etl_tenant.auth("admin")):
        names = etl_tenant.query("SELECT name FROM integrations ORDER BY name")
        jobs = etl_tenant.query("SELECT job_name, status FROM etl_jobs ORDER BY job_name")
    assert [n for (n,) in names] == ["github-main", "jira-main"]
    assert jobs == [("github-main", "queued"), ("jira-main", "queued")]


def test_start_pause_resume_cancel(api: TestClient, etl_tenant: EtlTenant) -> None:
    etl_tenant.sources.github.api.latency = 0.03
    assert api.get("/api/v1/jobs/nope").status_code == 404
    r = api.post("/api/v1/jobs/github-main/start")
    assert r.status_code == 202, r.text
    assert api.post("/api/v1/jobs/github-main/start").status_code == 409  # already running
    assert api.post("/api/v1/jobs/github-main/resume").status_code == 409  # not paused
    # Pause lands at the next checkpoint; the cursor is kept.
    _wait(api, "github-main", {"running"})
    while not api.get("/api/v1/jobs/github-main").json()["progress"].get("done"):
        time.sleep(0.05)
    assert api.post("/api/v1/jobs/github-main/pause").status_code == 202
    paused = _wait(api, "github-main", {"paused"})
    assert paused["cursor"] and paused["last_error"] is None
    assert api.post("/api/v1/jobs/github-main/pause").status_code == 409
    # Resume: the run goes on from the cursor to the end.
    assert api.post("/api/v1/jobs/github-main/resume").status_code == 202
    done = _wait(api, "github-main", {"succeeded", "failed"})
    assert done["state"] == "succeeded", done
    total = sum(len(ps) for ps in etl_tenant.sources.github_org.pulls.values())
    assert etl_tenant.query("SELECT count(*) FROM prs")[0][0] == total
    # Cancel a paused run: the cursor goes, the next run starts from the watermark.
    etl_tenant.sources.jira.api.latency = 0.03
    api.post("/api/v1/jobs/jira-main/start")
    _wait(api, "jira-main", {"running"})
    api.post("/api/v1/jobs/jira-main/pause")
    _wait(api, "jira-main", {"paused", "succeeded"})
    r = api.post("/api/v1/jobs/jira-main/cancel")
    assert r.status_code == 202 and r.json()["state"] == "cancelled" and r.json()["cursor"] is None
    jobs = api.get("/api/v1/jobs").json()
    assert [j["integration"] for j in jobs] == ["github-main", "jira-main"]
    assert api.post("/api/v1/jobs/jira-main/restart").status_code == 422


def test_a_resume_right_after_pause_waits_for_the_run_to_unwind(
    api: TestClient, etl_tenant: EtlTenant
) -> None:
    """A run commits ``paused`` before its task has ended (lock released,
    connection closed). A resume sent in between is for a run that is over:
    202, not "already syncing" (seen under load in test_etl_routes.py)."""
    etl_tenant.sources.github.api.latency = 0.03
    assert api.post("/api/v1/jobs/github-main/start").status_code == 202
    _wait(api, "github-main", {"running"})
    while not api.get("/api/v1/jobs/github-main").json()["progress"].get("done"):
        time.sleep(0.05)
    assert api.post("/api/v1/jobs/github-main/pause").status_code == 202
    _wait(api, "github-main", {"paused"})
    jobs = api.app.state.jobs  # type: ignore[attr-defined]

    async def unwinding() -> None:
        # The paused run's task, still winding down for a moment.
        jobs.tasks["github-main"] = asyncio.create_task(asyncio.sleep(1.0))

    assert api.portal is not None
    api.portal.call(unwinding)
    etl_tenant.sources.github.api.latency = 0.0
    r = api.post("/api/v1/jobs/github-main/resume")
    assert r.status_code == 202, r.text
    assert _wait(api, "github-main", {"succeeded", "failed"})["state"] == "succeeded"


def test_last_success_is_when_the_run_ended(api: TestClient, etl_tenant: EtlTenant) -> None:
    """The jobs page's "last success" and the integrations page's "last sync"
    are one moment: the end of the last successful run (the watermark, where
    the next run reads from, is its start)."""
    assert api.get("/api/v1/jobs/jira-main").json()["last_success_at"] is None
    assert api.post("/api/v1/jobs/jira-main/start").status_code == 202
    job = _wait(api, "jira-main", {"succeeded", "failed"})
    assert job["state"] == "succeeded", job
    assert job["last_success_at"] == job["finished_at"], job
    assert str(job["watermark"]) < str(job["last_success_at"]), job
    (last_sync,) = etl_tenant.query(
        "SELECT last_sync_at FROM integrations WHERE name = 'jira-main'"
    )
    assert last_sync[0] == dt.datetime.fromisoformat(job["last_success_at"])


def test_a_runs_progress_moves_on_the_api_while_it_runs(
    api: TestClient, etl_tenant: EtlTenant
) -> None:
    """The job API shows the running run's own progress, batch by batch: a
    second run used to show the last run's final count until its first
    batch, then drop back."""
    assert api.post("/api/v1/jobs/jira-main/start").status_code == 202
    first = _wait(api, "jira-main", {"succeeded", "failed"})
    assert first["state"] == "succeeded", first
    etl_tenant.sources.jira.api.latency = 0.03
    for i in etl_tenant.sources.jira_org.issues:
        etl_tenant.sources.jira_org.touch(i.key, f"edited {i.key}")
    assert api.post("/api/v1/jobs/jira-main/start").status_code == 202
    seen: list[int] = []
    while (job := api.get("/api/v1/jobs/jira-main").json())["state"] in ("queued", "running"):
        if job["state"] == "running":
            seen.append(int(job["progress"].get("done", 0)))
        time.sleep(0.02)
    assert job["state"] == "succeeded", job
    assert seen == sorted(seen), seen  # never the last run's count, then less
    assert len(set(seen)) > 2, seen  # it moved while running, not only at the end
    assert seen[-1] <= job["progress"]["done"]


def test_a_rate_limit_wait_shows_only_while_the_job_runs(
    api: TestClient, etl_tenant: EtlTenant
) -> None:
    """The stored progress keeps a wait's end while it lasts. A job that is
    not running (cancelled, failed, paused...) or whose wait is over (its
    runner was killed in it) shows none, never a stale "waiting until"."""
    now = dt.datetime.now(dt.UTC)
    ahead, past = now + dt.timedelta(hours=1), now - dt.timedelta(minutes=1)

    def shown(state: str, until: dt.datetime) -> object:
        progress = {"phase": "pulls", "done": 3, "source": "github", "notices": []}
        etl_tenant.query(
            "UPDATE etl_jobs SET status = %s, checkpoint = jsonb_set(checkpoint, '{progress}', "
            "%s::jsonb) WHERE job_name = 'github-main' RETURNING 1",
            state,
            json.dumps({**progress, "waiting_until": until.isoformat()}),
        )
        one = api.get("/api/v1/jobs/github-main").json()
        listed = next(
            j for j in api.get("/api/v1/jobs").json() if j["integration"] == "github-main"
        )
        assert listed["progress"] == one["progress"]
        assert one["progress"]["done"] == 3  # the rest of the progress is kept
        return one["progress"]["waiting_until"]

    waiting = shown("running", ahead)
    assert isinstance(waiting, str) and dt.datetime.fromisoformat(waiting) == ahead
    for state in ("cancelled", "failed", "succeeded", "paused", "queued"):
        assert shown(state, ahead) is None, state
    assert shown("running", past) is None
