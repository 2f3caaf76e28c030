"""Every fault of the sources is a clear job error; the failing page commits
nothing (batches before it stay, with their checkpoint), and the next run
resumes there and ends with the same data as an undisturbed sync."""

from __future__ import annotations

import base64
import shutil

import psycopg
import pytest

from pulse_common import tenant_log
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import Fault
from tests.etl.conftest import PAGE, EtlTenant

SEARCH = "/rest/api/3/search/jql$"

CASES = {
    "server error": (
        Fault(SEARCH, "status", 500, after=1, times=99),
        "HTTP 500 on /rest/api/3/search/jql after 3 attempts",
    ),
    "unauthorised": (
        Fault(SEARCH, "status", 401, after=1),
        "jira: /rest/api/3/search/jql: HTTP 401",
    ),
    "timeout": (
        Fault(SEARCH, "timeout", delay=3.0, after=1, times=99),
        "ReadTimeout on /rest/api/3/search/jql",
    ),
    "truncated": (
        Fault(SEARCH, "truncate", after=1, times=99),
        "RemoteProtocolError on /rest/api/3/search/jql",
    ),
    "malformed": (
        Fault(SEARCH, "malformed", field="created", after=1),
        "search PRJA: field issues.0.fields.created",
    ),
    # A refused page token restarts the project once; refused again, the job fails.
    "bad request": (Fault(SEARCH, "status", 400, after=1, times=2), "HTTP 400 injected 400"),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_fault_fails_the_job_and_resumes(etl_tenant: EtlTenant, case: str) -> None:
    t = etl_tenant
    fault, message = CASES[case]
    jira = t.integrations()["jira-main"]
    t.sources.jira.plan.add(fault)
    job = await run_job(t.context(timeout=1.0), jira)
    assert job.state is JobState.failed
    assert job.last_error is not None and message in job.last_error
    # The first page committed, the failing second one did not.
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE
    assert job.cursor is not None and job.cursor.get("token")
    assert "jira-token" not in job.last_error

    t.sources.jira.plan.faults.clear()
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    assert job.attempts == 0
    keys = {k for (k,) in t.query("SELECT key FROM work_items")}
    assert keys == {i.key for i in t.sources.jira_org.issues}


async def test_unknown_project_is_permanent(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira = t.integrations(**{"jira-main": {"projects": ["PRJA", "NOPE"]}})["jira-main"]
    job = await run_job(t.context(), jira)
    assert job.state is JobState.failed
    assert (
        job.last_error
        == "jira: /rest/api/3/project/NOPE: not found No project could be found with key 'NOPE'."
    )
    assert t.query("SELECT count(*) FROM work_items")[0][0] == 0


async def test_github_malformed_child_page_commits_nothing_of_that_page(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    gh = t.integrations()["github-main"]
    t.sources.github.plan.add(
        Fault(r"/pulls/\d+/reviews$", "malformed", field="submitted_at", after=PAGE + 1)
    )
    job = await run_job(t.context(), gh)
    assert job.state is JobState.failed
    assert job.last_error is not None and "field 0.submitted_at" in job.last_error
    assert t.query("SELECT count(*) FROM prs")[0][0] == PAGE  # the first page only
    t.sources.github.plan.faults.clear()
    job = await run_job(t.context(), gh)
    assert job.state is JobState.succeeded, job.last_error
    total = sum(len(ps) for ps in t.sources.github_org.pulls.values())
    assert t.query("SELECT count(*) FROM prs")[0][0] == total


async def test_missing_secret_is_a_clear_failure(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    shutil.rmtree(t.credentials / "github-main")
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    missing = (
        "integration github-main: Secret acme-github is not mounted "
        "(missing in the tenant's namespace?)"
    )
    assert job.last_error == missing
    # An optional Secret volume whose Secret does not exist: an empty folder.
    (t.credentials / "github-main").mkdir()
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed and job.last_error == missing
    (t.credentials / "github-main" / "token").write_text("wrong-token")
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error is not None and "HTTP 401 Bad credentials" in job.last_error
    # Where to correct them: the jobs page shows this to the tenant's admin.
    assert "the credentials in Secret acme-github (key token) were refused" in job.last_error
    assert "wrong-token" not in job.last_error


async def test_expired_page_token_restarts_the_project(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira = t.integrations()["jira-main"]
    t.sources.jira.plan.add(Fault(SEARCH, "status", 500, after=2, times=99))
    assert (await run_job(t.context(), jira)).state is JobState.failed
    # The stored token no longer works (Jira's expire after 7 days).
    with psycopg.connect(t.dsn) as conn:
        conn.execute(
            "UPDATE etl_jobs SET checkpoint = jsonb_set(checkpoint, '{cursor,token}', '\"expired\"') "
            "WHERE job_name = 'jira-main'"
        )
    t.sources.jira.plan.faults.clear()
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    keys = {k for (k,) in t.query("SELECT key FROM work_items")}
    assert keys == {i.key for i in t.sources.jira_org.issues}


async def test_a_source_echoing_the_credentials_does_not_put_them_in_the_error(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    basic = base64.b64encode(b"etl@acme.example:jira-token").decode()
    echo = f"token jira-token (Authorization: Basic {basic}) refused"
    t.sources.jira.plan.add(Fault(SEARCH, "status", 400, message=echo))
    t.sources.github.plan.add(Fault("/pulls$", "status", 422, message="Bearer github-token?"))
    for name, secrets in (("jira-main", ("jira-token", basic)), ("github-main", ("github-token",))):
        job = await run_job(t.context(), t.integrations()[name])
        assert job.state is JobState.failed
        assert job.last_error is not None and "[redacted]" in job.last_error
        assert not any(s in job.last_error for s in secrets), job.last_error
        logged = str(t.redis_admin.xrange(tenant_log.stream_key(t.slug)))
        assert "run failed" in logged and not any(s in logged for s in secrets)
