"""/api/v1/catalog: what the dashboards' pickers and links need, read from
the tenant's own rows on the replica, for every role that sees analytics,
and refreshed when the tenant's data version moves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from fastapi.testclient import TestClient

from pulse_backend.catalog import CAP
from pulse_backend.response_cache import bump_data_version
from tests.backend.conftest import Platform, Session, TenantInfo, admin_session, invite_and_login
from tests.backend.support import tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
URL = "/api/v1/catalog"


def _seed(platform: Platform, t: TenantInfo) -> None:
    sql = [
        "INSERT INTO projects (tenant_id, key, name) VALUES (:t, 'OPS', 'Operations'),"
        " (:t, 'APP', 'App'), (:t, 'OLD', 'Old')",
        "UPDATE projects SET active = false WHERE key = 'OLD'",
        "INSERT INTO repositories (tenant_id, full_name, name, url) VALUES"
        " (:t, 'acme/web', 'web', 'https://github.com/acme/web'), (:t, 'acme/api', 'api', NULL)",
        "INSERT INTO prs (tenant_id, repository_id, number, title, state, created, author)"
        " SELECT :t, r.id, n, 'pr', 'open', now(), a FROM repositories r,"
        " (VALUES (1, 'zoe'), (2, 'ada'), (3, 'ada'), (4, NULL)) AS v(n, a)"
        " WHERE r.full_name = 'acme/web'",
        "INSERT INTO work_items (tenant_id, project_id, key, summary, created, assignee)"
        " SELECT :t, p.id, k, 's', now(), a FROM projects p, (VALUES ('OPS-1', 'Zoë Quinn'),"
        " ('OPS-2', 'Ada Lovelace'), ('OPS-3', 'Ada Lovelace'), ('OPS-4', NULL)) AS v(k, a)"
        " WHERE p.key = 'OPS'",
    ]
    for s in sql:
        tenant_sql(platform, t.slug, s, {"t": t.tenant_id})
    wait_replica(platform)


def test_catalog_lists_the_tenants_names_addresses_and_bands(
    client: TestClient, platform: Platform, make_tenant: Callable[..., TenantInfo]
) -> None:
    admin = admin_session(client, make_tenant())
    other = admin_session(client, make_tenant())
    _seed(platform, admin.tenant)
    r = client.get(URL, headers=admin.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(p["key"], p["name"]) for p in body["projects"]] == [
        ("APP", "App"),
        ("OPS", "Operations"),
    ]
    assert [(x["full_name"], x["url"]) for x in body["repositories"]] == [
        ("acme/api", None),
        ("acme/web", "https://github.com/acme/web"),
    ]
    assert body["authors"] == ["ada", "zoe"]
    # Jira's display names, as work items are assigned: not the PR logins.
    assert body["assignees"] == ["Ada Lovelace", "Zoë Quinn"]
    assert body["capped"] == {}
    assert body["jira_url"] is None
    lead = body["bands"]["2023:lead_time_for_changes"]
    assert [b["level"] for b in lead] == ["elite", "high", "medium", "low"]
    assert (lead[0]["lower"], lead[0]["upper"], lead[0]["unit"]) == (0, 24, "hours")
    assert "2024:change_failure_rate" in body["bands"]

    # A viewer sees it too (the dashboards need it); another tenant sees its own (nothing).
    viewer = invite_and_login(client, admin, "viewer")
    assert client.get(URL, headers=viewer.headers).json()["authors"] == ["ada", "zoe"]
    theirs = client.get(URL, headers=other.headers).json()
    assert (theirs["projects"], theirs["repositories"], theirs["authors"]) == ([], [], [])
    assert theirs["assignees"] == []
    assert client.get(URL).status_code == 401


def test_a_list_cut_at_its_cap_says_so(
    client: TestClient, platform: Platform, make_tenant: Callable[..., TenantInfo]
) -> None:
    s = admin_session(client, make_tenant())
    for sql in (
        "INSERT INTO projects (tenant_id, key, name) VALUES (:t, 'K', 'K')",
        "INSERT INTO work_items (tenant_id, project_id, key, summary, created, assignee)"
        " SELECT :t, p.id, 'K-' || i, 's', now(), 'person ' || lpad(i::text, 4, '0')"
        " FROM projects p, generate_series(1, :n) i",
    ):
        tenant_sql(platform, s.tenant.slug, sql, {"t": s.tenant.tenant_id, "n": CAP + 1})
    wait_replica(platform)
    body = client.get(URL, headers=s.headers).json()
    assert body["assignees"] == [f"person {i:04}" for i in range(1, CAP + 1)]
    assert body["capped"] == {"assignees": CAP}


def test_catalog_follows_the_data_version(
    client: TestClient, platform: Platform, make_tenant: Callable[..., TenantInfo]
) -> None:
    s: Session = admin_session(client, make_tenant())
    assert client.get(URL, headers=s.headers).json()["jira_url"] is None
    tenant_sql(
        platform,
        s.tenant.slug,
        "INSERT INTO integrations (tenant_id, name, type, provider, base_url) VALUES"
        " (:t, 'jira-main', 'data', 'jira', 'https://acme.atlassian.net/')",
        {"t": s.tenant.tenant_id},
    )
    wait_replica(platform)
    # Cached until the ETL (here the test) says the data changed.
    assert client.get(URL, headers=s.headers).json()["jira_url"] is None
    cache = redis.Redis.from_url(platform.redis_url)
    try:
        bump_data_version(cache, s.tenant.slug)
    finally:
        cache.close()
    assert client.get(URL, headers=s.headers).json()["jira_url"] == "https://acme.atlassian.net"
