"""After a sync, the DORA metrics' inputs are linked: the backend's lead time
over the synced tables equals a computation straight from the local GitHub
server's generated organisation, and incidents link to the deployment the
rule names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url

from pulse_common.analytics import dora
from pulse_common.analytics.levels import load_benchmarks
from pulse_common.analytics.median import lower_median
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import load_rules
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import GithubOrg
from tests.etl.conftest import EtlTenant

ISO = dt.datetime.fromisoformat
PROD = "production"


@contextmanager
def _connect(dsn: str) -> Iterator[Connection]:
    engine = create_engine(make_url(dsn).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def expected_first_deployments(org: GithubOrg) -> dict[tuple[str, int], tuple[int, dt.datetime]]:
    """(repo, PR number) → (deployment id, finished): the first successful
    production deployment whose range (since the previous one's head, along
    the default branch) holds the PR's merge commit. From the generator's
    own history, not from the database."""
    out: dict[tuple[str, int], tuple[int, dt.datetime]] = {}
    for repo, deps in org.deployments.items():
        history = org.history[repo]
        chain = []
        for d in deps:
            # Newest first; inactive only says a later one superseded it.
            final = next(s for s in org.statuses[d["id"]] if s["state"] != "inactive")
            if d["environment"] == PROD and final["state"] == "success":
                chain.append((ISO(final["created_at"]), d["id"], history.index(d["sha"])))
        shipped: dict[str, tuple[int, dt.datetime]] = {}
        previous: int | None = None
        for finished, dep_id, head in sorted(chain):
            lo = head if previous is None or head <= previous else previous + 1
            for sha in history[lo : head + 1]:
                shipped.setdefault(sha, (dep_id, finished))
            previous = head
        for pr in org.pulls[repo]:
            sha = pr.data["merge_commit_sha"]
            if sha in shipped:
                out[(repo, pr.data["number"])] = shipped[sha]
    return out


async def _sync(t: EtlTenant) -> None:
    ints = t.integrations()
    for name in ("github-main", "jira-main"):
        job = await run_job(t.context(), ints[name])
        assert job.state is JobState.succeeded, job.last_error


async def test_lead_time_over_synced_data_matches_the_source(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    await _sync(t)
    org = t.sources.github_org
    expected = expected_first_deployments(org)
    assert len(expected) >= 5  # enough PRs shipped for the median to mean something

    linked = t.query(
        "SELECT DISTINCT ON (p.id) r.full_name, p.number, d.external_id FROM deployments_prs dp "
        "JOIN prs p ON p.id = dp.pr_id JOIN repositories r ON r.id = p.repository_id "
        "JOIN deployments d ON d.id = dp.deployment_id "
        "WHERE d.environment = 'production' AND d.status = 'success' "
        "ORDER BY p.id, d.finished_at, d.id"
    )
    assert {(repo, n): int(ext) for repo, n, ext in linked} == {
        k: dep for k, (dep, _) in expected.items()
    }

    def first_commit(repo: str, number: int) -> dt.datetime:
        pr = org.pull(repo, number)
        return min(ISO(c["commit"]["author"]["date"]) for c in pr.commits)

    hours = [
        (finished - first_commit(repo, n)).total_seconds() / 3600
        for (repo, n), (_, finished) in expected.items()
    ]
    scope = Scope(
        start=org.spec.start - dt.timedelta(days=2), end=org.spec.start + dt.timedelta(days=60)
    )
    with _connect(t.admin_dsn) as admin:
        bench = load_benchmarks(admin)
    with _connect(t.dsn) as conn:
        lt = dora.lead_time(conn, scope, load_rules(conn), bench)
    assert lt.sample_size == len(expected)
    assert lt.value == pytest.approx(lower_median(hours))


async def test_second_sync_changes_no_link(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    await _sync(t)
    links = "SELECT deployment_id, pr_id FROM deployments_prs ORDER BY 1, 2"
    before = t.query(links), t.query("SELECT id, sha FROM commits ORDER BY id")
    await _sync(t)
    assert (t.query(links), t.query("SELECT id, sha FROM commits ORDER BY id")) == before


async def test_incidents_link_to_the_last_production_deployment(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    await _sync(t)
    incidents = t.query(
        "SELECT i.id, i.detected_at, i.status, i.resolved_at, i.project_id FROM incidents i"
    )
    assert incidents
    prod = t.query(
        "SELECT id, finished_at FROM deployments WHERE status = 'success' "
        "AND environment = 'production' AND source = 'deployment'"
    )
    links: dict[Any, Any] = dict(
        t.query("SELECT incident_id, deployment_id FROM incidents_deployments")
    )
    linked_any = False
    for inc_id, detected, status, resolved, project in incidents:
        assert project is not None
        assert status == ("resolved" if resolved else "open")
        before = [(at, d) for d, at in prod if at < detected]
        if not before:
            assert inc_id not in links
            continue
        assert links[inc_id] == max(before)[1]
        linked_any = True
    assert linked_any


async def test_releases_load_as_the_fallback_when_the_settings_ask(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    github = t.integrations()["github-main"]
    assert (await run_job(t.context(), github)).state is JobState.succeeded
    release = "SELECT external_id, commit_sha FROM deployments WHERE source = 'release' ORDER BY 1"
    assert t.query(release) == []  # not asked for
    with psycopg.connect(t.dsn) as conn:
        conn.execute(
            "INSERT INTO dora_settings (tenant_id, deployment_fallback) VALUES (%s, 'releases')",
            (t.tenant_id,),
        )
    assert (await run_job(t.context(), github)).state is JobState.succeeded
    org = t.sources.github_org
    assert t.query(release) == sorted(
        (f"release:{r['id']}", r["target_commitish"]) for rs in org.releases.values() for r in rs
    )
    # Releases are their own chain: their ranges link PRs too.
    shipped = t.query(
        "SELECT count(DISTINCT dp.pr_id) FROM deployments_prs dp "
        "JOIN deployments d ON d.id = dp.deployment_id WHERE d.source = 'release'"
    )[0][0]
    # The first release of a repository ships only its head (nothing to diff
    # from); each later one the merges since the previous release.
    index = {
        repo: [org.history[repo].index(r["target_commitish"]) for r in rs]
        for repo, rs in org.releases.items()
    }
    assert shipped == sum(max(ix) - min(ix) + 1 for ix in index.values())


async def test_a_mapped_project_scopes_its_incidents(etl_tenant: EtlTenant) -> None:
    """Unmapped, a Jira project gives no scope (tenant-wide, as above); once
    an admin maps it to one repository, the next sync links its incidents
    to that repository's deployments only."""
    t = etl_tenant
    await _sync(t)
    (repo_id, repo), *_ = t.query("SELECT id, full_name FROM repositories ORDER BY full_name")
    with psycopg.connect(t.dsn) as conn:
        conn.execute(
            "INSERT INTO projects_repositories (tenant_id, project_id, repository_id) "
            "SELECT %s, id, %s FROM projects",
            (t.tenant_id, repo_id),
        )
    await _sync(t)
    prod = t.query(
        "SELECT id, finished_at FROM deployments WHERE status = 'success' "
        "AND environment = 'production' AND repository_id = %s",
        repo_id,
    )
    links = dict(t.query("SELECT incident_id, deployment_id FROM incidents_deployments"))
    checked = 0
    for inc_id, detected in t.query("SELECT id, detected_at FROM incidents"):
        before = [(at, d) for d, at in prod if at < detected]
        assert links.get(inc_id) == (max(before)[1] if before else None), repo
        checked += bool(before)
    assert checked
