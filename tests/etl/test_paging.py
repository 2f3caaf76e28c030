"""Paging that lies: a Jira ``nextPageToken`` or a GitHub ``Link`` that leads
back to a page already read fails the job with a clear error (it used to be
read again and again, each page committed, the run never ending); an item
on two pages is stored once."""

from __future__ import annotations

from typing import Any

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.sources.batch import Batch
from pulse_fakes import Fault
from tests.etl.conftest import PAGE, EtlTenant

SEARCH = "/rest/api/3/search/jql$"
Headers = dict[str, str]


class FirstPage:
    """Remembers the first search page's token and first issue."""

    token: str = ""
    issue: dict[str, Any] | None = None

    def __call__(self, body: Any, headers: Headers) -> tuple[Any, Headers]:
        self.token, self.issue = body["nextPageToken"], body["issues"][0]
        return body, headers


async def test_a_page_token_that_repeats_fails_the_job(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    first = FirstPage()

    def loop(body: Any, headers: Headers) -> tuple[Any, Headers]:
        # Page 2 (asked with page 1's token) names that token again.
        return {**body, "nextPageToken": first.token}, headers

    t.sources.jira.plan.add(Fault(SEARCH, "edit", edit=first))
    # Bounded, so that the old behaviour ends too (as a success after 40 rereads).
    t.sources.jira.plan.add(Fault(SEARCH, "edit", times=40, edit=loop))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        "jira: search PRJA: the next page is one already read (a paging loop)"
    )
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE
    assert len(t.sources.jira.plan.served(SEARCH)) == 2


async def test_an_issue_on_two_pages_is_stored_once(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    first = FirstPage()

    def again(body: Any, headers: Headers) -> tuple[Any, Headers]:
        return {**body, "issues": [first.issue, *body["issues"]]}, headers

    t.sources.jira.plan.add(Fault(SEARCH, "edit", edit=first))
    t.sources.jira.plan.add(Fault(SEARCH, "edit", edit=again))
    metadata = Metadata()
    job = await run_job(t.context(on_batch=metadata), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    keys = [k for (k,) in t.query("SELECT key FROM work_items")]
    assert sorted(keys) == sorted(i.key for i in t.sources.jira_org.issues)
    # Progress counts the issue once too (it used to say one more than stored).
    assert job.progress["done"] == metadata.items + len(keys)


class Metadata:
    """Counts the items of the batches that are neither issues nor PRs."""

    items = 0

    def __call__(self, batch: Batch) -> None:
        if not batch.phase.startswith(("issues", "pulls")):
            self.items += batch.items


async def test_a_pull_request_on_two_pages_is_counted_once(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    firsts: list[Any] = []

    def remember(body: Any, headers: Headers) -> tuple[Any, Headers]:
        firsts.append(body[0])
        return body, headers

    def again(body: Any, headers: Headers) -> tuple[Any, Headers]:
        # An update moved page 1's newest PR down a page while the run read on.
        return [firsts[0], *body], headers

    t.sources.github.plan.add(Fault("/pulls$", "edit", edit=remember))
    t.sources.github.plan.add(Fault("/pulls$", "edit", edit=again))
    others = Metadata()
    job = await run_job(t.context(on_batch=others), t.integrations()["github-main"])
    assert job.state is JobState.succeeded, job.last_error
    assert len(t.sources.github.plan.served("/pulls$")) > 2
    stored, distinct = t.query("SELECT count(*), count(DISTINCT external_id) FROM prs")[0]
    total = sum(len(ps) for ps in t.sources.github_org.pulls.values())
    assert stored == distinct == total
    assert job.progress["done"] == others.items + total


async def test_a_link_back_to_an_earlier_page_fails_the_job(etl_tenant: EtlTenant) -> None:
    t = etl_tenant

    def back(body: Any, headers: Headers) -> tuple[Any, Headers]:
        # Page 2's next is page 1 (14 PRs, 5 a page: page 3 was next).
        return body, {**headers, "link": headers["link"].replace("page=3", "page=1")}

    t.sources.github.plan.add(Fault("/pulls$", "edit", after=1, times=40, edit=back))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        "github: pulls of acme/service-0: the next page is one already read (a paging loop)"
    )
    # Pages 1 and 2 are stored; page 1 read again is not loaded twice.
    assert t.query("SELECT count(DISTINCT number), count(*) FROM prs")[0] == (2 * PAGE, 2 * PAGE)
    assert len(t.sources.github.plan.served("/pulls$")) == 3
