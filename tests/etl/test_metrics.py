"""The ETL's Prometheus endpoint (``/metrics``, as the backend's): runs
started and ended by kind and end state, their duration, items loaded,
upstream requests and rate-limit waits, measured against what the local
servers saw; nothing of the tenant's in a label."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from qdrant_client import QdrantClient

from pulse_etl.app import create_app
from pulse_fakes import Fault
from tests.etl.conftest import EtlTenant


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _end(api: TestClient, name: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = dict(api.get(f"/api/v1/jobs/{name}").json())
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {name} never ended")


def _once_both_ended(api: TestClient) -> str:
    """/metrics once both runs' ends are counted. The job row says
    ``succeeded`` as soon as the run commits it; the run counts its end only
    after the monitoring that follows, which may still be going on."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = api.get("/metrics").text
        ended = [k for k in _samples(text) if k[0] == "pulse_etl_jobs_finished_total"]
        if len(ended) >= 2:
            return text
        time.sleep(0.05)
    raise AssertionError("the runs' ends were never counted")


def test_metrics_count_runs_items_and_upstream_calls(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    # Jira asks the run to wait once (secondary limit); GitHub refuses everything.
    t.sources.jira.plan.add(Fault("/search/jql$", "status", 429, after=1, retry_after=1))
    t.sources.github.plan.add(Fault(".*", "status", 404, times=1000))
    app = create_app(t.settings(), qdrant=QdrantClient(location=":memory:"))
    with TestClient(app, headers=t.auth("admin")) as api:
        # No token needed, as the backend's: the NetworkPolicy decides who reaches it.
        before = api.get("/metrics", headers={"Authorization": ""})
        assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
        assert api.post("/api/v1/jobs/jira-main/start").status_code == 202
        jira = _end(api, "jira-main")
        assert api.post("/api/v1/jobs/github-main/start").status_code == 202
        github = _end(api, "github-main")
        text = _once_both_ended(api)
    assert (jira["state"], github["state"]) == ("succeeded", "failed")
    got = _samples(text)

    def value(name: str, **labels: str) -> float:
        return got.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("pulse_etl_jobs_started_total", kind="jira") == 1
    assert value("pulse_etl_jobs_started_total", kind="github") == 1
    assert value("pulse_etl_jobs_finished_total", kind="jira", state="succeeded") == 1
    assert value("pulse_etl_jobs_finished_total", kind="github", state="failed") == 1
    assert value("pulse_etl_jobs_finished_total", kind="jira", state="failed") == 0
    assert value("pulse_etl_job_duration_seconds_count", kind="jira", state="succeeded") == 1
    assert value("pulse_etl_job_duration_seconds_sum", kind="jira", state="succeeded") >= 1.0
    progress = jira["progress"]
    assert isinstance(progress, dict)
    assert value("pulse_etl_items_loaded_total", kind="jira") == progress["done"] > 0
    assert value("pulse_etl_items_loaded_total", kind="github") == 0
    # Every request the servers saw, retries and refusals included.
    assert value("pulse_etl_upstream_requests_total", kind="jira") == len(t.sources.jira.plan.log)
    assert value("pulse_etl_upstream_requests_total", kind="github") == len(
        t.sources.github.plan.log
    )
    assert value("pulse_etl_rate_limit_waits_total", kind="jira") == 1
    assert value("pulse_etl_rate_limit_wait_seconds_total", kind="jira") > 0.5
    # Nothing of the tenant's in a label: not its slug, integration names or tokens.
    labels = {v for (_, pairs) in got for (_, v) in pairs}
    assert labels <= {"jira", "github", "succeeded", "failed", "paused", "cancelled"} | {
        v for (_, pairs) in got for (k, v) in pairs if k == "le"
    }
    for secret in (t.names.slug, "jira-main", "github-main", "jira-token", "github-token"):
        assert secret not in text
