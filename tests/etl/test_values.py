"""Absurd values in a page: what PostgreSQL cannot store in a text (NUL,
lone surrogates) is replaced, not a reason to fail every run on that page;
a huge text loads whole; a date past year 9999 fails the job naming the
field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import Fault
from tests.etl.conftest import PAGE, EtlTenant

SEARCH = "/rest/api/3/search/jql$"
Headers = dict[str, str]


def second_page_issue(change: Callable[[dict[str, Any]], None]) -> Fault:
    """A fault changing the first issue of the second search page."""

    def edit(body: Any, headers: Headers) -> tuple[Any, Headers]:
        change(body["issues"][0]["fields"])
        return body, headers

    return Fault(SEARCH, "edit", after=1, edit=edit)


async def test_nul_bytes_and_lone_surrogates_are_replaced(etl_tenant: EtlTenant) -> None:
    t = etl_tenant

    def dirty(fields: dict[str, Any]) -> None:
        fields["summary"] = "nul\x00 and \ud800 lone"
        fields["description"] = "pair \ud83d\ude00 kept, \udfff not"

    t.sources.jira.plan.add(second_page_issue(dirty))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    rows = t.query("SELECT summary, description FROM work_items WHERE left(summary, 3) = 'nul'")
    assert rows == [("nul\ufffd and \ufffd lone", "pair \U0001f600 kept, \ufffd not")]
    assert t.query("SELECT count(*) FROM work_items")[0][0] == len(t.sources.jira_org.issues)


async def test_a_ten_megabyte_description_loads_whole(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    big = "x" * 10_000_000
    t.sources.jira.plan.add(second_page_issue(lambda f: f.update(description=big)))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    assert t.query("SELECT max(length(description)) FROM work_items")[0][0] == len(big)


async def test_a_date_past_9999_names_the_field(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    late = "10000-01-01T00:00:00.000+0000"
    t.sources.jira.plan.add(second_page_issue(lambda f: f.update(updated=late)))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.failed
    assert job.last_error is not None
    assert job.last_error.startswith("jira: search PRJA: field issues.0.fields.updated: ")
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE
