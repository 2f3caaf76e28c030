"""Tenant isolation: the tenant comes from the verified token only; every
route that takes an id refuses another tenant's ids; PostgreSQL itself
refuses a query that reaches into another tenant's schema; a suspended or
revoked tenant gets 403 everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from pulse_backend.tx import read_transaction, write_transaction
from pulse_common.provisioning import drop_tenant, revoke_tenant, set_suspended
from pulse_common.tenancy import TenantNames
from tests.backend.conftest import (
    NEW_PASSWORD,
    Platform,
    Session,
    TenantFactory,
    TenantInfo,
    admin_session,
    invite_and_login,
    provision,
)
from tests.backend.support import wait_replica
from tests.pulse_db import unique_slug

ID_ROUTES = [
    ("GET", "/api/v1/users/{id}", None),
    ("PATCH", "/api/v1/users/{id}", {"role": "viewer"}),
    ("DELETE", "/api/v1/users/{id}", None),
    ("POST", "/api/v1/users/{id}/password-reset", None),
]


def _schema_rows(platform: Platform, slug: str) -> list[tuple[object, ...]]:
    schema = TenantNames(slug).schema
    with platform.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, email, role, active FROM {schema}.users ORDER BY id"))
        return [tuple(r) for r in rows]


def test_tenant_a_token_cannot_reach_tenant_b_ids(
    client: TestClient, make_tenant: TenantFactory, platform: Platform
) -> None:
    a = admin_session(client, make_tenant("a"))
    b = admin_session(client, make_tenant("b"))
    # Tenant B gets users whose ids tenant A does not have.
    for _ in range(3):
        invite_and_login(client, b, "member")
    b_ids = [row[0] for row in _schema_rows(platform, b.tenant.slug)]
    a_ids = {row[0] for row in _schema_rows(platform, a.tenant.slug)}
    foreign = [i for i in b_ids if i not in a_ids]
    assert foreign
    before = _schema_rows(platform, b.tenant.slug)
    for user_id in foreign:
        for method, path, body in ID_ROUTES:
            r = client.request(method, path.format(id=user_id), headers=a.headers, json=body)
            assert r.status_code == 404, (method, path, r.text)
            assert r.json()["code"] == "not_found"
    # Tenant A's listing shows only tenant A's users.
    emails = {u["email"] for u in client.get("/api/v1/users", headers=a.headers).json()}
    assert all(e.endswith(f"@{a.tenant.slug}.example") for e in emails)
    assert _schema_rows(platform, b.tenant.slug) == before


def test_a_body_field_cannot_choose_the_tenant(client: TestClient, admin: Session) -> None:
    r = client.patch(
        "/api/v1/profile", json={"tenant": "other", "first_name": "X"}, headers=admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "tenant"


@pytest.fixture(scope="module")
def tenant_pair(platform: Platform) -> Iterator[tuple[TenantInfo, TenantInfo]]:
    """Two tenants that the role cases below only read (each provisioning
    and drop costs about a second)."""
    pair = (provision(platform, unique_slug("a")), provision(platform, unique_slug("b")))
    try:
        yield pair
    finally:
        for t in pair:
            drop_tenant(platform.engine, t.slug)


@pytest.mark.parametrize("where", ["primary", "replica"])
def test_set_local_role_confines_sql_to_the_tenant_schema(
    client: TestClient,
    tenant_pair: tuple[TenantInfo, TenantInfo],
    platform: Platform,
    where: str,
) -> None:
    """Inside tenant A's transaction, a query naming tenant B's schema is
    refused by PostgreSQL, whatever the application code does."""
    a, b = tenant_pair
    # The tenants were just provisioned on the primary: on the replica their
    # schemas exist once replayed (provisioning got fast enough to race it).
    wait_replica(platform)
    clients = client.app.state.clients  # type: ignore[attr-defined]
    names_a, names_b = TenantNames(a.slug), TenantNames(b.slug)

    def open_tx() -> AbstractContextManager[Connection]:
        if where == "primary":
            return write_transaction(clients.engines.primary, names_a)
        return read_transaction(clients.replica, names_a, None)

    with open_tx() as conn:
        role, path = conn.execute(text("SELECT current_user, current_setting('search_path')")).one()
        assert role == names_a.login_role and names_a.schema in path
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
    for sql in (
        f"SELECT * FROM {names_b.schema}.users",
        f"SELECT * FROM {names_b.schema}.users_sessions",
    ):
        with (
            pytest.raises(sqlalchemy.exc.ProgrammingError, match="permission denied"),
            open_tx() as conn,
        ):
            conn.execute(text(sql))
    # After the transaction the pooled connection is the backend role again,
    # which (NOINHERIT) can read no tenant's rows at all.
    with clients.engines.primary.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == "pulse_backend"
        with pytest.raises(sqlalchemy.exc.ProgrammingError, match="permission denied"):
            conn.execute(text(f"SELECT * FROM {names_a.schema}.users"))


def test_suspended_tenant_gets_403_everywhere(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, platform: Platform
) -> None:
    client = make_client(tenant_state_cache_seconds=0)
    t = make_tenant()
    s = admin_session(client, t)
    member = invite_and_login(client, s, "member")
    set_suspended(platform.engine, t.slug, True)
    for headers in (s.headers, member.headers):
        for method, path in (
            ("GET", "/api/v1/auth/me"),
            ("GET", "/api/v1/users"),
            ("GET", "/api/v1/profile"),
            ("PUT", "/api/v1/profile/preferences"),
            ("POST", "/api/v1/auth/logout"),
        ):
            r = client.request(method, path, headers=headers, json={"theme_mode": "dark"})
            assert r.status_code == 403, (method, path, r.text)
            assert r.json()["code"] == "tenant_unavailable"
    r = client.post(
        "/api/v1/auth/login",
        json={"tenant": t.slug, "email": t.admin_email, "password": NEW_PASSWORD},
    )
    assert r.status_code == 403 and r.json()["code"] == "tenant_unavailable"
    assert client.post("/api/v1/auth/refresh").status_code == 403
    # Resumed: the same session works again (suspension kept the data).
    set_suspended(platform.engine, t.slug, False)
    assert client.get("/api/v1/auth/me", headers=s.headers).status_code == 200


def test_revoked_tenant_is_refused(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, platform: Platform
) -> None:
    client = make_client(tenant_state_cache_seconds=0)
    t = make_tenant()
    s = admin_session(client, t)
    revoke_tenant(platform.engine, t.slug)
    r = client.get("/api/v1/auth/me", headers=s.headers)
    assert r.status_code == 403 and r.json()["code"] == "tenant_unavailable"


def test_tenant_state_is_cached_briefly(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, platform: Platform
) -> None:
    """With the default cache, a suspension takes effect within the TTL, not
    per request: the registry is not read on every request."""
    client = make_client(tenant_state_cache_seconds=3600)
    t = make_tenant()
    s = admin_session(client, t)
    set_suspended(platform.engine, t.slug, True)
    assert client.get("/api/v1/auth/me", headers=s.headers).status_code == 200
    from pulse_backend import registry

    registry.forget(client.app.state.clients.redis, t.slug)  # type: ignore[attr-defined]
    assert client.get("/api/v1/auth/me", headers=s.headers).status_code == 403


def test_token_of_a_dropped_and_recreated_tenant_is_refused(
    make_client: Callable[..., TestClient], make_tenant: TenantFactory, platform: Platform
) -> None:
    """Same slug, new tenant (new id): the old token names the old id."""
    from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant

    client = make_client(tenant_state_cache_seconds=0)
    t = make_tenant()
    s = admin_session(client, t)
    drop_tenant(platform.engine, t.slug)
    again = ensure_tenant(
        platform.engine,
        TenantRequest(slug=t.slug, display_name="Again", admin_email=t.admin_email),
    )
    assert again.tenant_id != t.tenant_id
    r = client.get("/api/v1/auth/me", headers=s.headers)
    assert r.status_code == 403 and r.json()["code"] == "tenant_unavailable"
