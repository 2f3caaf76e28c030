"""/api/v1/analytics against a demo-seeded tenant on the real primary and
replica: each route gives what its service function gives when called
directly, parameters are validated field by field, tenants stay apart, and
responses are cached until the tenant's data version moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from sqlalchemy import Connection, text

from pulse_backend.analytics.summary import executive_summary
from pulse_backend.analytics.trends import Granularity, trend
from pulse_backend.analytics.work_items import work_item_flow
from pulse_backend.response_cache import bump_data_version
from pulse_backend.routes.analytics import SCOPED
from pulse_common.analytics import dora
from pulse_common.analytics.engineering import engineering
from pulse_common.analytics.levels import Benchmarks, load_benchmarks
from pulse_common.analytics.raw_pages import pages_of
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules, load_rules
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend.conftest import (
    NEW_PASSWORD,
    Platform,
    Session,
    TenantInfo,
    admin_session,
    invite_and_login,
    login,
)
from tests.backend.support import (
    add_deployment,
    add_repository,
    demo_tenant,
    tenant_sql,
    wait_replica,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
START = AS_OF - dt.timedelta(days=45)
RANGE = {"start": START.isoformat(), "end": AS_OF.isoformat()}
API = "/api/v1/analytics"
Direct = Callable[[Connection, Scope, DoraRules, Benchmarks], Any]

FIGURES: dict[str, Direct] = {
    "deployment-frequency": dora.deployment_frequency,
    "lead-time": dora.lead_time,
    "change-failure-rate": dora.change_failure_rate,
    "recovery-time": dora.recovery_time,
    "mean-time-to-restore": dora.mttr,
    "rework-rate": dora.rework_rate,
    "summary": executive_summary,
    "engineering": lambda c, s, _r, _b: engineering(c, s),
    "work-items": lambda c, s, _r, _b: work_item_flow(c, s),
}


@pytest.fixture(scope="module")
def demo(platform: Platform) -> Iterator[TenantInfo]:
    with demo_tenant(platform, "an", "Analytics demo", AS_OF.date()) as tenant:
        yield tenant


def _admin(client: TestClient, tenant: TenantInfo) -> Session:
    """The first admin; the initial password is changed at the first login
    only (the demo tenant lives for the whole module)."""
    if tenant.admin_password != NEW_PASSWORD:
        return admin_session(client, tenant)
    body = login(client, tenant.slug, tenant.admin_email, NEW_PASSWORD)
    return Session(tenant, body["access_token"], body["user"]["id"])


@pytest.fixture
def demo_admin(client: TestClient, demo: TenantInfo) -> Session:
    return _admin(client, demo)


def direct(platform: Platform, slug: str, fn: Direct, scope: Scope) -> Any:
    """The service function on the primary, in the tenant's schema."""
    with platform.engine.begin() as conn:
        bench = load_benchmarks(conn)
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(TenantNames(slug).schema)}"))
        return fn(conn, scope, load_rules(conn), bench)


def get(client: TestClient, s: Session, path: str, **params: Any) -> Any:
    return client.get(f"{API}/{path}", params={**RANGE, **params}, headers=s.headers)


def same_figure(body: bytes, expected: Any) -> None:
    """The body is ``expected``, value for value. Not the same text: its
    drill-down rows are PostgreSQL's JSON (``raw_pages``), with ``+00:00``
    where pydantic writes ``Z`` (tests/dora/test_raw_pages.py holds their
    fields to the models')."""
    assert type(expected).model_validate_json(body) == expected


@pytest.mark.parametrize("path", sorted(FIGURES))
def test_each_route_gives_the_service_functions_figures(
    client: TestClient, platform: Platform, demo_admin: Session, path: str
) -> None:
    r = get(client, demo_admin, path)
    assert r.status_code == 200, r.text
    expected = direct(
        platform, demo_admin.tenant.slug, FIGURES[path], Scope(start=START, end=AS_OF)
    )
    same_figure(r.content, expected)


# Every analytics GET with the parameters it needs beyond the range.
ANSWERS: dict[str, dict[str, str]] = {
    **{path: {} for path in SCOPED},
    "trends": {"metric": "deployment_frequency", "granularity": "week"},
    "insights": {},
}


@pytest.mark.parametrize("path", sorted(ANSWERS))
def test_each_answer_matches_its_openapi_schema(
    client: TestClient, demo_admin: Session, path: str
) -> None:
    # What the web app's generated types and any client read: the bodies are
    # served as stored bytes, with PostgreSQL's own JSON spliced in
    # (raw_pages), so no response model checks them on the way out.
    doc = client.app.openapi()  # type: ignore[attr-defined]
    declared = doc["paths"][f"{API}/{path}"]["get"]["responses"]["200"]
    schema = {**declared["content"]["application/json"]["schema"], "components": doc["components"]}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    if path == "insights":
        assert client.post(f"{API}/insights", params=RANGE, headers=demo_admin.headers).is_success
    for _ in ("miss", "hit"):
        r = get(client, demo_admin, path, **ANSWERS[path])
        assert r.status_code == 200, r.text
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(r.json())]
        assert not errors, (path, r.headers.get("X-Cache"), errors[:5])
    assert r.json(), path


@pytest.mark.parametrize("path", sorted(p for p in FIGURES if pages_of(SCOPED[p][0])))
def test_drilldown_rows_carry_every_field_of_their_model(
    client: TestClient, demo_admin: Session, path: str
) -> None:
    # The rows are PostgreSQL's JSON, not pydantic's: a field the statement
    # leaves out would be missing from the answer, not defaulted.
    body = get(client, demo_admin, path).json()
    for name, item in pages_of(SCOPED[path][0]).items():
        assert body[name], (path, name)
        for row in body[name]:
            assert set(row) == set(item.model_fields), (path, name)


def test_the_demo_figures_are_not_empty(client: TestClient, demo_admin: Session) -> None:
    # Guards the comparison above against two empty answers agreeing.
    lt = get(client, demo_admin, "lead-time").json()
    assert lt["sample_size"] > 0 and lt["value"] > 0 and lt["level"] is not None
    summary = get(client, demo_admin, "summary").json()
    assert {ln["metric"] for ln in summary["lines"]} >= {"deployment_frequency", "rework_rate"}
    assert summary["insights"]


def test_filters_and_drilldown_pages_reach_the_service(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    full = get(client, demo_admin, "change-failure-rate").json()
    assert full["drilldown_total"] >= 4
    page = get(client, demo_admin, "change-failure-rate", limit=2, offset=1).json()
    assert page["drilldown"] == full["drilldown"][1:3]
    assert page["drilldown_total"] == full["drilldown_total"]
    assert page["value"] == full["value"]

    repo = full["drilldown"][0]["repository_id"]
    params = {"repository": [repo], "timezone": "Europe/Berlin", "report_year": 2023}
    r = get(client, demo_admin, "lead-time", **params)
    assert r.status_code == 200, r.text
    scope = Scope(
        start=START,
        end=AS_OF,
        repository_ids=(repo,),
        timezone="Europe/Berlin",
        report_year=2023,
    )
    expected = direct(platform, demo_admin.tenant.slug, dora.lead_time, scope)
    same_figure(r.content, expected)
    assert r.json()["report_year"] == 2023

    r = get(client, demo_admin, "trends", metric="lead_time_for_changes", granularity="month")
    assert r.status_code == 200, r.text

    def monthly(c: Connection, s: Scope, rules: DoraRules, bench: Benchmarks) -> Any:
        return trend(c, s, rules, bench, "lead_time_for_changes", Granularity.month)

    expected = direct(platform, demo_admin.tenant.slug, monthly, Scope(start=START, end=AS_OF))
    assert r.json() == expected.model_dump(mode="json")
    assert len(r.json()["points"]) == 2 and len(r.json()["previous"]) == 2


def test_work_items_narrow_to_one_assignee(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    # The work-items page's assignee filter: one Jira name, its own cache entry.
    names = client.get("/api/v1/catalog", headers=demo_admin.headers).json()["assignees"]
    assert len(names) >= 2, names
    everyone = get(client, demo_admin, "work-items").json()
    scope = Scope(start=START, end=AS_OF)
    theirs = []
    for name in names[:2]:
        r = get(client, demo_admin, "work-items", assignee=name)
        assert r.status_code == 200, r.text

        def flow(c: Connection, s: Scope, _r: DoraRules, _b: Benchmarks, who: str = name) -> Any:
            return work_item_flow(c, s, who)

        same_figure(r.content, direct(platform, demo_admin.tenant.slug, flow, scope))
        theirs.append(r.json())
    assert theirs[0]["resolved"] + theirs[0]["wip"] > 0
    assert theirs[0]["resolved"] + theirs[1]["resolved"] <= everyone["resolved"]
    assert theirs[0] != everyone and theirs[0] != theirs[1]
    nobody = get(client, demo_admin, "work-items", assignee="No Such Person").json()
    assert (nobody["resolved"], nobody["wip"]) == (0, 0)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("lead-time", {"timezone": "Mars/Olympus"}, "timezone"),
        ("lead-time", {"report_year": 2022}, "report_year"),
        ("lead-time", {"start": "2026-06-01T00:00:00"}, "start"),
        ("lead-time", {"start": "2026-07-01T00:00:00Z"}, "end"),
        ("lead-time", {"start": "2024-01-01T00:00:00Z"}, "start"),
        ("lead-time", {"limit": 5000}, "limit"),
        ("lead-time", {"offset": -1}, "offset"),
        ("lead-time", {"project": ["0"]}, "project.0"),
        ("lead-time", {"repository": ["x"]}, "repository.0"),
        ("lead-time", {"environment": ""}, "environment"),
        ("work-items", {"assignee": ""}, "assignee"),
        ("work-items", {"assignee": "x" * 256}, "assignee"),
        ("trends", {"metric": "velocity"}, "metric"),
        ("trends", {"metric": "rework_rate", "granularity": "day"}, "granularity"),
        ("trends", {"metric": "rework_rate", "start": "2025-05-01T00:00:00Z"}, "start"),
    ],
)
def test_bad_parameters_are_422s_naming_the_field(
    client: TestClient, demo_admin: Session, path: str, params: dict[str, Any], field: str
) -> None:
    r = get(client, demo_admin, path, **params)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()


def test_every_role_reads_analytics_and_anonymous_cannot(
    client: TestClient, demo_admin: Session
) -> None:
    viewer = invite_and_login(client, demo_admin, "viewer")
    r = get(client, viewer, "summary")
    assert r.status_code == 200, r.text
    assert r.json() == get(client, demo_admin, "summary").json()
    assert client.get(f"{API}/summary", params=RANGE).status_code == 401


def test_another_tenant_sees_none_of_the_demo_data(
    client: TestClient, demo_admin: Session, make_tenant: Callable[..., TenantInfo]
) -> None:
    other = _admin(client, make_tenant())
    mine = get(client, demo_admin, "deployment-frequency")
    assert mine.json()["sample_size"] > 0
    # Same route and parameters: the other tenant neither gets the demo's
    # cached answer nor reads its rows.
    theirs = get(client, other, "deployment-frequency")
    assert theirs.status_code == 200, theirs.text
    assert theirs.headers["X-Cache"] == "miss"
    assert theirs.json()["sample_size"] == 0 and theirs.json()["drilldown"] == []
    # Ids from the demo tenant used as filters find nothing either.
    repo = mine.json()["drilldown"][0]["repository_id"]
    theirs = get(client, other, "deployment-frequency", repository=[repo])
    assert theirs.json()["sample_size"] == 0


def test_cached_until_the_data_version_moves(
    client: TestClient, platform: Platform, make_tenant: Callable[..., TenantInfo]
) -> None:
    # A tenant of its own: the demo tenant's figures must stay as seeded.
    s = _admin(client, make_tenant())
    slug = s.tenant.slug
    repo = add_repository(platform, s.tenant)

    def deploy(n: int) -> None:
        add_deployment(platform, s.tenant, repo, n, START + dt.timedelta(days=n))
        wait_replica(platform)

    deploy(1)
    first = get(client, s, "deployment-frequency")
    assert (first.headers["X-Cache"], first.json()["sample_size"]) == ("miss", 1)
    deploy(2)
    second = get(client, s, "deployment-frequency")
    # Same data version: the cached figure, although the database moved on,
    # served as the very bytes the miss answered (and still as JSON).
    assert (second.headers["X-Cache"], second.content) == ("hit", first.content)
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    other_params = get(client, s, "deployment-frequency", limit=1)
    assert other_params.headers["X-Cache"] == "miss"

    cache = redis.Redis.from_url(platform.redis_url)
    try:
        bump_data_version(cache, slug)
    finally:
        cache.close()
    third = get(client, s, "deployment-frequency")
    assert (third.headers["X-Cache"], third.json()["sample_size"]) == ("miss", 2)
    assert get(client, s, "deployment-frequency").headers["X-Cache"] == "hit"


def test_aliases_of_a_zone_share_one_cached_answer(client: TestClient, demo_admin: Session) -> None:
    # limit=3: parameters no other test asks for, so the first is a miss.
    first = get(client, demo_admin, "lead-time", timezone="Asia/Calcutta", limit=3)
    assert (first.status_code, first.headers["X-Cache"]) == (200, "miss"), first.text
    same = get(client, demo_admin, "lead-time", timezone="Asia/Kolkata", limit=3)
    assert (same.headers["X-Cache"], same.content) == ("hit", first.content)
    utc = get(client, demo_admin, "lead-time", timezone="Etc/Universal", limit=3)
    assert utc.headers["X-Cache"] == "miss"
    for name in ["UTC", "Zulu", "GMT"]:
        assert (
            get(client, demo_admin, "lead-time", timezone=name, limit=3).headers["X-Cache"] == "hit"
        ), name


def test_admins_store_the_summarys_insights_viewers_cannot(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    viewer = invite_and_login(client, demo_admin, "viewer")
    url = f"{API}/insights"
    assert client.post(url, params=RANGE, headers=viewer.headers).status_code == 403
    r = client.post(url, params=RANGE, headers=demo_admin.headers)
    assert r.status_code == 201, r.text
    body = r.json()
    expected = direct(
        platform, demo_admin.tenant.slug, executive_summary, Scope(start=START, end=AS_OF)
    )
    assert body["summary"] == expected.model_dump(mode="json")
    assert body["stored"] == len(expected.insights) > 0
    rows = tenant_sql(
        platform,
        demo_admin.tenant.slug,
        "SELECT insight_text, generated_by, period_start, period_end FROM dora_metric_insights "
        "WHERE period_end = :end ORDER BY id",
        {"end": AS_OF},
    )
    assert [r.insight_text for r in rows][-body["stored"] :] == list(expected.insights)
    assert {(r.generated_by, r.period_start) for r in rows} == {("rules", START)}
