"""Every /api/v1 route declares a permission (or is explicitly public), and
each role gets exactly what the policy gives it, route by route."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.utils import get_dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_backend.app import create_app
from pulse_backend.middleware import operation_id
from pulse_backend.rbac import PUBLIC_ROUTES, ROLE_PERMISSIONS, Role, route_permission
from pulse_backend.settings import Settings
from tests.backend.conftest import NEW_PASSWORD, Platform, Session, invite_and_login, login


def _dependencies(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _dependencies(dep)


def leaf_routes(app: FastAPI) -> Iterator[Any]:
    """Every route of the app, HTTP and WebSocket, its included routers opened."""
    stack: list[Any] = list(app.router.routes)
    while stack:
        route = stack.pop()
        # Included routers (flattened or nested, by FastAPI version).
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack.extend(inner.routes)
        else:
            yield route


def api_routes(app: FastAPI) -> dict[tuple[str, str], str | None]:
    """(method, path template) -> the permission its dependencies require,
    for every operation of the OpenAPI document under /api/v1."""
    found: dict[tuple[str, str], str | None] = {}
    ops = {operation_id(r): r for r in leaf_routes(app) if isinstance(r, APIRoute)}
    for path, item in app.openapi()["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, op in item.items():
            route = ops[op["operationId"]]
            dependant = get_dependant(path=route.path, call=route.endpoint)
            perms = {route_permission(d) for d in _dependencies(dependant)} - {None}
            assert len(perms) <= 1, (method, path, perms)
            found[(method.upper(), path)] = perms.pop() if perms else None
    return found


@pytest.fixture(scope="module")
def routes() -> dict[tuple[str, str], str | None]:
    return api_routes(create_app(Settings(environment="dev")))


def test_every_api_route_declares_a_permission_or_is_listed_public(
    routes: dict[tuple[str, str], str | None],
) -> None:
    assert len(routes) >= 15
    missing = {k for k, perm in routes.items() if perm is None} - PUBLIC_ROUTES
    assert not missing, f"routes without require(): {sorted(missing)}"
    # The public list is exact: nothing listed public secretly requires a token, and
    # nothing stale stays listed.
    public = {k for k, perm in routes.items() if perm is None}
    assert public == PUBLIC_ROUTES


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    # Ids that exist (the caller's own user is id >= 1); bodies are left
    # empty: permission is checked before the body is validated.
    url = path.replace("{user_id}", "1")
    return client.request(method, url, headers=headers, json={}).status_code


def test_each_role_is_refused_exactly_the_routes_it_lacks(
    client: TestClient, admin: Session, routes: dict[tuple[str, str], str | None]
) -> None:
    viewer = invite_and_login(client, admin, "viewer")
    member = invite_and_login(client, admin, "member")
    sessions = {Role.viewer: viewer, Role.member: member}
    checked = 0
    for (method, path), perm in sorted(routes.items()):
        if perm is None or perm == "session:write":  # logout would end the session
            continue
        for role, session in sessions.items():
            status = _call(client, method, path, session.headers)
            if perm in ROLE_PERMISSIONS[role]:
                assert status != 403, (role, method, path, status)
            else:
                assert status == 403, (role, method, path, status)
            checked += 1
        # Without a token: 401 everywhere.
        assert _call(client, method, path, {}) == 401, (method, path)
    assert checked >= 20


def test_users_permissions_grant_extends_a_role(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    viewer = invite_and_login(client, admin, "viewer")
    assert client.get("/api/v1/users", headers=viewer.headers).status_code == 403
    me = client.get("/api/v1/auth/me", headers=viewer.headers).json()
    # The token response says what the session may do (the web app's menu follows it).
    first = login(client, admin.tenant.slug, me["email"], NEW_PASSWORD)["permissions"]
    assert first == sorted(ROLE_PERMISSIONS[Role.viewer])
    assert "search:read" not in first and "agent:use" not in first
    schema = "tenant_" + admin.tenant.slug.replace("-", "_")
    with platform.engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO {schema}.users_permissions (tenant_id, user_id, resource, action) "
                "VALUES (:t, :u, 'users', 'read')"
            ),
            {"t": admin.tenant.tenant_id, "u": viewer.user_id},
        )
    # Grants are loaded with the session: a new login picks them up.
    body = login(client, admin.tenant.slug, me["email"], NEW_PASSWORD)
    assert body["permissions"] == sorted({*first, "users:read"})
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    assert client.post("/api/v1/users", headers=headers, json={}).status_code == 403
