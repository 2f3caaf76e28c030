"""Changing which work-item types are incidents (PUT /analytics/settings,
``incident_types``) reclassifies what is already stored, in the same
transaction: incidents of a removed type go, work items of an added type
become incidents linked to their deployment, and the change failure rate
and recovery time move at once, in both directions; rows no Jira
integration made are never touched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_common.analytics.levels import Benchmarks
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import Platform, Session
from tests.backend.support import tenant_sql, wait_replica
from tests.dora.conftest import Scenario

START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
RANGE = {"start": "2026-05-25T00:00:00Z", "end": "2026-06-10T00:00:00Z"}


def _at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def _seed(platform: Platform, s: Session) -> dict[str, int]:
    """Two production deployments; after each, a Jira issue: an Incident
    (resolved 3 h after the first deployment), then a Bug (resolved 2 h
    after the second). The Incident was loaded as an incident, as the ETL
    does under the integration's default ``incidentTypes``. Also a
    hand-made incident, before any deployment."""
    names = TenantNames(s.tenant.slug)
    with platform.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(names.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(names.schema)}"))
        sc = Scenario(conn, s.tenant.tenant_id, Benchmarks(bands={}))
        jira = conn.execute(
            text(
                "INSERT INTO integrations (tenant_id, name, type, provider, settings) "
                "VALUES (:t, 'jira-main', 'data', 'jira', "
                """'{"incidentTypes": ["Incident"]}') RETURNING id"""
            ),
            {"t": sc.tenant_id},
        ).scalar_one()
        api = sc.repo("api")
        project = sc.project("OPS", api)
        first_pr = sc.pr(api, first_commit=_at(0), opened=_at(0), merged=_at(1))
        second_pr = sc.pr(api, first_commit=_at(20), opened=_at(20), merged=_at(21))
        ids = {
            "first": sc.deploy(api, sc.sha_of(first_pr), _at(5)),
            "second": sc.deploy(api, sc.sha_of(second_pr), _at(29)),
        }

        def item(key: str, wit: str, created: float, resolved: float) -> int:
            return int(
                conn.execute(
                    text(
                        "INSERT INTO work_items (tenant_id, integration_id, project_id, key, "
                        "summary, wit_id, priority, created, resolved_at) SELECT :t, :i, :p, "
                        ":k, :s, id, 'Highest', :c, :r FROM wits WHERE name = :w "
                        "RETURNING id"
                    ),
                    {
                        "t": sc.tenant_id,
                        "i": jira,
                        "p": project,
                        "k": key,
                        "s": f"{key} summary",
                        "w": wit,
                        "c": _at(created),
                        "r": _at(resolved),
                    },
                ).scalar_one()
            )

        ids["outage"] = item("OPS-1", "Incident", 6, 8)
        ids["bug"] = item("OPS-2", "Bug", 30, 31)
        item("OPS-3", "Story", 31, 40)
        conn.execute(
            text(
                "INSERT INTO incidents (tenant_id, integration_id, external_id, title, severity, "
                "work_item_id, project_id, started_at, detected_at, resolved_at, status) VALUES "
                "(:t, :i, 'OPS-1', 'OPS-1 summary', 'sev1', :w, :p, :c, :c, :r, 'resolved')"
            ),
            {
                "t": sc.tenant_id,
                "i": jira,
                "w": ids["outage"],
                "p": project,
                "c": _at(6),
                "r": _at(8),
            },
        )
        ids["hand_made"] = sc.incident(_at(-10), project=project)
        report = sc.link()
        assert (report.incidents_added, report.incidents_removed) == (0, 0)
    return ids


def _figures(client: TestClient, s: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    cfr = client.get("/api/v1/analytics/change-failure-rate", params=RANGE, headers=s.headers)
    rec = client.get("/api/v1/analytics/recovery-time", params=RANGE, headers=s.headers)
    assert cfr.status_code == rec.status_code == 200, (cfr.text, rec.text)
    return cfr.json(), rec.json()


def _put(client: TestClient, s: Session, types: list[str] | None) -> dict[str, Any]:
    rules = client.get("/api/v1/analytics/settings", headers=s.headers).json()["rules"]
    r = client.put(
        "/api/v1/analytics/settings", json={**rules, "incident_types": types}, headers=s.headers
    )
    assert r.status_code == 200, r.text
    relinked: dict[str, Any] = r.json()["relinked"]
    return relinked


def _failed(cfr: dict[str, Any]) -> set[int]:
    return {d["id"] for d in cfr["drilldown"] if d["failed"]}


def test_changing_incident_types_reclassifies_stored_work_items(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    ids = _seed(platform, admin)
    wait_replica(platform)
    cfr, rec = _figures(client, admin)
    assert (cfr["value"], _failed(cfr)) == (50.0, {ids["first"]})
    assert (rec["value"], rec["sample_size"]) == (3.0, 1)
    # cached: the PUT must invalidate it
    assert _figures(client, admin)[0]["value"] == 50.0

    # Bugs only: the Incident's incident goes, the Bug becomes one
    relinked = _put(client, admin, ["Bug"])
    assert (relinked["incidents_added"], relinked["incidents_removed"]) == (1, 1)
    cfr, rec = _figures(client, admin)
    assert (cfr["value"], _failed(cfr)) == (50.0, {ids["second"]})
    assert (rec["value"], rec["sample_size"]) == (2.0, 1)
    (bug,) = tenant_sql(
        platform,
        admin.tenant.slug,
        "SELECT i.external_id, i.severity, i.status, i.detected_at, i.resolved_at, "
        "d.deployment_id, d.link_method FROM incidents i "
        "JOIN incidents_deployments d ON d.incident_id = i.id WHERE i.work_item_id = :w",
        {"w": ids["bug"]},
    )
    assert tuple(bug) == (
        "OPS-2",
        "sev1",
        "resolved",
        _at(30),
        _at(31),
        ids["second"],
        "last_production_deployment",
    )

    # both types: both deployments failed
    assert _put(client, admin, ["Incident", "Bug"])["incidents_added"] == 1
    cfr, rec = _figures(client, admin)
    assert (cfr["value"], _failed(cfr)) == (100.0, {ids["first"], ids["second"]})
    assert (rec["value"], rec["sample_size"]) == (2.0, 2)  # lower median of 2 h and 3 h

    # unset: the integration's own option (["Incident"]) decides again
    relinked = _put(client, admin, None)
    assert (relinked["incidents_added"], relinked["incidents_removed"]) == (0, 1)
    cfr, rec = _figures(client, admin)
    assert (cfr["value"], _failed(cfr)) == (50.0, {ids["first"]})
    assert (rec["value"], rec["sample_size"]) == (3.0, 1)

    # the hand-made incident was never a candidate, nor removed
    rows = tenant_sql(platform, admin.tenant.slug, "SELECT id FROM incidents ORDER BY id")
    assert ids["hand_made"] in {r.id for r in rows} and len(rows) == 2


def test_an_unchanged_type_list_rewrites_nothing(
    client: TestClient, admin: Session, platform: Platform
) -> None:
    """The reclassification is idempotent: a second PUT of the same rules
    keeps the incident rows (same ids) and reports no change."""
    _seed(platform, admin)
    _put(client, admin, ["Incident", "Bug"])
    before = tenant_sql(platform, admin.tenant.slug, "SELECT id, external_id FROM incidents")
    relinked = _put(client, admin, ["Incident", "Bug"])
    assert (relinked["incidents_added"], relinked["incidents_removed"]) == (0, 0)
    after = tenant_sql(platform, admin.tenant.slug, "SELECT id, external_id FROM incidents")
    assert sorted(map(tuple, before)) == sorted(map(tuple, after))
