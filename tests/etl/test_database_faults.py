"""The database failing under a run: the session dropped between two
batches fails the job with the driver's words (written through a new
session: the job used to stay "running" with no error), keeps every
committed batch and its cursor, and the next run ends with every issue once.
A database that refuses every write cannot record the failure: the live
progress event still carries it to the ETL jobs page."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from psycopg.conninfo import make_conninfo
from qdrant_client import QdrantClient

from pulse_common import tenant_log
from pulse_etl.app import create_app
from pulse_etl.errors import FailureNotRecorded
from pulse_etl.jobs.manager import JobManager
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.sources.batch import Batch
from tests.etl.conftest import PAGE, EtlTenant


def _drop_sessions(t: EtlTenant) -> None:
    """What a restart or a failover does to the ETL's sessions."""
    with psycopg.connect(t.admin_dsn, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
            (t.names.login_role,),
        )


async def test_a_dropped_session_fails_the_job_then_the_rerun_resumes(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    seen: list[str] = []

    def drop_after_first_issues(batch: Batch) -> None:
        seen.append(batch.phase)
        if batch.phase.startswith("issues") and len(seen) == 2:
            _drop_sessions(t)

    jira = t.integrations()["jira-main"]
    job = await run_job(t.context(on_batch=drop_after_first_issues), jira)
    assert job.state is JobState.failed
    assert job.last_error is not None and job.last_error.startswith("database: ")
    assert "jira-token" not in job.last_error
    stored = t.query("SELECT status, error_message, checkpoint->'cursor' FROM etl_jobs")
    assert stored == [("failed", job.last_error, job.cursor)]
    assert job.cursor is not None and job.cursor.get("token")
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE
    assert job.watermark is None  # no success yet: the watermark did not move

    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    keys = [k for (k,) in t.query("SELECT key FROM work_items")]
    assert sorted(keys) == sorted(i.key for i in t.sources.jira_org.issues)


def _read_only(t: EtlTenant, on: bool) -> None:
    """The role's new sessions read-only (as after a failover to a standby)."""
    with psycopg.connect(t.admin_dsn, autocommit=True) as admin:
        admin.execute(
            f'ALTER ROLE "{t.names.login_role}" SET default_transaction_read_only = '
            + ("on" if on else "off")
        )


def _fails_over_at_the_second_batch(t: EtlTenant) -> Callable[[Batch], None]:
    """An ``on_batch`` that turns the database read-only and ends the run's
    sessions as the second batch arrives (a failover mid-run)."""
    seen: list[str] = []

    def fail_over(batch: Batch) -> None:
        seen.append(batch.phase)
        if len(seen) == 2:
            _read_only(t, True)
            _drop_sessions(t)

    return fail_over


def _listening(t: EtlTenant) -> Any:
    """A subscription to the tenant's progress events, confirmed."""
    events = redis.Redis.from_url(t.redis_url, decode_responses=True).pubsub()
    events.subscribe(t.names.events_channel)
    events.get_message(timeout=1)  # the subscription's confirmation
    return events


async def test_a_read_only_database_still_tells_the_page_why(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    fail_over = _fails_over_at_the_second_batch(t)
    events = _listening(t)
    jira = t.integrations()["jira-main"]
    try:
        with pytest.raises(FailureNotRecorded) as raised:
            await run_job(t.context(on_batch=fail_over), jira)
        assert isinstance(raised.value.__cause__, psycopg.errors.ReadOnlySqlTransaction)
    finally:
        _read_only(t, False)
    published = []
    while (m := events.get_message(timeout=0.5)) is not None:
        published.append(json.loads(m["data"]))
    events.close()
    # Nothing could be written: the job says running (the next run resumes)...
    assert t.query("SELECT status FROM etl_jobs") == [("running",)]
    # ...but the page's live event says the run failed, and why.
    assert published[-1]["state"] == "failed"
    assert published[-1]["error"] == (
        "database: terminating connection due to administrator command"
    )

    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    keys = [k for (k,) in t.query("SELECT key FROM work_items")]
    assert sorted(keys) == sorted(i.key for i in t.sources.jira_org.issues)


def test_a_start_on_a_read_only_database_ends_failed_on_the_api(etl_tenant: EtlTenant) -> None:
    """The start used to raise before anything recorded it: a 500, the job
    still "queued", no event. Now the run ends failed with the reason, on
    the job API the backend reads and on the page's live events, and leaves
    nothing behind (no task, no lock, the row as it was)."""
    t = etl_tenant
    app = create_app(t.settings(), qdrant=QdrantClient(location=":memory:"))
    events = redis.Redis.from_url(t.redis_url, decode_responses=True).pubsub()
    events.subscribe(t.names.events_channel)
    events.get_message(timeout=1)
    with TestClient(app, headers=t.auth("admin")) as api:
        _read_only(t, True)
        try:
            _drop_sessions(t)
            r = api.post("/api/v1/jobs/jira-main/start")
            shown = api.get("/api/v1/jobs/jira-main").json()
        finally:
            _read_only(t, False)
        assert r.status_code == 202, r.text
        error = r.json()["last_error"]
        assert r.json()["state"] == "failed"
        assert error.startswith("database: cannot execute ") and "read-only" in error
        assert "can be started again" in error and "jira-token" not in error
        assert shown["state"] == "failed" and shown["last_error"] == error
        listed = {j["integration"]: j for j in api.get("/api/v1/jobs").json()}
        assert listed["jira-main"]["last_error"] == error
        assert listed["github-main"]["state"] == "queued"
        # Nothing half-made: the row as registered, no run task, the lock free.
        assert t.query("SELECT status, checkpoint FROM etl_jobs WHERE job_name = 'jira-main'") == [
            ("queued", {})
        ]
        assert "jira-main" not in app.state.jobs.tasks
        assert t.query(
            "SELECT pg_try_advisory_lock(%s, hashtext('integration:jira-main'))", t.tenant_id
        ) == [(True,)]
        published = []
        while (m := events.get_message(timeout=0.5)) is not None:
            published.append(json.loads(m["data"]))
        events.close()
        assert published[-1]["state"] == "failed" and published[-1]["error"] == error
        # Writable again: the next start runs, and the failure is no longer shown.
        assert api.post("/api/v1/jobs/jira-main/start").status_code == 202
        deadline = time.monotonic() + 120
        while (job := api.get("/api/v1/jobs/jira-main").json())["state"] not in (
            "succeeded",
            "failed",
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job["state"] == "succeeded" and job["last_error"] is None, job


def test_a_start_on_an_unreachable_database_ends_failed_on_the_api(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    dsn = make_conninfo(t.dsn, host="127.0.0.1", port=port)
    app = create_app(t.settings(PULSE_DATABASE_URL=dsn), qdrant=QdrantClient(location=":memory:"))
    with TestClient(app, headers=t.auth("admin")) as api:
        r = api.post("/api/v1/jobs/jira-main/start")
        assert r.status_code == 202, r.text
        error = r.json()["last_error"]
        assert r.json()["state"] == "failed" and error.startswith("database: connection ")
        assert api.get("/api/v1/jobs/jira-main").json()["last_error"] == error
        # A job without a failure to show cannot be read: a retryable 503, not a 500.
        r = api.get("/api/v1/jobs")
        assert r.status_code == 503 and r.json()["code"] == "database_unavailable", r.text


async def test_a_run_that_cannot_record_its_failure_tells_the_page_once(
    etl_tenant: EtlTenant,
) -> None:
    """The database turns read-only mid-run: the runner tells the page the
    run failed and why, and the job API shows that failure; the manager
    used to tell the page a second time (two "run failed" lines)."""
    t = etl_tenant
    fail_over = _fails_over_at_the_second_batch(t)
    events = _listening(t)
    manager = JobManager(ctx=t.context(on_batch=fail_over), integrations=t.integrations())
    try:
        await manager.start("jira-main")
        job = await manager.wait("jira-main")
    finally:
        _read_only(t, False)
        await manager.aclose()
    published = []
    while (m := events.get_message(timeout=0.5)) is not None:
        published.append(json.loads(m["data"]))
    events.close()
    error = "database: terminating connection due to administrator command"
    assert job is not None and job.state is JobState.failed and job.last_error == error
    assert [p for p in published if p.get("state") == "failed"] == [published[-1]]
    assert published[-1]["error"] == error
    stream = redis.Redis.from_url(t.redis_url, decode_responses=True)
    lines = [
        e
        for _, e in stream.xrange(tenant_log.stream_key(t.names.slug))
        if e["event"] == "run failed"
    ]
    assert len(lines) == 1 and json.loads(lines[0]["fields"])["error"] == error, lines
    shown = await manager.status("jira-main")
    assert shown[0].state is JobState.failed and shown[0].last_error == error
