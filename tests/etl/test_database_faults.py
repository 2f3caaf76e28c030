"""The database failing under a run: the session dropped between two
batches fails the job with the driver's words (written through a new
session: the job used to stay "running" with no error), keeps every
committed batch and its cursor, and the next run ends with every issue once.
A database that refuses every write cannot record the failure: the live
progress event still carries it to the ETL jobs page."""

from __future__ import annotations

import json

import psycopg
import pytest
import redis

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


async def test_a_read_only_database_still_tells_the_page_why(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    seen: list[str] = []

    def fail_over(batch: Batch) -> None:
        seen.append(batch.phase)
        if len(seen) == 2:
            _read_only(t, True)
            _drop_sessions(t)

    events = redis.Redis.from_url(t.redis_url, decode_responses=True).pubsub()
    events.subscribe(t.names.events_channel)
    events.get_message(timeout=1)  # the subscription's confirmation
    jira = t.integrations()["jira-main"]
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            await run_job(t.context(on_batch=fail_over), jira)
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
