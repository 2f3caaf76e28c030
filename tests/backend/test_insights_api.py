"""/api/v1/analytics/insights on the demo tenant: a post replaces the
rule-based insights of its filters and period (twice is once, other scopes,
periods and generators untouched, concurrent posts leave one set), and the
GET reads one scope's stored insights back, newest period first, paged."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pulse_backend.analytics.insights import store_insights
from pulse_backend.analytics.summary import summarize
from pulse_common.analytics.levels import load_benchmarks
from pulse_common.analytics.scope import Scope, filters_key
from pulse_common.dora.settings import load_rules
from pulse_common.tenancy import TenantNames, quote_ident
from tests.backend import test_analytics_api as analytics
from tests.backend.conftest import Platform, Session, invite_and_login
from tests.backend.support import tenant_sql, wait_replica

# The analytics tests' demo tenant (one per module) and its first admin.
demo = analytics.demo
demo_admin = analytics.demo_admin
AS_OF = analytics.AS_OF

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

URL = "/api/v1/analytics/insights"


def period(days_before: int, length: int = 30) -> dict[str, str]:
    """A range of ``length`` days ending ``days_before`` days before the
    demo's last day: each test its own, as they share the tenant."""
    end = AS_OF - dt.timedelta(days=days_before)
    return {"start": (end - dt.timedelta(days=length)).isoformat(), "end": end.isoformat()}


def post(client: TestClient, s: Session, **params: Any) -> int:
    r = client.post(URL, params=params, headers=s.headers)
    assert r.status_code == 201, r.text
    stored: int = r.json()["stored"]
    assert stored > 0
    return stored


def stored_texts(platform: Platform, s: Session, rng: dict[str, str]) -> list[str]:
    """Every row of the period, whatever its scope."""
    rows = tenant_sql(
        platform,
        s.tenant.slug,
        "SELECT insight_text FROM dora_metric_insights "
        "WHERE period_start = :start AND period_end = :end ORDER BY id",
        bounds(rng),
    )
    return [r.insight_text for r in rows]


def bounds(rng: dict[str, str]) -> dict[str, dt.datetime]:
    return {k: dt.datetime.fromisoformat(v) for k, v in rng.items()}


def read(client: TestClient, s: Session, **params: Any) -> dict[str, Any]:
    r = client.get(URL, params=params, headers=s.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def a_repository(platform: Platform, s: Session) -> int:
    rows = tenant_sql(platform, s.tenant.slug, "SELECT min(id) AS id FROM repositories")
    repo: int = rows[0].id
    return repo


def test_posting_twice_leaves_one_set(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    rng = period(1)
    n = post(client, demo_admin, **rng)
    first = stored_texts(platform, demo_admin, rng)
    assert post(client, demo_admin, **rng) == n
    assert stored_texts(platform, demo_admin, rng) == first
    assert len(first) == n


def test_a_filtered_post_and_the_unfiltered_one_replace_only_their_own(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    rng = period(2)
    repo = a_repository(platform, demo_admin)
    # The filters in another order and repeated are the same scope.
    filtered = {**rng, "repository": [repo], "environment": "production"}
    same = {**rng, "environment": "production", "repository": [repo, repo]}
    n_all = post(client, demo_admin, **rng)
    n_one = post(client, demo_admin, **filtered)
    n_all = post(client, demo_admin, **rng)  # replaces the unfiltered set only
    n_one = post(client, demo_admin, **same)  # replaces the filtered set only
    assert len(stored_texts(platform, demo_admin, rng)) == n_all + n_one
    assert read(client, demo_admin, **rng)["total"] == n_all
    assert read(client, demo_admin, **filtered)["total"] == n_one
    assert read(client, demo_admin, **rng, timezone="Europe/Berlin")["total"] == 0


def test_another_period_and_another_generator_are_untouched(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    one, other = period(3), period(3, length=20)
    kept = post(client, demo_admin, **other)
    n = post(client, demo_admin, **one)
    # An insight of the same scope and period written by another generator.
    tenant_sql(
        platform,
        demo_admin.tenant.slug,
        "INSERT INTO dora_metric_insights (tenant_id, metric, period_start, period_end, "
        "insight_text, generated_by, scope, scope_key) SELECT tenant_id, metric, period_start, "
        "period_end, 'Written by a model.', 'model', scope, scope_key "
        "FROM dora_metric_insights WHERE period_start = :start AND period_end = :end LIMIT 1",
        bounds(one),
    )
    post(client, demo_admin, **one)
    assert len(stored_texts(platform, demo_admin, other)) == kept
    texts = stored_texts(platform, demo_admin, one)
    assert texts.count("Written by a model.") == 1
    assert len(texts) == n + 1


def test_get_reads_its_scopes_rows_newest_period_first_and_paged(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    scope = {"repository": [a_repository(platform, demo_admin)]}  # only this test's
    older, newer = period(25, length=14), period(5, length=14)
    n_old = post(client, demo_admin, **older, **scope)
    n_new = post(client, demo_admin, **newer, **scope)
    post(client, demo_admin, **newer)  # the unfiltered scope: not read below
    wait_replica(platform)
    viewer = invite_and_login(client, demo_admin, "viewer")
    body = read(client, viewer, **scope)
    assert (body["total"], body["limit"], body["offset"]) == (n_old + n_new, 100, 0)
    items = body["items"]
    assert [i["period_end"][:10] for i in items] == [newer["end"][:10]] * n_new + [
        older["end"][:10]
    ] * n_old
    assert set(items[0]) == {
        "metric",
        "period_start",
        "period_end",
        "value",
        "level",
        "text",
        "generated_by",
        "created_at",
    }
    assert {i["generated_by"] for i in items} == {"rules"}
    summary = client.get(
        "/api/v1/analytics/summary", params={**newer, **scope}, headers=viewer.headers
    )
    assert [i["text"] for i in items[:n_new]] == summary.json()["insights"]
    page = read(client, viewer, **scope, limit=2, offset=1)
    assert page["total"] == n_old + n_new
    assert page["items"] == items[1:3]
    # With a range, only the periods inside it.
    assert read(client, viewer, **scope, **period(0, length=20))["total"] == n_new
    # Readers read; writing stays with analytics:write.
    assert client.post(URL, params=newer, headers=viewer.headers).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "Asia/Calcuta"}, "timezone"),
        ({"limit": -1}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"offset": -1}, "offset"),
        ({"project": ["x"]}, "project.0"),
        ({"report_year": 2022}, "report_year"),
        ({"start": "2026-07-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"}, "end"),
    ],
)
def test_bad_parameters_are_422s_naming_the_field(
    client: TestClient, demo_admin: Session, params: dict[str, Any], field: str
) -> None:
    r = client.get(URL, params=params, headers=demo_admin.headers)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()


def test_concurrent_posts_of_one_scope_leave_one_set(
    platform: Platform, demo_admin: Session
) -> None:
    rng = period(6)
    scope = Scope(**bounds(rng))
    schema = quote_ident(TenantNames(demo_admin.tenant.slug).schema)
    tid = demo_admin.tenant.tenant_id
    with platform.engine.begin() as conn:
        bench = load_benchmarks(conn)
        conn.execute(text(f"SET LOCAL search_path TO {schema}"))
        found = summarize(conn, scope, load_rules(conn), bench)
    assert found.insights
    first = platform.engine.connect()
    try:
        first.begin()
        first.execute(text(f"SET LOCAL search_path TO {schema}"))
        store_insights(first, tid, scope, found)  # holds the key until it commits
        done = threading.Event()

        def second() -> None:
            with platform.engine.begin() as conn:
                conn.execute(text(f"SET LOCAL search_path TO {schema}"))
                store_insights(conn, tid, scope, found)
            done.set()

        worker = threading.Thread(target=second)
        worker.start()
        # Until the second waits for the first's lock (or, unlocked, is done).
        with platform.engine.connect() as watch:
            while (
                not done.is_set()
                and not watch.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                ).scalar()
            ):
                watch.rollback()
                done.wait(0.05)
        first.commit()
        worker.join()
    finally:
        first.close()
    assert len(stored_texts(platform, demo_admin, rng)) == len(found.insights)


def test_aliases_of_a_zone_share_one_insight_scope(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    # Chromium says Asia/Calcutta, tzdata's name is Asia/Kolkata: one zone.
    rng = period(7)
    n = post(client, demo_admin, **rng, timezone="Asia/Calcutta")
    assert read(client, demo_admin, **rng, timezone="Asia/Kolkata")["total"] == n
    assert post(client, demo_admin, **rng, timezone="Asia/Kolkata") == n
    assert len(stored_texts(platform, demo_admin, rng)) == n  # replaced, not a second set
    rows = tenant_sql(
        platform,
        demo_admin.tenant.slug,
        "SELECT DISTINCT scope->>'timezone' AS tz FROM dora_metric_insights "
        "WHERE period_start = :start AND period_end = :end",
        bounds(rng),
    )
    assert [r.tz for r in rows] == ["Asia/Kolkata"]  # stored under the zone's one name
    # UTC under its other names is the unfiltered default's scope.
    n_utc = post(client, demo_admin, **rng, timezone="Zulu")
    for name in ["UTC", "Etc/UTC", "Etc/Universal", "GMT"]:
        assert read(client, demo_admin, **rng, timezone=name)["total"] == n_utc, name
    assert read(client, demo_admin, **rng)["total"] == n_utc


def test_insights_stored_under_an_alias_before_are_found_and_replaced(
    client: TestClient, platform: Platform, demo_admin: Session
) -> None:
    rng = period(8)
    n = post(client, demo_admin, **rng, timezone="Asia/Kolkata")
    # As the previous release stored them: the alias itself in the scope
    # and its digest as the key.
    alias = Scope(**bounds(rng), timezone="Asia/Kolkata").filters() | {"timezone": "Asia/Calcutta"}
    tenant_sql(
        platform,
        demo_admin.tenant.slug,
        "UPDATE dora_metric_insights SET scope = CAST(:scope AS jsonb), scope_key = :key "
        "WHERE period_start = :start AND period_end = :end",
        {**bounds(rng), "scope": json.dumps(alias), "key": filters_key(alias)},
    )
    wait_replica(platform)
    for name in ["Asia/Calcutta", "Asia/Kolkata"]:
        assert read(client, demo_admin, **rng, timezone=name)["total"] == n, name
    assert post(client, demo_admin, **rng, timezone="Asia/Kolkata") == n
    assert len(stored_texts(platform, demo_admin, rng)) == n  # the old set replaced
