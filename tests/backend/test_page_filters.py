"""Every dashboard page's filters narrow its numbers, through the API, on a
demo-seeded tenant: each figure under a project, a repository, a team
(author) and, for the pages about deployments, an environment equals the
count of SQL written here, independently of the statements it checks, and
is fewer than the unfiltered one (and not zero: two empty answers agree).

The work items' repository filter goes through the items' PRs when they have
any, else through the repositories their project covers (docs/metrics.md,
"Work item flow"); the reference below builds each item's repositories as a
table instead of the statement's probes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backend.conftest import (
    NEW_PASSWORD,
    Platform,
    Session,
    TenantInfo,
    admin_session,
    login,
)
from tests.backend.support import demo_tenant, tenant_sql

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
START = AS_OF - dt.timedelta(days=60)
API = "/api/v1/analytics"

# The scoped deployments: successful, finished in range, in production (the
# default rules) or the one environment asked, and the filters.
DEPLOYMENTS = """
    SELECT d.id FROM deployments d
    WHERE d.status = 'success' AND d.source = 'deployment'
      AND d.finished_at >= :start AND d.finished_at < :end
      AND CASE WHEN CAST(:env AS text) IS NULL THEN lower(d.environment) IN ('prod', 'production')
               ELSE lower(d.environment) = lower(:env) END
      AND (:no_repos OR d.repository_id = ANY(:repos))
      AND (:no_projects OR d.repository_id IN (
          SELECT repository_id FROM projects_repositories WHERE project_id = ANY(:projects)))
      AND (:no_authors OR d.id IN (
          SELECT dp.deployment_id FROM deployments_prs dp JOIN prs p ON p.id = dp.pr_id
          WHERE p.author = ANY(:authors)))
"""
PR_FILTERS = """
      AND (:no_repos OR p.repository_id = ANY(:repos))
      AND (:no_projects OR p.repository_id IN (
          SELECT repository_id FROM projects_repositories WHERE project_id = ANY(:projects)))
      AND (:no_authors OR p.author = ANY(:authors))
"""
# Each work item's repositories: its PRs' (either link), or, with no PR, its project's.
ITEM_REPOS = """
    SELECT l.work_item_id AS id, p.repository_id
    FROM (SELECT work_item_id, pr_id FROM work_items_prs
          UNION SELECT work_item_id, id FROM prs WHERE work_item_id IS NOT NULL) l
    JOIN prs p ON p.id = l.pr_id
    UNION
    SELECT w.id, pr.repository_id
    FROM work_items w JOIN projects_repositories pr ON pr.project_id = w.project_id
    WHERE w.id NOT IN (SELECT work_item_id FROM work_items_prs)
      AND w.id NOT IN (SELECT work_item_id FROM prs WHERE work_item_id IS NOT NULL)
"""
ITEM_FILTERS = f"""
      AND (:no_repos OR w.id IN (SELECT id FROM ({ITEM_REPOS}) r WHERE r.repository_id = ANY(:repos)))
      AND (:no_projects OR w.project_id = ANY(:projects))
      AND (:no_authors OR w.assignee = ANY(:authors))
"""
REFERENCE: dict[str, dict[str, str]] = {
    "deployment-frequency": {"sample_size": f"SELECT count(*) FROM ({DEPLOYMENTS}) d"},
    "change-failure-rate": {
        "sample_size": f"SELECT count(*) FROM ({DEPLOYMENTS}) d",
        "failed_deployments": f"SELECT count(*) FROM ({DEPLOYMENTS}) d "
        "WHERE d.id IN (SELECT deployment_id FROM incidents_deployments)",
    },
    "recovery-time": {
        "sample_size": f"SELECT count(*) FROM incidents_deployments l "
        f"WHERE l.deployment_id IN ({DEPLOYMENTS})",
    },
    "rework-rate": {"sample_size": f"SELECT count(*) FROM ({DEPLOYMENTS}) d"},
    "lead-time": {
        "sample_size": f"""
            SELECT count(*) FROM deployments_prs dp
            JOIN deployments d ON d.id = dp.deployment_id JOIN prs p ON p.id = dp.pr_id
            WHERE dp.is_first AND d.finished_at >= :start AND d.finished_at < :end {PR_FILTERS}""",
    },
    "engineering": {
        "merged_prs": f"SELECT count(*) FROM prs p "
        f"WHERE p.merged_at >= :start AND p.merged_at < :end {PR_FILTERS}",
    },
    "work-items": {
        "resolved": f"SELECT count(*) FROM work_items w "
        f"WHERE w.resolved_at >= :start AND w.resolved_at < :end {ITEM_FILTERS}",
        "wip": f"""
            SELECT count(*) FROM work_items w
            WHERE w.created < :end AND (w.resolved_at IS NULL OR w.resolved_at >= :end)
              AND (SELECT s.category FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
                   WHERE ch.work_item_id = w.id AND ch.transitioned_at < :end
                   ORDER BY ch.transitioned_at DESC, ch.id DESC LIMIT 1) = 'in_progress'
              {ITEM_FILTERS}""",
    },
}
# The environment applies to the pages that count deployments.
WITH_ENVIRONMENT = {"deployment-frequency", "change-failure-rate", "rework-rate"}
# The summary's lines are the DORA pages' figures under the same filters.
SUMMARY_LINES = {
    "deployment_frequency": "deployment-frequency",
    "lead_time_for_changes": "lead-time",
    "change_failure_rate": "change-failure-rate",
    "failed_deployment_recovery_time": "recovery-time",
    "rework_rate": "rework-rate",
}


@pytest.fixture(scope="module")
def demo(platform: Platform) -> Iterator[TenantInfo]:
    with demo_tenant(platform, "pf", "Page filters", AS_OF.date()) as tenant:
        yield tenant


@pytest.fixture(scope="module")
def ids(platform: Platform, demo: TenantInfo) -> dict[str, Any]:
    def one(sql: str) -> Any:
        return tenant_sql(platform, demo.slug, sql)[0][0]

    return {
        "project": one("SELECT id FROM projects WHERE key = 'WEB'"),
        # Covered by two projects (PULSE, WEB): their items with PRs elsewhere are out.
        "repository": one("SELECT id FROM repositories WHERE name = 'api'"),
        # One who shipped a deployment that failed: the incidents narrow too.
        "author": one(
            "SELECT p.author FROM prs p JOIN deployments_prs dp ON dp.pr_id = p.id "
            "JOIN incidents_deployments l ON l.deployment_id = dp.deployment_id "
            "GROUP BY p.author ORDER BY count(*) DESC, p.author LIMIT 1"
        ),
        "environment": "staging",
    }


@pytest.fixture
def session(client: TestClient, demo: TenantInfo) -> Session:
    """The first admin; the initial password is changed at the first login
    only (the tenant lives for the whole module)."""
    if demo.admin_password != NEW_PASSWORD:
        return admin_session(client, demo)
    body = login(client, demo.slug, demo.admin_email, NEW_PASSWORD)
    return Session(demo, body["access_token"], body["user"]["id"])


def fetch(client: TestClient, s: Session, path: str, **params: Any) -> Any:
    query = {"start": START.isoformat(), "end": AS_OF.isoformat(), **params}
    r = client.get(f"{API}/{path}", params=query, headers=s.headers)
    assert r.status_code == 200, r.text
    return r.json()


def expected(platform: Platform, slug: str, sql: str, **chosen: Any) -> int:
    repos, projects, authors = (chosen.get(k) for k in ("repository", "project", "author"))
    params = {
        "start": START,
        "end": AS_OF,
        "env": chosen.get("environment"),
        "no_repos": repos is None,
        "repos": [repos or 0],
        "no_projects": projects is None,
        "projects": [projects or 0],
        "no_authors": authors is None,
        "authors": [authors or ""],
    }
    return int(tenant_sql(platform, slug, sql, params)[0][0])


CASES = [
    (path, name)
    for path in sorted(REFERENCE)
    for name in ("project", "repository", "author", "environment")
    if name != "environment" or path in WITH_ENVIRONMENT
]


def test_every_page_filter_narrows_its_numbers(
    client: TestClient, platform: Platform, session: Session, ids: dict[str, Any]
) -> None:
    slug = session.tenant.slug
    failures: list[str] = []
    # Each number some filter keeps part of (none of it may be right for
    # one: staging has no incidents).
    kept: set[tuple[str, str]] = set()
    for path, name in CASES:
        full = fetch(client, session, path)
        chosen = {name: ids[name]}
        got = fetch(client, session, path, **chosen)
        for field, sql in REFERENCE[path].items():
            everything = expected(platform, slug, sql)
            want = expected(platform, slug, sql, **chosen)
            if full[field] != everything or got[field] != want:
                failures.append(
                    f"{path} {field} {name}: API {full[field]} → {got[field]}, "
                    f"SQL {everything} → {want}"
                )
            elif not want < everything:
                failures.append(f"{path} {field} {name}: {want} of {everything} does not narrow")
            elif want:
                kept.add((path, field))
    everything_checked = {(path, field) for path in REFERENCE for field in REFERENCE[path]}
    assert not failures, "\n".join(failures)
    assert kept == everything_checked, everything_checked - kept


def test_the_work_items_repository_filter_follows_the_prs(
    client: TestClient, platform: Platform, session: Session, ids: dict[str, Any]
) -> None:
    # The 'api' repository is covered by two projects, whose items went to
    # other repositories too: the items with PRs only elsewhere are out,
    # which the projects alone would not tell.
    slug = session.tenant.slug
    covered = expected(
        platform,
        slug,
        "SELECT count(*) FROM work_items w WHERE w.resolved_at >= :start AND w.resolved_at < :end"
        " AND w.project_id IN (SELECT project_id FROM projects_repositories"
        " WHERE repository_id = ANY(:repos))",
        repository=ids["repository"],
    )
    got = fetch(client, session, "work-items", repository=ids["repository"])
    assert 0 < got["resolved"] < covered


def test_work_items_are_cached_per_repository(
    client: TestClient, session: Session, ids: dict[str, Any]
) -> None:
    # The unfiltered answer cached first must not answer the filtered request.
    full = fetch(client, session, "work-items", limit=3)
    assert fetch(client, session, "work-items", limit=3) == full
    narrowed = fetch(client, session, "work-items", limit=3, repository=ids["repository"])
    assert narrowed["resolved"] < full["resolved"]


@pytest.mark.parametrize("name", ["project", "repository", "author"])
def test_the_summary_lines_are_the_pages_figures_under_the_same_filter(
    client: TestClient, session: Session, ids: dict[str, Any], name: str
) -> None:
    chosen = {name: ids[name]}
    summary = fetch(client, session, "summary", **chosen)
    lines = {ln["metric"]: ln for ln in summary["lines"]}
    for metric, path in SUMMARY_LINES.items():
        page = fetch(client, session, path, **chosen)
        assert lines[metric]["sample_size"] == page["sample_size"], (metric, name)
        assert lines[metric]["value"] == page["value"], (metric, name)
