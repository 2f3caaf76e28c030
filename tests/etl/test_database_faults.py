"""The database failing under a run: the session dropped between two
batches fails the job with the driver's words (written through a new
session: the job used to stay "running" with no error), keeps every
committed batch and its cursor, and the next run ends with every issue once."""

from __future__ import annotations

import psycopg

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
