"""Rate limits in the real Redis (429 with Retry-After), and what the API
does while Redis is down: logins fail closed (503), authenticated reads and
writes keep working from PostgreSQL, /readyz names Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import redis
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_backend.errors import QUERY_TIMEOUT
from pulse_backend.settings import RateLimits
from pulse_backend.tx import write_transaction
from pulse_common.tenancy import TenantNames
from pulse_testworld import World
from tests.backend.conftest import NEW_PASSWORD, Session, TenantFactory, admin_session


def _address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def _login(client: TestClient, tenant: str, email: str, password: str) -> int:
    r = client.post(
        "/api/v1/auth/login", json={"tenant": tenant, "email": email, "password": password}
    )
    if r.status_code == 429:
        assert r.json()["code"] == "rate_limited"
        retry_after = int(r.headers["retry-after"])
        assert 0 < retry_after <= 900
    return r.status_code


def test_login_attempts_per_tenant_and_email(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    client = make_client(
        client_address=_address(),
        rate=RateLimits(login_per_email=3, login_per_address=1000, per_user=1000),
    )
    t = make_tenant()
    statuses = [_login(client, t.slug, t.admin_email, "wrong-password") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    # The message says what was counted and how long to wait, in words.
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": t.admin_email, "password": "wrong-password"},
    )
    assert r.json()["detail"] == "too many sign-in attempts for this email; retry in 15 minutes"
    # Limited even with the right password: guessing cannot continue.
    assert _login(client, t.slug, t.admin_email, t.admin_password) == 429
    # Another email of the same tenant is counted separately.
    assert _login(client, t.slug, f"other@{t.slug}.example", "x") == 401


def test_successful_sign_ins_do_not_count_against_the_email(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    """One person signing in from several tabs and devices is never locked
    out: only failed attempts use up the per-email limit."""
    client = make_client(
        client_address=_address(),
        rate=RateLimits(login_per_email=3, login_per_address=1000, per_user=1000),
    )
    t = make_tenant()
    right = [_login(client, t.slug, t.admin_email, t.admin_password) for _ in range(8)]
    assert right == [200] * 8
    # A success does not clear earlier failures either: the guesses stay
    # capped at the limit per window, whatever the victim does meanwhile.
    assert _login(client, t.slug, t.admin_email, "wrong-password") == 401
    assert _login(client, t.slug, t.admin_email, t.admin_password) == 200
    assert _login(client, t.slug, t.admin_email, "wrong-password") == 401
    assert _login(client, t.slug, t.admin_email, "wrong-password") == 401
    # The limit reached, the right password is refused too, with a wait.
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": t.admin_email, "password": t.admin_password},
    )
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 900
    assert r.json()["detail"] == "too many sign-in attempts for this email; retry in 15 minutes"
    assert "login_email" not in r.text


def test_login_attempts_per_client_address(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    rate = RateLimits(login_per_email=1000, login_per_address=3, per_user=1000)
    client = make_client(client_address=_address(), rate=rate)
    t = make_tenant()
    emails = [f"u{i}@{t.slug}.example" for i in range(4)]
    assert [_login(client, t.slug, e, "nope") for e in emails] == [401, 401, 401, 429]
    # Another address is not affected.
    other = make_client(client_address=_address(), rate=rate)
    assert _login(other, t.slug, t.admin_email, t.admin_password) == 200


def test_attempts_refused_for_the_address_do_not_count_for_the_email(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    rate = RateLimits(login_per_email=3, login_per_address=2, per_user=1000)
    busy = make_client(client_address=_address(), rate=rate)  # an office behind one NAT
    t = make_tenant()
    statuses = [_login(busy, t.slug, t.admin_email, t.admin_password) for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    # No guess was made: the email keeps its whole limit of failures.
    rate = RateLimits(login_per_email=3, login_per_address=1000, per_user=1000)
    other = make_client(client_address=_address(), rate=rate)
    wrong = [_login(other, t.slug, t.admin_email, "wrong-password") for _ in range(4)]
    assert wrong == [401, 401, 401, 429]


def test_requests_per_user(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    rate = RateLimits(per_user=5, window_seconds=3600, login_per_address=1000)
    client = make_client(client_address=_address(), rate=rate)
    s = admin_session(client, make_tenant())  # the password change is request 1
    statuses = [client.get("/api/v1/auth/me", headers=s.headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    r = client.get("/api/v1/auth/me", headers=s.headers)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 3600
    assert "pulse_rate_limited_total" in client.get("/metrics").text


def test_requests_per_tenant(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    rate = RateLimits(per_tenant=4, per_user=1000, window_seconds=3600, login_per_address=1000)
    client = make_client(client_address=_address(), rate=rate)
    t = make_tenant()
    s = admin_session(client, t)  # request 1
    statuses = [client.get("/api/v1/profile", headers=s.headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def _admin_login(client: TestClient, admin: Session) -> Any:
    body = {
        "tenant": admin.tenant.slug,
        "email": admin.tenant.admin_email,
        "password": NEW_PASSWORD,
    }
    return client.post("/api/v1/auth/login", json=body)


def test_redis_outage(client: TestClient, admin: Session, world: World) -> None:
    assert client.get("/readyz").status_code == 200
    world.stop_service("redis")
    try:
        r = _admin_login(client, admin)
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "backend_unavailable"
        assert r.json()["detail"] == "redis is unavailable; retry later"
        assert "retry-after" in r.headers
        # Authenticated requests go on, answered from PostgreSQL.
        assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
        assert client.get("/api/v1/users", headers=admin.headers).status_code == 200
        r = client.put(
            "/api/v1/profile/preferences", json={"theme_mode": "dark"}, headers=admin.headers
        )
        assert r.status_code == 200
        # Reads behind the Redis caches (response cache, colour cache) are
        # computed from PostgreSQL instead; the metrics count the bypass.
        for path in (
            "/api/v1/analytics/summary",
            "/api/v1/ml/performance",
            "/api/v1/settings/branding",
        ):
            r = client.get(path, headers=admin.headers)
            assert r.status_code == 200, (path, r.text)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["checks"]["redis"]["ok"] is False and "redis" in body["status"]
        assert body["checks"]["primary"]["ok"] and body["checks"]["replica"]["ok"]
        assert world.redis.admin_password not in ready.text
        metrics = client.get("/metrics").text
        assert 'pulse_redis_errors_total{fallback="ratelimit_closed"}' in metrics
        assert 'pulse_redis_errors_total{fallback="session_primary"}' in metrics
        assert 'pulse_redis_errors_total{fallback="response_cache_bypassed"}' in metrics
    finally:
        admin_redis = redis.Redis.from_url(world.redis.url)
        world.restart_service("redis", lambda: bool(admin_redis.ping()))
        admin_redis.close()
    assert _admin_login(client, admin).status_code == 200
    assert client.get("/readyz").status_code == 200


def _bearer(client: TestClient, tenant: str, email: str, password: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/login", json={"tenant": tenant, "email": email, "password": password}
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_password_change_attempts_are_limited(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    rate = RateLimits(
        login_per_email=1000, password_change_failures=3, login_per_address=1000, per_user=1000
    )
    client = make_client(client_address=_address(), rate=rate)
    t = make_tenant()
    headers = _bearer(client, t.slug, t.admin_email, t.admin_password)
    body = {"current_password": "guess-guess-1", "new_password": NEW_PASSWORD}
    statuses = [
        client.post("/api/v1/auth/password", json=body, headers=headers).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    r = client.post("/api/v1/auth/password", json=body, headers=headers)
    assert r.json()["detail"] == "too many password change attempts; retry in 15 minutes"


def test_password_change_counts_failures_only_with_its_own_limit(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory
) -> None:
    """Its own limit, not the sign-in one (sign-in failures do not use it up,
    nor the other way round), and like sign-in only wrong current passwords
    count: an admin who changes their password several times is not locked
    out, nor by a new password the rules refuse."""
    rate = RateLimits(
        login_per_email=2, password_change_failures=2, login_per_address=1000, per_user=1000
    )
    client = make_client(client_address=_address(), rate=rate)
    t = make_tenant()
    headers = _bearer(client, t.slug, t.admin_email, t.admin_password)

    def change(current: str, new: str) -> int:
        body = {"current_password": current, "new_password": new}
        return client.post("/api/v1/auth/password", json=body, headers=headers).status_code

    current = t.admin_password
    for i in range(4):  # more successes than either limit allows
        new = f"{NEW_PASSWORD}-{i}"
        assert change(current, new) == 200
        current = new
    assert change(current, current) == 422  # the same password again: no guess
    assert change(current, "short") == 422  # refused by the rules: no guess
    # Sign-in failures for the same person leave the password change alone.
    assert [_login(client, t.slug, t.admin_email, "wrong") for _ in range(3)] == [401, 401, 429]
    assert change("guess-guess-1", NEW_PASSWORD) == 422
    assert change("guess-guess-2", NEW_PASSWORD) == 422
    assert change(current, NEW_PASSWORD) == 429  # two wrong guesses: the limit


def test_a_body_over_the_cap_is_a_413_before_it_is_read(client: TestClient, admin: Session) -> None:
    # A 20 MB body was read whole and parsed, then refused (or ignored) by
    # the route: 422, or 200 where the route takes no body (test_bad_input).
    huge = b'{"first_name": "' + b"a" * 20_000_000 + b'"}'
    headers = {**admin.headers, "Content-Type": "application/json"}
    before = client.get("/api/v1/profile", headers=admin.headers).json()

    def chunks() -> Any:
        yield huge[:1000]
        yield huge[1000:]

    for content in (huge, chunks()):  # declared length, then chunked
        r = client.patch("/api/v1/profile", content=content, headers=headers)
        assert r.status_code == 413, r.text[:300]
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "payload_too_large"
        assert "2097152 bytes" in r.json()["detail"]
    r = client.post("/api/v1/ml/monitoring/run", content=huge, headers=headers)
    assert r.status_code == 413, r.text[:300]
    assert client.get("/api/v1/profile", headers=admin.headers).json() == before


def test_a_statement_cancelled_at_the_timeout_is_a_503_that_says_so(
    make_client: Callable[..., TestClient], admin: Session
) -> None:
    """The backend's statement timeout (shared pools: a slow statement gives
    its connection back) used to surface as a 500 "internal error"; the
    user is told the query was too slow and what to change."""
    client = make_client(db_statement_timeout_ms=50)
    app: Any = client.app
    names = TenantNames(admin.tenant.slug)

    def slow() -> None:
        with write_transaction(app.state.clients.engines.primary, names) as conn:
            conn.execute(text("SELECT pg_sleep(5)"))

    app.add_api_route("/test/slow", slow)
    r = client.get("/test/slow")
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "query_timeout"
    assert r.json()["detail"] == QUERY_TIMEOUT and "pg_sleep" not in r.text
