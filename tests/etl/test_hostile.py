"""An upstream that is hostile or broken: links and redirects to another
host never get the tenant's credentials; absurd waits, endless bodies,
endless empty pages and timestamps without a zone end the run with an error
that names the integration and what was wrong (they were an internal error
with a stack trace, or a run that never ended); a rate-limit wait is said
while it lasts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from pulse_common import tenant_log
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import FakeServer, Fault, generate, serve_github
from tests.etl.conftest import PAGE, SPEC, EtlTenant

SEARCH = "/rest/api/3/search/jql$"
Headers = dict[str, str]


@pytest.fixture
def elsewhere() -> Iterator[FakeServer]:
    """Another host, accepting the tenant's token: it records what reaches it."""
    server = serve_github(generate(SPEC)[1])
    yield server
    server.stop()


async def test_a_next_link_to_another_host_is_not_followed(
    etl_tenant: EtlTenant, elsewhere: FakeServer
) -> None:
    t = etl_tenant
    own = t.sources.github.url

    def away(body: Any, headers: Headers) -> tuple[Any, Headers]:
        return body, {**headers, "link": headers["link"].replace(own, elsewhere.url)}

    t.sources.github.plan.add(Fault("/pulls$", "edit", edit=away))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        f"github: a link to {elsewhere.url.split('//')[1]} was not followed: "
        f"the credentials go to {own.split('//')[1]} only"
    )
    assert elsewhere.plan.served() == []  # the token never left
    assert t.query("SELECT count(*) FROM prs")[0][0] == PAGE  # the first page stays


async def test_a_redirect_to_another_host_is_not_followed(
    etl_tenant: EtlTenant, elsewhere: FakeServer
) -> None:
    t = etl_tenant
    moved = {"location": f"{elsewhere.url}/repos/acme/service-0/pulls"}
    t.sources.github.plan.add(Fault("/pulls$", "status", 302, headers=moved))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error is not None
    assert job.last_error.startswith("github: /repos/acme/service-0/pulls: HTTP 302")
    assert f"redirect to {elsewhere.url.split('//')[1]}, not followed" in job.last_error
    assert elsewhere.plan.served() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "inf"},
        {"retry-after": "1e20"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999999999999999999"},
    ],
    ids=["retry-after inf", "retry-after 1e20", "reset 1e20"],
)
async def test_an_absurd_wait_is_a_clear_failure(etl_tenant: EtlTenant, headers: Headers) -> None:
    t = etl_tenant
    t.sources.github.plan.add(Fault("/pulls$", "status", 403, headers=headers, message="slow"))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error is not None
    assert job.last_error.startswith("github: rate limited for more than 30 s"), job.last_error


async def test_a_rate_limit_wait_is_said_while_it_lasts(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    events = redis.Redis.from_url(t.redis_url, decode_responses=True).pubsub()
    events.subscribe(t.names.events_channel)
    events.get_message(timeout=1)  # the subscription's confirmation
    t.sources.github.plan.add(Fault("/pulls$", "status", 429, after=1, retry_after=2))
    asked = dt.datetime.now(dt.UTC)
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.succeeded, job.last_error
    published = []
    while (m := events.get_message(timeout=0.5)) is not None:
        published.append(json.loads(m["data"]))
    events.close()
    waiting = [p for p in published if p["waiting_until"] is not None]
    assert len(waiting) == 1 and waiting[0]["state"] == "running"
    until = dt.datetime.fromisoformat(waiting[0]["waiting_until"])
    assert asked + dt.timedelta(seconds=1) <= until <= dt.datetime.now(dt.UTC)
    # Before it, nothing said the run was waiting: the last event was a batch's.
    assert published[published.index(waiting[0]) - 1]["waiting_until"] is None
    lines = [e for _, e in t.redis_admin.xrange(tenant_log.stream_key(t.slug))]
    said = [e for e in lines if "rate limited, waiting" in str(e)]
    assert len(said) == 1 and "github-main" in str(said[0])


async def test_an_endless_body_is_cut_and_named(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    t.sources.github.plan.add(Fault("/pulls$", "flood", size=256 << 20))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        "github: /repos/acme/service-0/pulls: body larger than 64 MiB (PULSE_ETL_MAX_BODY_MIB), "
        "not read further"
    )


async def test_empty_pages_that_say_more_follow_end_the_run(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    pages = iter(range(100, 10**6))

    def empty(body: Any, headers: Headers) -> tuple[Any, Headers]:
        # Always one more page, never an item: a listing without an end.
        url = t.sources.github.url + "/repos/acme/service-0/pulls"
        return [], {**headers, "link": f'<{url}?per_page={PAGE}&page={next(pages)}>; rel="next"'}

    # Bounded, so that the old behaviour ends too (as a success after 40 pages).
    t.sources.github.plan.add(Fault("/pulls$", "edit", after=1, times=40, edit=empty))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        "github: pulls of acme/service-0: 10 empty pages in a row, each saying more follow"
    )
    assert len(t.sources.github.plan.served("/pulls$")) == 11


async def test_a_changelog_that_ignores_start_at_ends_the_run(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    held: list[Any] = []

    def first_again(body: Any, headers: Headers) -> tuple[Any, Headers]:
        # startAt ignored: the first page again, each time saying more follow.
        if body["values"]:
            held[:] = [body["values"]]
        return {**body, "values": held[0], "isLast": False, "total": 10**4}, headers

    # Bounded, so that the old behaviour ends too.
    t.sources.jira.plan.add(Fault("/changelog$", "edit", times=60, edit=first_again))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.failed
    assert job.last_error is not None
    assert job.last_error.startswith("jira: changelog PRJA-"), job.last_error
    assert job.last_error.endswith(" again (a paging loop)"), job.last_error


async def test_a_timestamp_without_a_zone_names_the_field(etl_tenant: EtlTenant) -> None:
    t = etl_tenant

    def naive(body: Any, headers: Headers) -> tuple[Any, Headers]:
        body["issues"][0]["fields"]["created"] = "2026-01-05T04:00:00.000"
        return body, headers

    t.sources.jira.plan.add(Fault(SEARCH, "edit", after=1, edit=naive))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.failed
    assert job.last_error is not None
    assert job.last_error.startswith(
        "jira: search PRJA: field issues.0.fields.created: Input should have timezone info"
    ), job.last_error
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE


async def test_an_html_page_is_named_not_quoted(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    page = b"<html><body>Sign in to Acme SSO (jira-token)</body></html>"

    def html(body: Any, headers: Headers) -> tuple[Any, Headers]:
        return page, {**headers, "content-type": "text/html; charset=utf-8"}

    t.sources.jira.plan.add(Fault(SEARCH, "edit", after=1, edit=html))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        f"jira: /rest/api/3/search/jql: body is not JSON (text/html, {len(page)} bytes)"
    )
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE


@pytest.mark.parametrize("key", ["PRJA-999", "jira-token"], ids=["key", "key echoing the token"])
async def test_a_wrong_field_names_the_item_it_is_in(etl_tenant: EtlTenant, key: str) -> None:
    t = etl_tenant

    def null_summary(body: Any, headers: Headers) -> tuple[Any, Headers]:
        body["issues"][0]["key"] = key
        body["issues"][0]["fields"]["summary"] = None
        return body, headers

    t.sources.jira.plan.add(Fault(SEARCH, "edit", after=1, edit=null_summary))
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.failed
    named = "[redacted]" if key == "jira-token" else key
    assert job.last_error == (
        "jira: search PRJA: field issues.0.fields.summary: Input should be a valid string "
        f"(1 errors, the first in {named})"
    )
    assert t.query("SELECT count(*) FROM work_items")[0][0] == PAGE


async def test_a_megabyte_summary_and_numbers_as_strings_load(etl_tenant: EtlTenant) -> None:
    """Already so before: a title or summary is cut to 500 characters, and
    a number sent as a string is read as the number."""
    t = etl_tenant

    def long(body: Any, headers: Headers) -> tuple[Any, Headers]:
        body["issues"][0]["fields"]["summary"] = "s" * 1_000_000
        return body, headers

    def strings(body: Any, headers: Headers) -> tuple[Any, Headers]:
        return [{**p, "number": str(p["number"]), "id": str(p["id"])} for p in body], headers

    t.sources.jira.plan.add(Fault(SEARCH, "edit", after=1, edit=long))
    t.sources.github.plan.add(Fault("/pulls$", "edit", edit=strings))
    for name in ("jira-main", "github-main"):
        job = await run_job(t.context(), t.integrations()[name])
        assert job.state is JobState.succeeded, job.last_error
    assert t.query("SELECT max(length(summary)) FROM work_items")[0][0] == 500
    total = sum(len(ps) for ps in t.sources.github_org.pulls.values())
    assert t.query("SELECT count(*) FROM prs")[0][0] == total
