"""The HTTP client against the local servers, without a database: limits,
retries, errors as classes, validation naming the field."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import TypeAdapter

from pulse_common.errors import InvalidInput
from pulse_etl.errors import (
    AuthFailed,
    MalformedResponse,
    RequestRejected,
    SourceNotFound,
    SourceUnavailable,
)
from pulse_etl.integrations import parse_integrations, read_integrations
from pulse_etl.sources import github_models as gm
from pulse_etl.sources.http import Retry, SourceClient
from pulse_etl.sources.jira import adf_text, jql_for
from pulse_etl.sources.validate import parse
from pulse_fakes import FakeServer, Fault, OrgSpec, generate, serve_github, serve_jira
from pulse_fakes.app import RateLimit

SPEC = OrgSpec(seed=3, issues_per_project=10, prs_per_repo=5)
FAST = Retry(attempts=3, base=0.01, cap=0.05)


@pytest.fixture
def github() -> Iterator[FakeServer]:
    server = serve_github(generate(SPEC)[1], limit=RateLimit(limit=4, window=1.0))
    yield server
    server.stop()


@pytest.fixture
def jira() -> Iterator[FakeServer]:
    server = serve_jira(generate(SPEC)[0])
    yield server
    server.stop()


def _client(server: FakeServer, token: str = "github-token", timeout: float = 5.0) -> SourceClient:
    headers = {"Authorization": f"Bearer {token}"}
    return SourceClient("github", httpx.AsyncClient(headers=headers, timeout=timeout), retry=FAST)


async def test_primary_limit_waits_for_reset(github: FakeServer) -> None:
    client = _client(github)
    for _ in range(10):
        page = await client.get(f"{github.url}/repos/acme/service-0")
        assert page.status == 200
    await client.aclose()
    limit = github.api.limit
    assert limit is not None and limit.early == 0
    assert client.stats.rate_limit_waits >= 2  # 10 requests, 4 per window


async def test_conditional_request_is_free(github: FakeServer) -> None:
    client = _client(github)
    first = await client.get(f"{github.url}/repos/acme/service-0/pulls")
    used = int(first.headers["x-ratelimit-used"])
    again = await client.get(f"{github.url}/repos/acme/service-0/pulls", etag=first.headers["etag"])
    assert again.not_modified and again.body is None
    assert int(again.headers["x-ratelimit-used"]) == used
    await client.aclose()


async def test_retry_after_is_honoured(github: FakeServer) -> None:
    github.plan.add(Fault("/repos/acme/service-0$", "status", 429, retry_after=1))
    client = _client(github)
    page = await client.get(f"{github.url}/repos/acme/service-0")
    assert page.status == 200
    refused, answered = github.plan.log[-2:]
    assert refused.status == 429 and answered.at - refused.at >= 1.0
    await client.aclose()


class FakeTime:
    """A clock and a sleep that advances it: waits are recorded, never slept."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def client(self, server: FakeServer, retry: Retry = FAST) -> SourceClient:
        http = httpx.AsyncClient(headers={"Authorization": "Bearer github-token"}, timeout=5.0)
        return SourceClient("github", http, retry=retry, sleep=self.sleep, clock=self.clock)


@pytest.fixture
def unlimited() -> Iterator[FakeServer]:
    """A GitHub without a primary limit: its real clock would disagree with a fake one."""
    server = serve_github(generate(SPEC)[1])
    yield server
    server.stop()


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_retry_after_both_forms_without_sleeping(form: str, unlimited: FakeServer) -> None:
    server, fake = unlimited, FakeTime()
    value = "120" if form == "seconds" else email.utils.formatdate(fake.now + 120, usegmt=True)
    server.plan.add(Fault("/repos/acme/service-0$", "status", 429, headers={"retry-after": value}))
    client = fake.client(server)
    try:
        assert (await client.get(f"{server.url}/repos/acme/service-0")).status == 200
    finally:
        await client.aclose()
    # One wait of the whole delay (the date has whole seconds) before the
    # second request; an unread date used to send it again at once.
    assert len(fake.slept) == 1 and 119 <= fake.slept[0] <= 120
    assert [s.status for s in server.plan.log] == [429, 200]


@pytest.mark.parametrize("reset_in", [120, 7200])
async def test_primary_limit_reset_is_waited_for_or_named(
    reset_in: int, unlimited: FakeServer
) -> None:
    server, fake = unlimited, FakeTime()
    reset = int(fake.now) + reset_in
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    server.plan.add(
        Fault("/repos/acme/service-0$", "status", 403, message="API rate limit", headers=limited)
    )
    client = fake.client(server, Retry(max_wait=3600))
    try:
        if reset_in < 3600:
            assert (await client.get(f"{server.url}/repos/acme/service-0")).status == 200
            assert fake.now >= reset and len(fake.slept) == 1
        else:
            with pytest.raises(SourceUnavailable) as err:
                await client.get(f"{server.url}/repos/acme/service-0")
            at = dt.datetime.fromtimestamp(reset, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            assert str(err.value).startswith(
                "github: rate limited for more than 3600 s (the longest a run waits): "
                f"the source asked to wait until {at} UTC ("
            )
            assert fake.slept == []
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("value", "waited"), [("-5", 1.0), ("0", 1.0), ("soon", 7.0), ("nan", 7.0), ("", 7.0)]
)
async def test_a_negative_or_unreadable_retry_after(
    value: str, waited: float, unlimited: FakeServer
) -> None:
    """A negative delay waits the floor; an unreadable one is taken as the
    header's absence (the secondary limit's default), not as "no wait"."""
    server, fake = unlimited, FakeTime()
    server.plan.add(Fault("/repos/acme/service-0$", "status", 429, headers={"retry-after": value}))
    client = fake.client(server, Retry(secondary_default=7.0))
    try:
        assert (await client.get(f"{server.url}/repos/acme/service-0")).status == 200
    finally:
        await client.aclose()
    assert fake.slept == [waited]


async def test_a_refusal_whose_reset_is_past_still_waits(unlimited: FakeServer) -> None:
    server, fake = unlimited, FakeTime()
    past = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(fake.now) - 10)}
    server.plan.add(Fault("/repos/acme/service-0$", "status", 403, times=2, headers=past))
    client = fake.client(server)
    try:
        assert (await client.get(f"{server.url}/repos/acme/service-0")).status == 200
    finally:
        await client.aclose()
    # Before each request after a refusal, the floor's wait (it used to be none).
    assert fake.slept == [1.0, 1.0]
    assert [s.status for s in server.plan.log] == [403, 403, 200]


async def test_unavailable_with_retry_after_waits_as_told(unlimited: FakeServer) -> None:
    server, fake = unlimited, FakeTime()
    server.plan.add(Fault("/repos/acme/service-0$", "status", 503, retry_after=90))
    client = fake.client(server)
    try:
        assert (await client.get(f"{server.url}/repos/acme/service-0")).status == 200
    finally:
        await client.aclose()
    assert round(sum(fake.slept), 6) >= 90 and [s.status for s in server.plan.log] == [503, 200]


async def test_server_errors_are_retried_then_unavailable(github: FakeServer) -> None:
    github.plan.add(Fault("/repos/acme/service-0$", "status", 502, times=2))
    client = _client(github)
    assert (await client.get(f"{github.url}/repos/acme/service-0")).status == 200
    assert client.stats.retries == 2
    github.plan.add(Fault("/repos/acme/service-0$", "truncate", times=3))
    with pytest.raises(
        SourceUnavailable, match="RemoteProtocolError on /repos/acme/service-0 after 3"
    ):
        await client.get(f"{github.url}/repos/acme/service-0")
    await client.aclose()


async def test_timeouts_are_retryable(github: FakeServer) -> None:
    github.plan.add(Fault("/repos/acme/service-0$", "timeout", delay=2.0, times=3))
    client = _client(github, timeout=0.3)
    with pytest.raises(SourceUnavailable) as err:
        await client.get(f"{github.url}/repos/acme/service-0")
    assert err.value.retryable and "ReadTimeout" in str(err.value)
    await client.aclose()


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthFailed), (403, AuthFailed), (404, SourceNotFound), (422, RequestRejected)],
)
async def test_permanent_errors(github: FakeServer, status: int, error: type[Exception]) -> None:
    github.plan.add(Fault("/repos/acme/service-0$", "status", status))
    client = _client(github)
    with pytest.raises(error) as err:
        await client.get(f"{github.url}/repos/acme/service-0")
    assert f"HTTP {status}" in str(err.value) or "not found" in str(err.value)
    assert not getattr(err.value, "retryable", True)
    assert client.stats.requests == 1  # no retry
    await client.aclose()


async def test_bad_token_is_auth_failed_without_the_token(github: FakeServer) -> None:
    client = _client(github, token="s3cret-wrong")
    with pytest.raises(AuthFailed) as err:
        await client.get(f"{github.url}/repos/acme/service-0")
    assert "Bad credentials" in str(err.value) and "s3cret" not in str(err.value)
    await client.aclose()


async def test_malformed_body_names_the_field(github: FakeServer) -> None:
    github.plan.add(Fault("/pulls$", "malformed", field="created_at"))
    client = _client(github)
    page = await client.get(f"{github.url}/repos/acme/service-0/pulls")
    with pytest.raises(MalformedResponse, match=r"pulls: field 0\.created_at: Input should be"):
        parse("github", "pulls", TypeAdapter(list[gm.Pull]), page.body)
    await client.aclose()


def test_jql_uses_the_users_zone_to_the_minute() -> None:
    since = dt.datetime(2026, 3, 8, 6, 59, 59, tzinfo=dt.UTC)  # 01:59:59 in New York (EST)
    jql = jql_for("PRJA", since, ZoneInfo("America/New_York"))
    assert jql == 'project = "PRJA" AND updated >= "2026/03/08 01:59" ORDER BY created ASC, key ASC'
    assert (
        jql_for("PRJA", None, ZoneInfo("UTC")) == 'project = "PRJA" ORDER BY created ASC, key ASC'
    )


def test_adf_to_text() -> None:
    doc = {
        "type": "doc",
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "two"}]},
        ],
    }
    assert adf_text(doc) == "one\ntwo"
    assert adf_text(None) is None


def test_fake_jira_filters_in_the_users_zone(jira: FakeServer) -> None:
    org = jira.jira_state.org if jira.jira_state else None
    assert org is not None
    issue = org.issues[3]
    local = issue.updated.astimezone(org.tz)
    auth = ("etl@acme.example", "jira-token")
    with httpx.Client(base_url=jira.url, auth=auth) as c:

        def keys(since: dt.datetime) -> set[str]:
            jql = f'project = PRJA AND updated >= "{since:%Y/%m/%d %H:%M}" ORDER BY created ASC'
            body = c.post("/rest/api/3/search/jql", json={"jql": jql, "maxResults": 100}).json()
            return {i["key"] for i in body["issues"]}

        at = local.replace(second=0, microsecond=0)
        assert issue.key in keys(at)
        assert issue.key not in keys(at + dt.timedelta(minutes=1))
        # The same wall time read as UTC would be another instant: here it is the user's zone.
        assert c.get("/rest/api/3/myself").json()["timeZone"] == SPEC.time_zone
        bad = c.post(
            "/rest/api/3/search/jql",
            json={"jql": "project = PRJA ORDER BY created ASC", "nextPageToken": "x"},
        )
        assert bad.status_code == 400 and bad.json()["errorMessages"]
        assert c.get("/rest/api/3/myself", auth=("etl@acme.example", "nope")).status_code == 401


def test_bad_integration_entries_are_named_and_skipped() -> None:
    raw = json.dumps(
        [
            {
                "name": "ok",
                "type": "github",
                "organization": "acme",
                "credentialsSecretRef": {"name": "s"},
            },
            {"name": "bad", "type": "jira", "credentialsSecretRef": {"name": "s"}},
            {"name": "worse", "type": "gitlab", "credentialsSecretRef": {"name": "s"}},
        ]
    )
    found, errors = read_integrations(raw)
    assert [i.name for i in found] == ["ok"]
    assert errors[0].startswith(
        "PULSE_ETL_INTEGRATIONS[1]: (entry): Value error, a jira integration needs"
    )
    assert errors[1].startswith(
        "PULSE_ETL_INTEGRATIONS[2]: type: Input should be 'jira' or 'github'"
    )
    with pytest.raises(InvalidInput, match=r"PULSE_ETL_INTEGRATIONS\[1\]"):
        parse_integrations(raw)
    assert read_integrations("{") == (
        [],
        ["PULSE_ETL_INTEGRATIONS: not JSON (Expecting property name enclosed in double quotes)"],
    )


@pytest.mark.parametrize(
    ("url", "named"),
    [("/repos/acme/service-0?page=2", "/repos/acme/service-0"), ("https://{host}/x", "{host}")],
)
async def test_a_link_off_the_origin_is_refused_before_any_request(
    url: str, named: str, unlimited: FakeServer
) -> None:
    """A relative link (the page's base is not known here) or another scheme
    than the integration's: refused, the token not sent anywhere."""
    host = unlimited.url.split("//")[1]
    client = _client(unlimited)
    client.origin = unlimited.url
    try:
        with pytest.raises(MalformedResponse) as err:
            await client.get(url.format(host=host))
    finally:
        await client.aclose()
    assert str(err.value) == (
        f"github: a link to {named.format(host=host)} was not followed: "
        f"the credentials go to {host} only"
    )
    assert unlimited.plan.log == []
