"""An incremental run that fails halfway, then its rerun: the rerun keeps
the failed run's window (the last stored watermark, less the overlap),
resumes at the page that failed, and stores nothing twice: every row once,
the rows the failed run committed not rewritten, nothing outside the window
read again."""

from __future__ import annotations

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.sources.batch import Batch
from pulse_fakes import Fault
from tests.etl.conftest import PAGE, EtlTenant

SEARCH = "/rest/api/3/search/jql$"


async def test_a_rerun_after_a_failure_halfway_resumes_and_stores_nothing_twice(
    etl_tenant: EtlTenant,
) -> None:
    t, org = etl_tenant, etl_tenant.sources.jira_org
    jira = t.integrations()["jira-main"]
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    watermark = job.watermark
    changelogs = t.query("SELECT count(*) FROM changelogs")[0][0]

    touched = [i.key for i in org.issues[::3]]  # both projects, several pages
    for key in touched:
        org.touch(key, f"edited {key}")
    t.sources.jira.plan.clear()
    t.sources.jira.plan.add(Fault(SEARCH, "status", 500, after=1, times=99))
    first: list[Batch] = []
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)  # the backoff is computed, not slept

    failed = await run_job(t.context(on_batch=first.append, sleep=no_sleep), jira)
    assert len(waits) == 2  # three attempts at the failing page
    assert failed.state is JobState.failed and failed.cursor, failed.last_error
    assert failed.watermark == watermark  # a failure does not move it
    committed = {r[0] for b in first for r in b.rows.get("work_items", [])}
    assert len(committed) == PAGE
    stamps = dict(t.query("SELECT key, last_updated_at FROM work_items"))

    t.sources.jira.plan.clear()
    again: list[Batch] = []
    job = await run_job(t.context(on_batch=again.append), jira)
    assert job.state is JobState.succeeded, job.last_error
    fetched = [r[0] for b in again for r in b.rows.get("work_items", [])]
    # The failed page onwards, in the failed run's window: nothing else.
    assert sorted(fetched) == sorted(set(touched) - committed)
    restamped = dict(t.query("SELECT key, last_updated_at FROM work_items"))
    assert {k for k in stamps if stamps[k] != restamped[k]} == set(touched) - committed
    rows, distinct = t.query("SELECT count(*), count(DISTINCT key) FROM work_items")[0]
    assert rows == distinct == len(org.issues)
    assert t.query("SELECT count(*) FROM changelogs")[0][0] == changelogs
    summaries = dict(t.query("SELECT key, summary FROM work_items"))
    assert all(summaries[k] == f"edited {k}" for k in touched)
    assert job.progress["done"] >= len(touched)
