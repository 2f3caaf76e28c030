"""Every operation of the backend's OpenAPI document against bad input, as
a tenant admin, a tenant member and anonymous: per parameter and body field
a wrong type, an empty value, a huge one, NUL and lone surrogates, dates
out of the calendar, a zone that does not exist; per operation unknown and
repeated query parameters, a missing or wrong Content-Type, malformed,
10 000-level and 20 MB bodies, traversal in path parameters and another
tenant's ids. Every answer is below 500, a ``Problem`` naming the field
(``bad_input.Expect``), and a refused request changes no stored row
(a fingerprint of the tenant's schema before and after)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pulse_backend.settings import RateLimits
from pulse_common.provisioning import drop_tenant
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend import bad_input as b
from tests.backend.conftest import (
    BACKEND_PASSWORD,
    ENCRYPTION_KEYS,
    Platform,
    Session,
    admin_session,
    clients,
    invite_and_login,
    provision,
)
from tests.backend.etl_world import running_etl

# Ending the admin's own session or password would turn the rest into 401s.
SKIP = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}
UNLIMITED = RateLimits(per_user=10**6, per_tenant=10**6, login_per_address=10**6)
API_KEY = "sk-other-tenant-DO-NOT-LEAK-7c1d"
# Rows every request may write whatever its answer (session bookkeeping).
VOLATILE = {"users_sessions"}


def fingerprint(platform: Platform, slug: str) -> dict[str, str]:
    """Table -> md5 of its rows, in the tenant's schema on the primary."""
    names = TenantNames(slug)
    with platform.engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"),
            {"s": names.schema},
        ).scalars()
        parts = [
            f"SELECT '{t}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
            f"FROM {quote_ident(names.schema)}.{quote_ident(t)} x"
            for t in tables
            if t not in VOLATILE
        ]
        return {str(k): str(v) for k, v in conn.execute(text(" UNION ALL ".join(parts)))}


@dataclass
class World:
    client: TestClient
    admin: Session
    member: Session
    platform: Platform
    spec: dict[str, Any]
    ids: dict[str, str]  # path parameter -> a valid value in the admin's tenant
    foreign: dict[str, list[str]]  # path parameter -> ids of the other tenant's objects
    other_slug: str
    expect: b.Expect

    def headers(self, role: str) -> dict[str, str]:
        return {"admin": self.admin.headers, "member": self.member.headers}.get(role, {})

    def url(self, op: b.Operation, **given: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: given.get(m[1], self.ids[m[1]]), op.path)


def _other_tenant(client: TestClient, other: Session) -> dict[str, list[str]]:
    """Objects of a second tenant, with ids the first tenant's do not reach."""
    h = other.headers
    users = [
        client.post(
            "/api/v1/users",
            json={"email": f"u{i}@{other.tenant.slug}.example", "role": "member"},
            headers=h,
        )
        for i in range(8)
    ]
    provider = client.post(
        "/api/v1/ai-providers",
        headers=h,
        json={
            "name": "theirs",
            "type": "ai",
            "api_key": API_KEY,
            "config": {"kind": "openai-compatible", "base_url": "https://x.example", "model": "m"},
        },
    )
    conversations = [client.post("/api/v1/assistant/conversations", headers=h) for _ in range(3)]
    for r in [*users, provider, *conversations]:
        assert r.status_code == 201, r.text
    return {
        # Past the first tenant's few users: ids that exist only there.
        "user_id": [str(r.json()["user"]["id"]) for r in users[-3:]],
        "provider_id": [str(provider.json()["id"])],
        "conversation_id": [str(r.json()["id"]) for r in conversations[1:]],
    }


@pytest.fixture(scope="module")
def bad_world(
    platform: Platform,
    redis_admin: redis.Redis,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    other_tenant = provision(platform, f"bo-{uuid.uuid4().hex[:8]}")
    with (
        clients(platform) as make_client,
        running_etl(
            platform,
            lambda **o: make_client(rate=UNLIMITED, access_token_ttl_seconds=3600, **o),
            redis_admin,
            tmp_path_factory.mktemp("bad-input"),
        ) as etl,
    ):
        client, admin = etl.client, etl.admin
        foreign = _other_tenant(client, admin_session(client, other_tenant))
        member = invite_and_login(client, admin, "member")
        target = client.post(
            "/api/v1/users",
            json={"email": f"t-{uuid.uuid4().hex[:6]}@x.example", "role": "viewer"},
            headers=admin.headers,
        ).json()["user"]["id"]
        conversation = client.post("/api/v1/assistant/conversations", headers=admin.headers)
        flags = client.get("/api/v1/settings/features", headers=admin.headers).json()["flags"]
        ids = {
            "user_id": str(target),
            "provider_id": "1",
            "conversation_id": str(conversation.json()["id"]),
            "message_id": "1",
            "alert_id": "1",
            "memory_id": "1",
            "name": sorted(flags)[0] if flags else "search",
            "integration": "jira-main",
            "action": "pause",
        }
        redis_password = redis.Redis.from_url(platform.redis_url).connection_pool.connection_kwargs[
            "password"
        ]
        secrets = [BACKEND_PASSWORD, API_KEY, "-----BEGIN", "postgresql://", ENCRYPTION_KEYS]
        secrets += [str(redis_password or "")]
        spec = client.get("/api/v1/openapi.json").json()
        yield World(
            client,
            admin,
            member,
            platform,
            spec,
            ids,
            foreign,
            other_tenant.slug,
            b.Expect(secrets),
        )
    drop_tenant(platform.engine, other_tenant.slug)


def _operations(w: World) -> list[b.Operation]:
    return [op for op in b.operations(w.spec) if (op.method, op.path) not in SKIP]


def _send(
    w: World,
    op: b.Operation,
    role: str,
    url: str,
    body: str | None = None,
    content_type: str | None = "application/json",
) -> Any:
    headers = dict(w.headers(role))
    if body is not None and content_type:
        headers["Content-Type"] = content_type
    before = fingerprint(w.platform, w.admin.tenant.slug) if op.method != "GET" else None
    r = w.client.request(op.method, url, content=body, headers=headers)
    if before is not None and r.status_code >= 400:
        after = fingerprint(w.platform, w.admin.tenant.slug)
        changed = sorted(t for t in after if after[t] != before.get(t))
        if changed:
            w.expect.failures.append(
                f"{op.name} {url[:120]} as {role}: refused but changed {changed}"
            )
    return r


def _minimal_body(op: b.Operation) -> str | None:
    return "{}" if op.has_body else None


def test_every_parameter_and_field_refuses_bad_values_by_name(bad_world: World) -> None:
    """As the admin, who passes every permission: each bad value of
    ``bad_input.BAD`` in each query parameter, path parameter and body field
    of every operation."""
    w = bad_world
    for op in _operations(w):
        for param in op.params("query"):
            name, schema = param["name"], param["schema"]
            for bad in b.BAD:
                url = f"{w.url(op)}?{name}={bad.url}"
                r = _send(w, op, "admin", url, _minimal_body(op))
                value = b.query_value(schema, b.url_text(bad.url))
                named = name if b.surely_invalid(w.spec, schema, value) else None
                w.expect.check(f"{op.name} ?{name}={bad.label}", r, named)
        for param in op.params("path"):
            name, schema = param["name"], param["schema"]
            for text_ in [bad.url for bad in b.BAD if bad.url] + b.TRAVERSAL:
                url = w.url(op, **{name: text_})
                r = _send(w, op, "admin", url, _minimal_body(op))
                w.expect.check(f"{op.name} {name}={text_[:40]}", r)
        for name, schema in op.fields.items():
            for bad in b.BAD:
                body = f'{{"{name}": {bad.json}}}'
                r = _send(w, op, "admin", w.url(op), body)
                value = json.loads(bad.json)
                named = name if b.surely_invalid(w.spec, schema, value) else None
                w.expect.check(f"{op.name} body.{name}={bad.label}", r, named)
    _no_failures(w)


def _no_failures(w: World) -> None:
    failures, w.expect.failures[:] = list(w.expect.failures), []
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:60])


NESTED = b.nested_json(10_000)
HUGE_BODY = '{"x": "' + "a" * 20 * b.MB + '"}'
ROLES = ("admin", "member", "anonymous")


def test_every_operation_refuses_malformed_requests(bad_world: World) -> None:
    """Per operation and role: unknown and repeated query parameters, a
    body without or with a wrong Content-Type, malformed, 10 000 levels
    deep or 20 MB, and the other tenant's ids in its path."""
    w = bad_world
    theirs = fingerprint(w.platform, w.other_slug)
    for op in _operations(w):
        for role in ROLES:
            name = f"{op.name} as {role}"
            r = _send(w, op, role, f"{w.url(op)}?zz_unknown=1", _minimal_body(op))
            w.expect.check(f"{name} unknown query parameter", r)
            for param in op.params("query"):
                url = f"{w.url(op)}?{param['name']}=1&{param['name']}=2"
                w.expect.check(f"{name} repeated {param['name']}", _send(w, op, role, url))
            for pname, ids in w.foreign.items():
                if "{" + pname + "}" not in op.path:
                    continue
                for ident in ids:
                    r = _send(w, op, role, w.url(op, **{pname: ident}), _minimal_body(op))
                    w.expect.check(f"{name} their {pname}={ident}", r)
                    # A 422 for the minimal body comes before the lookup.
                    if r.status_code < 400 or (role == "admin" and r.status_code not in (404, 422)):
                        w.expect.failures.append(f"{name} their {pname}: {r.status_code}")
            if op.method == "GET":
                continue
            url = w.url(op)
            for label, body, ctype in [
                ("no Content-Type", "{}", None),
                ("text/plain", "{}", "text/plain"),
                ("malformed JSON", '{"a": ', "application/json"),
                ("10 000 levels", NESTED, "application/json"),
                ("20 MB", HUGE_BODY, "application/json"),
            ]:
                r = _send(w, op, role, url, body, ctype)
                w.expect.check(f"{name} {label}", r)
                if label == "20 MB" and r.status_code != 413:
                    w.expect.failures.append(f"{name} 20 MB body: {r.status_code}, not 413")
    assert fingerprint(w.platform, w.other_slug) == theirs
    _no_failures(w)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@seed(23)
@given(data=st.data())
def test_bad_values_as_member_and_anonymous(bad_world: World, data: st.DataObject) -> None:
    """The same bad values as the first test, drawn per operation for a
    member and an anonymous caller: refusals of permission or sign-in come
    before validation or after it, never as a 5xx or a changed row."""
    w = bad_world
    op = data.draw(st.sampled_from(_operations(w)), label="operation")
    role = data.draw(st.sampled_from(["member", "anonymous"]), label="role")
    bad = data.draw(st.sampled_from(b.BAD), label="value")
    fields = sorted(op.fields)
    params = [p["name"] for p in op.params("query")]
    if fields and data.draw(st.booleans(), label="in body"):
        name = data.draw(st.sampled_from(fields), label="field")
        r = _send(w, op, role, w.url(op), f'{{"{name}": {bad.json}}}')
    elif params:
        name = data.draw(st.sampled_from(params), label="parameter")
        r = _send(w, op, role, f"{w.url(op)}?{name}={bad.url}", _minimal_body(op))
    else:
        r = _send(w, op, role, w.url(op), _minimal_body(op))
    w.expect.check(f"{op.name} as {role} {bad.label}", r)
    _no_failures(w)
