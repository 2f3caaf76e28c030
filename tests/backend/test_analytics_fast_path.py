"""The fast path for cached analytics GETs (``routes.analytics_fast``)
answers exactly what the route answers: two apps on the same PostgreSQL and
Redis, one with the fast path and one without (``analytics_fast_path``),
get the same requests and must give the same status, body bytes and headers
(the same ``X-Request-ID`` is sent to both). The fast path's own counter
(``pulse_cache_requests_total{cache="analytics_fast_path"}``) tells which
requests it answered."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from pulse_backend import registry, sessions
from pulse_backend.response_cache import bump_data_version
from pulse_backend.routes.analytics import SCOPED
from pulse_backend.routes.analytics_fast import KEYS, ROUTES
from pulse_backend.settings import RateLimits
from pulse_common.provisioning import set_suspended
from tests.backend.conftest import (
    Platform,
    Session,
    TenantFactory,
    admin_session,
    bearer,
    invite_and_login,
)
from tests.backend.support import tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

API = "/api/v1/analytics"
AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
RANGE = {"start": (AS_OF - dt.timedelta(days=30)).isoformat(), "end": AS_OF.isoformat()}
REQUEST_ID = "fast-path-test-0001"
Params = dict[str, Any]


def fast_count(client: TestClient, result: str) -> float:
    metrics = client.app.state.metrics  # type: ignore[attr-defined]
    value = metrics.registry.get_sample_value(
        "pulse_cache_requests_total", {"cache": "analytics_fast_path", "result": result}
    )
    return float(value or 0)


def session_id(token: str) -> int:
    """The ``sid`` claim (the signature is the backend's business here)."""
    payload = token.split(".")[1]
    return int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"])


def get(client: TestClient, path: str, params: Params | str, headers: dict[str, str]) -> Any:
    return client.get(
        f"{API}/{path}", params=params, headers={**headers, "X-Request-ID": REQUEST_ID}
    )


def same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.content == b.content
    assert a.headers.multi_items() == b.headers.multi_items()


@pytest.fixture
def apps(make_client: Callable[..., TestClient]) -> tuple[TestClient, TestClient]:
    """(with the fast path, without it)."""
    return make_client(), make_client(analytics_fast_path=False)


CASES: list[tuple[str, Params]] = [(p, RANGE) for p in SCOPED] + [
    ("trends", {**RANGE, "metric": "lead_time_for_changes"}),
    ("trends", {**RANGE, "metric": "rework_rate", "granularity": "month"}),
    ("lead-time", {**RANGE, "limit": "5", "offset": "1", "timezone": "Europe/Paris"}),
    ("deployment-frequency", {**RANGE, "repository": ["2", "1"], "environment": "prod"}),
    ("summary", {}),  # the default range (ends at the next UTC midnight)
    ("summary", {**RANGE, "report_year": "2023", "author": ["ann", "bo b"], "project": "1"}),
]


def test_every_route_hit_is_the_routes_answer_byte_for_byte(
    apps: tuple[TestClient, TestClient], make_tenant: TenantFactory
) -> None:
    fast, plain = apps
    assert set(ROUTES) == set(KEYS)
    s = admin_session(plain, make_tenant())
    for path, params in CASES:
        warm = get(plain, path, params, s.headers)
        assert (warm.status_code, warm.headers["X-Cache"]) == (200, "miss"), (path, warm.text)
        slow_hit = get(plain, path, params, s.headers)
        assert slow_hit.headers["X-Cache"] == "hit"
        before = fast_count(fast, "hit")
        fast_hit = get(fast, path, params, s.headers)
        assert fast_count(fast, "hit") == before + 1, (path, params)
        same(fast_hit, slow_hit)
        assert fast_hit.content == warm.content
    # The request metrics label a fast answer with its route's template.
    text = fast.get("/metrics").text
    assert 'route="/api/v1/analytics/lead-time",status="200"' in text


def test_every_route_miss_is_the_routes_answer_and_stored_where_the_route_reads(
    apps: tuple[TestClient, TestClient], make_tenant: TenantFactory, redis_admin: redis.Redis
) -> None:
    fast, plain = apps
    s = admin_session(plain, make_tenant())
    for path, params in CASES:
        bump_data_version(redis_admin, s.tenant.slug)
        before = fast_count(fast, "miss")
        fast_miss = get(fast, path, params, s.headers)
        assert fast_count(fast, "miss") == before + 1, (path, params)
        assert (fast_miss.status_code, fast_miss.headers["X-Cache"]) == (200, "miss")
        # The route finds what the fast path stored...
        plain_hit = get(plain, path, params, s.headers)
        assert plain_hit.headers["X-Cache"] == "hit" and plain_hit.content == fast_miss.content
        # ...and its own miss is the same answer, header for header.
        bump_data_version(redis_admin, s.tenant.slug)
        plain_miss = get(plain, path, params, s.headers)
        same(fast_miss, plain_miss)
        assert get(fast, path, params, s.headers).headers["X-Cache"] == "hit"


def test_a_failing_miss_is_answered_as_the_route_answers_it(
    apps: tuple[TestClient, TestClient],
    make_tenant: TenantFactory,
    make_client: Callable[..., TestClient],
    platform: Platform,
) -> None:
    fast, plain = apps
    t = make_tenant()
    s = admin_session(plain, t)
    assert get(fast, "lead-time", RANGE, s.headers).status_code == 200
    # A statement fails: the server-error answer, from either.
    tenant_sql(platform, t.slug, "ALTER TABLE deployments RENAME TO deployments_gone")
    wait_replica(platform)
    try:
        broken = [get(c, "change-failure-rate", RANGE, s.headers) for c in (fast, plain)]
    finally:
        tenant_sql(platform, t.slug, "ALTER TABLE deployments_gone RENAME TO deployments")
    assert broken[0].status_code == 500, broken[0].text
    same(*broken)
    # PostgreSQL unreachable (the session and tenant state from Redis): the
    # app's answer to BackendUnavailable, a 503 with Retry-After, from either.
    nowhere = "postgresql://pulse_backend:x@127.0.0.1:1/nowhere"
    down = {"database_url": nowhere, "database_replica_url": nowhere}
    uncached = {**RANGE, "limit": "9"}
    answers = [
        get(make_client(**down, analytics_fast_path=on), "lead-time", uncached, s.headers)
        for on in (True, False)
    ]
    assert answers[0].status_code == 503 and answers[0].headers["Retry-After"] == "5"
    same(*answers)


def gets(r: redis.Redis) -> int:
    """GETs the Redis server has answered so far."""
    return int(r.info("commandstats").get("cmdstat_get", {}).get("calls", 0))


def test_a_miss_is_looked_up_once(
    apps: tuple[TestClient, TestClient], make_tenant: TenantFactory, redis_admin: redis.Redis
) -> None:
    fast, plain = apps
    s = admin_session(fast, make_tenant())
    spent: dict[str, int] = {}
    for name, client in (("plain", plain), ("fast", fast)):
        get(client, "rework-rate", RANGE, s.headers)  # the session and tenant state cached
        bump_data_version(redis_admin, s.tenant.slug)
        before = gets(redis_admin)
        answer = get(client, "rework-rate", RANGE, s.headers)
        spent[name] = gets(redis_admin) - before
        assert answer.headers["X-Cache"] == "miss"
    # The fast path's preflight read the entry: its EVAL runs two GETs (the
    # version, the entry) in place of the route's one; nothing asks again.
    assert spent["fast"] == spent["plain"] - 1 + 2
    # ...and stores under the key the next lookup reads, by either app.
    assert get(fast, "rework-rate", RANGE, s.headers).headers["X-Cache"] == "hit"
    assert get(plain, "rework-rate", RANGE, s.headers).headers["X-Cache"] == "hit"


DOUBTFUL = (
    "limit=abc",
    "limit=5&limit=6",  # a scalar twice: refused by the route (known_query)
    "environment=",
    "start=2026-06-01T00:00:00%2B00:00&end=2026-05-01T00:00:00%2B00:00",
    "start=2026-06-01T00:00:00",  # no UTC offset
    "timezone=Mars/Olympus",
    "report_year=2019",
    "project=0",
    "granularity=day",
    "end=0001-01-02T00:00:00%2B00:00",  # the default start would be before year 1
    "unknown=1",  # refused by the route (known_query), cached figure or not
    "metric=lead_time_for_changes",  # a trend's parameter on another route
)


def test_a_doubtful_query_goes_to_the_route(
    apps: tuple[TestClient, TestClient], module_admin: Session
) -> None:
    fast, plain = apps
    headers = module_admin.headers
    for query in DOUBTFUL:
        for path in ("lead-time", "trends"):
            q = query if path == "lead-time" else f"{query}&metric=rework_rate"
            get(plain, path, q, headers)  # warms the cache when the query is valid
            same(get(fast, path, q, headers), get(plain, path, q, headers))
            assert fast_count(fast, "hit") == 0, (path, q)
    early = get(fast, "lead-time", "end=0001-01-02T00:00:00%2B00:00", headers)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "end"
    # A trend without its metric; a path the router redirects (the client
    # follows to the plain path, which the fast path then answers).
    for path in ("trends", "lead-time/"):
        get(plain, path, RANGE, headers)
        same(get(fast, path, RANGE, headers), get(plain, path, RANGE, headers))
    assert fast_count(fast, "hit") == 1


def test_refusals_are_the_routes(
    apps: tuple[TestClient, TestClient], make_tenant: TenantFactory
) -> None:
    fast, plain = apps
    s = admin_session(plain, make_tenant())
    get(plain, "summary", RANGE, s.headers)  # cached
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("not-a-token"), bearer("")):
        same(get(fast, "summary", RANGE, headers), get(plain, "summary", RANGE, headers))
    # A viewer reads the tenant's figures (not per user: the same entry).
    viewer = invite_and_login(plain, s, "viewer")
    same(get(fast, "summary", RANGE, viewer.headers), get(plain, "summary", RANGE, viewer.headers))
    assert fast_count(fast, "hit") == 1
    # An ended session: refused by the fast path's checks, answered by the route.
    assert plain.post("/api/v1/auth/logout", headers=s.headers).status_code == 204
    ended = get(fast, "summary", RANGE, s.headers)
    assert ended.status_code == 401 and ended.json()["detail"] == "session ended"
    same(ended, get(plain, "summary", RANGE, s.headers))
    assert fast_count(fast, "hit") == 1


def test_the_password_change_gate_holds_on_a_cached_figure(
    apps: tuple[TestClient, TestClient],
    make_tenant: TenantFactory,
    platform: Platform,
    redis_admin: redis.Redis,
) -> None:
    fast, plain = apps
    s = admin_session(plain, make_tenant())
    member = invite_and_login(plain, s, "member")
    get(plain, "summary", RANGE, s.headers)  # cached for the tenant
    # An operator flags the member; the session's cached copy expires.
    tenant_sql(
        platform,
        s.tenant.slug,
        "UPDATE users SET must_change_password = true WHERE id = :u",
        {"u": member.user_id},
    )
    redis_admin.delete(sessions.key(s.tenant.slug, session_id(member.token)))
    for _ in range(2):  # from PostgreSQL (the route), then from Redis (the fast path's check)
        r = get(fast, "summary", RANGE, member.headers)
        assert r.status_code == 403 and r.json()["code"] == "password_change_required"
        same(r, get(plain, "summary", RANGE, member.headers))
    assert redis_admin.hget(sessions.key(s.tenant.slug, session_id(member.token)), "mcp") == "1"
    assert fast_count(fast, "hit") == 0


def test_another_tenants_token_never_reads_this_tenants_entry(
    apps: tuple[TestClient, TestClient], make_tenant: TenantFactory
) -> None:
    fast, plain = apps
    a, b = admin_session(plain, make_tenant()), admin_session(plain, make_tenant())
    get(plain, "engineering", RANGE, a.headers)
    answer = get(fast, "engineering", RANGE, b.headers)
    assert answer.headers["X-Cache"] == "miss" and fast_count(fast, "hit") == 0
    same(get(fast, "engineering", RANGE, b.headers), get(plain, "engineering", RANGE, b.headers))
    assert fast_count(fast, "hit") == 1


def test_a_suspended_tenant_is_refused_whether_its_state_is_cached_or_not(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, platform: Platform
) -> None:
    fast = make_client(tenant_state_cache_seconds=3600)
    plain = make_client(tenant_state_cache_seconds=3600, analytics_fast_path=False)
    t = make_tenant()
    s = admin_session(plain, t)
    get(plain, "summary", RANGE, s.headers)
    set_suspended(platform.engine, t.slug, True)
    try:
        cache = fast.app.state.clients.redis  # type: ignore[attr-defined]
        registry.forget(cache, t.slug)
        # Not cached: the route reads the registry (and caches "suspended")...
        uncached = get(fast, "summary", RANGE, s.headers)
        assert uncached.status_code == 403 and uncached.json()["code"] == "tenant_unavailable"
        # ...cached: the fast path's own checks refuse, the route answers.
        cached = get(fast, "summary", RANGE, s.headers)
        same(cached, uncached)
        same(cached, get(plain, "summary", RANGE, s.headers))
        assert fast_count(fast, "hit") == 0
    finally:
        set_suspended(platform.engine, t.slug, False)
        registry.forget(fast.app.state.clients.redis, t.slug)  # type: ignore[attr-defined]
    for _ in range(2):  # the state from PostgreSQL (the route), then from Redis
        assert get(fast, "summary", RANGE, s.headers).status_code == 200
    assert fast_count(fast, "hit") == 1


def test_a_request_counts_once_against_the_rate_limit_however_answered(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, redis_admin: redis.Redis
) -> None:
    rate = RateLimits(per_user=6, window_seconds=3600, login_per_address=1000)
    fast = make_client(rate=rate)
    plain = make_client(rate=rate, analytics_fast_path=False)
    s = admin_session(fast, make_tenant())  # request 1
    counter = f"t:{s.tenant.slug}:rl:user:{s.user_id}"
    assert redis_admin.get(counter) == "1"
    statuses = []
    for params in (RANGE, RANGE, {**RANGE, "limit": "3"}, RANGE, RANGE):
        # miss, hit, miss, hit, hit
        statuses.append(get(fast, "rework-rate", params, s.headers).status_code)
    assert statuses == [200, 200, 200, 200, 200]
    assert redis_admin.get(counter) == "6"
    refused = get(fast, "rework-rate", RANGE, s.headers)
    expected = get(plain, "rework-rate", RANGE, s.headers)
    assert refused.status_code == expected.status_code == 429
    assert refused.content == expected.content
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert redis_admin.get(counter) == "8"
    assert fast_count(fast, "hit") == 3
