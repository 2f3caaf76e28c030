"""PUT /api/v1/analytics/settings: admins replace the tenant's DORA rules,
validated field by field; the change relinks at once and no figure cached
under the old rules is served again."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_common.analytics.levels import Benchmarks
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import Platform, Session, invite_and_login
from tests.backend.support import tenant_sql, wait_replica
from tests.dora.conftest import Scenario

START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
RANGE = {"start": "2026-05-25T00:00:00Z", "end": "2026-06-10T00:00:00Z"}


def _seed(platform: Platform, s: Session) -> tuple[int, int]:
    """A PR deployed to staging, then to production; returns both deployment ids."""
    names = TenantNames(s.tenant.slug)
    with platform.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(names.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(names.schema)}"))
        sc = Scenario(conn, s.tenant.tenant_id, Benchmarks(bands={}))
        api = sc.repo("api")
        pr = sc.pr(api, first_commit=START, opened=START, merged=START + dt.timedelta(hours=1))
        staging = sc.deploy(api, sc.sha_of(pr), START + dt.timedelta(hours=2), env="staging")
        prod = sc.deploy(api, sc.sha_of(pr), START + dt.timedelta(hours=5))
        sc.link()
    return staging, prod


def test_an_admin_change_relinks_and_invalidates_the_cache(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    staging, prod = _seed(platform, admin)
    wait_replica(platform)
    r = client.get("/api/v1/analytics/lead-time", params=RANGE, headers=admin.headers)
    assert [p["deployment_id"] for p in r.json()["drilldown"]] == [prod]
    assert (
        client.get("/api/v1/analytics/lead-time", params=RANGE, headers=admin.headers).headers[
            "x-cache"
        ]
        == "hit"
    )

    r = client.get("/api/v1/analytics/settings", headers=admin.headers)
    assert r.json()["rules"]["production_pattern"] == "^(prod|production)$"
    body = {**r.json()["rules"], "production_pattern": "^(staging|prod|production)$"}
    r = client.put("/api/v1/analytics/settings", json=body, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["relinked"]["deployment_prs"] == 2
    (row,) = tenant_sql(
        platform,
        admin.tenant.slug,
        "SELECT deployment_id FROM deployments_prs WHERE is_first",
    )
    assert row.deployment_id == staging

    r = client.get("/api/v1/analytics/lead-time", params=RANGE, headers=admin.headers)
    assert r.headers["x-cache"] == "miss"
    assert [p["deployment_id"] for p in r.json()["drilldown"]] == [staging]
    assert client.get("/api/v1/analytics/settings", headers=admin.headers).json()["rules"] == body


def test_rules_are_validated_and_only_admins_change_them(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    member = invite_and_login(client, admin, "member")
    assert client.get("/api/v1/analytics/settings", headers=member.headers).status_code == 200
    r = client.put("/api/v1/analytics/settings", json={}, headers=member.headers)
    assert r.status_code == 403
    for body, field in [
        ({"production_pattern": "(unclosed"}, "production_pattern"),
        ({"hotfix_pattern": "a\x00b"}, "hotfix_pattern"),
        ({"deployment_fallback": "tags"}, "deployment_fallback"),
        ({"incident_window_hours": 0}, "incident_window_hours"),
        ({"report_year": 2021}, "report_year"),
        ({"colour": "blue"}, "colour"),
        # shapes that would stall relink's matching over every PR title
        ({"production_pattern": "(a+)+$"}, "production_pattern"),
        ({"hotfix_pattern": r"(hot)\1fix"}, "hotfix_pattern"),
        ({"revert_pattern": ".*a.*b.*c"}, "revert_pattern"),
        ({"incident_types": []}, "incident_types"),
        ({"incident_types": ["Incident", "incident"]}, "incident_types"),
        ({"incident_types": ["Out\x00age"]}, "incident_types"),
        ({"incident_types": ["x" * 101]}, "incident_types"),
        ({"incident_types": [f"T{i}" for i in range(51)]}, "incident_types"),
    ]:
        r = client.put("/api/v1/analytics/settings", json=body, headers=admin.headers)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["field"] == field, r.json()
    # The message is the validator's own, without pydantic's "Value error, ".
    r = client.put(
        "/api/v1/analytics/settings", json={"hotfix_pattern": "*hotfix"}, headers=admin.headers
    )
    assert r.json()["errors"] == [
        {
            "field": "hotfix_pattern",
            "message": "not a regular expression: nothing to repeat at position 0",
        }
    ], r.json()
    # nothing was stored by the refused requests
    assert tenant_sql(platform, admin.tenant.slug, "SELECT id FROM dora_settings") == []
    r = client.put("/api/v1/analytics/settings", json={"report_year": 2023}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["rules"]["report_year"] == 2023


def test_incident_types_are_stored_and_read_back(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    r = client.get("/api/v1/analytics/settings", headers=admin.headers)
    # never set: each Jira integration's incidentTypes option decides
    assert r.json()["rules"]["incident_types"] is None
    body = {**r.json()["rules"], "incident_types": [" Incident ", "Outage"]}
    r = client.put("/api/v1/analytics/settings", json=body, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["rules"]["incident_types"] == ["Incident", "Outage"]
    (row,) = tenant_sql(platform, admin.tenant.slug, "SELECT incident_types FROM dora_settings")
    assert row.incident_types == ["Incident", "Outage"]
    r = client.get("/api/v1/analytics/settings", headers=admin.headers)
    assert r.json()["rules"]["incident_types"] == ["Incident", "Outage"]
