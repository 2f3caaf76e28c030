"""Stores the links the rules compute. The ETL calls ``relink`` after each
load (and the demo seed after seeding, and a settings change at once); it is
idempotent: rule-made links are replaced, manual ones kept. It first makes
the incidents follow the tenant's incident types (``dora.incidents``), so
that the links are computed over the right set."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, delete, func, insert, not_, select, update

from pulse_common.dora import rules as r
from pulse_common.dora.incidents import sync_incidents
from pulse_common.dora.markers import pr_markers, store_pr_fixes
from pulse_common.dora.settings import DoraRules, load_rules
from pulse_common.dora.starts import store_pr_starts, store_work_item_starts
from pulse_common.models.base import table_of
from pulse_common.models.enums import (
    DeploymentFallback,
    DeploymentSource,
    DeploymentStatus,
    IncidentLinkMethod,
    PrState,
)
from pulse_common.models.tenant_code import Commit, PullRequest, Repository
from pulse_common.models.tenant_delivery import Deployment, Incident
from pulse_common.models.tenant_dora import (
    DeploymentCommit,
    DeploymentPr,
    IncidentDeployment,
    ProjectRepository,
)

_BATCH = 5000
FALLBACK_SOURCE = {
    DeploymentFallback.releases: DeploymentSource.release,
    DeploymentFallback.default_branch_merges: DeploymentSource.default_branch_merge,
}


class RelinkReport(BaseModel):
    fallback_deployments: int
    deployment_commits: int
    deployment_prs: int
    incident_links: int
    hotfix_prs: int
    revert_prs: int
    # Incidents made from work items whose type became an incident type, and
    # removed because theirs no longer is.
    incidents_added: int = 0
    incidents_removed: int = 0


def _insert(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), _BATCH):
        conn.execute(insert(table_of(model)), rows[i : i + _BATCH])


def _sync(
    conn: Connection,
    tenant_id: int,
    model: Any,
    key: tuple[str, ...],
    wanted: set[tuple[Any, ...]],
    keep: ColumnElement[bool] | None = None,
) -> None:
    """Makes the rule-made rows of a link table equal ``wanted``: deletes the
    stale ones and inserts the missing ones, so that a run over unchanged
    data writes nothing (rows matching ``keep`` are never touched)."""
    table = table_of(model)
    cols = [table.c[k] for k in key]
    query = select(table.c.id, *cols)
    if keep is not None:
        query = query.where(not_(keep))
    have: dict[tuple[Any, ...], int] = {}
    for row in conn.execute(query):
        have[tuple(row[1:])] = row[0]
    stale = [id_ for k, id_ in have.items() if k not in wanted]
    for i in range(0, len(stale), _BATCH):
        conn.execute(delete(table).where(table.c.id.in_(stale[i : i + _BATCH])))
    missing = sorted(wanted - have.keys())
    _insert(
        conn, model, [{"tenant_id": tenant_id, **dict(zip(key, k, strict=True))} for k in missing]
    )


def synthesize_merge_deployments(conn: Connection, tenant_id: int) -> int:
    """The ``default_branch_merges`` fallback: one production deployment per
    merged PR of each repository that has no real deployment, dated by the
    merge and marked ``default_branch_merge``."""
    has_real = select(Deployment.repository_id).where(
        Deployment.source == DeploymentSource.deployment
    )
    merged = conn.execute(
        select(PullRequest.repository_id, PullRequest.merge_commit_sha, PullRequest.merged_at)
        .join(Repository, Repository.id == PullRequest.repository_id)
        .where(
            PullRequest.state == PrState.merged,
            PullRequest.merge_commit_sha.is_not(None),
            PullRequest.merged_at.is_not(None),
            not_(PullRequest.repository_id.in_(has_real)),
            PullRequest.target_branch.is_(None)
            | (PullRequest.target_branch == Repository.default_branch),
        )
    ).all()
    existing = set(
        conn.execute(
            select(Deployment.external_id).where(
                Deployment.source == DeploymentSource.default_branch_merge
            )
        ).scalars()
    )
    rows = [
        {
            "tenant_id": tenant_id,
            "external_id": f"merge:{repo}:{sha}",
            "repository_id": repo,
            "environment": "production",
            "commit_sha": sha,
            "status": DeploymentStatus.success,
            "deployed_at": at,
            "started_at": at,
            "finished_at": at,
            "source": DeploymentSource.default_branch_merge,
        }
        for repo, sha, at in merged
        if f"merge:{repo}:{sha}" not in existing
    ]
    _insert(conn, Deployment, rows)
    return len(rows)


def _mark_prs(conn: Connection, rules: DoraRules) -> tuple[int, int]:
    rows = conn.execute(
        select(
            PullRequest.id,
            PullRequest.title,
            PullRequest.source_branch,
            PullRequest.is_hotfix,
            PullRequest.is_revert,
        )
    ).all()
    changes: dict[tuple[bool, bool], list[int]] = defaultdict(list)
    hot = rev = 0
    for pr_id, title, branch, was_hot, was_rev in rows:
        is_hot, is_rev = pr_markers(rules, title, branch)
        hot, rev = hot + is_hot, rev + is_rev
        if (is_hot, is_rev) != (was_hot, was_rev):
            changes[(is_hot, is_rev)].append(pr_id)
    for (is_hot, is_rev), ids in changes.items():
        conn.execute(
            update(PullRequest)
            .where(PullRequest.id.in_(ids))
            .values(is_hotfix=is_hot, is_revert=is_rev)
        )
    return hot, rev


def counted_deployments(rules: DoraRules) -> ColumnElement[bool]:
    """Rows that count as deployments: real ones, plus the configured fallback
    kind for repositories that have no real deployment at all."""
    real = Deployment.source == DeploymentSource.deployment
    kind = FALLBACK_SOURCE.get(rules.deployment_fallback)
    if kind is None:
        return real
    has_real = select(Deployment.repository_id).where(
        Deployment.source == DeploymentSource.deployment
    )
    return real | ((Deployment.source == kind) & not_(Deployment.repository_id.in_(has_real)))


def relink(conn: Connection, tenant_id: int, rules: DoraRules | None = None) -> RelinkReport:
    rules = rules or load_rules(conn)
    classified = sync_incidents(conn, tenant_id, rules)
    fallback = 0
    if rules.deployment_fallback is DeploymentFallback.default_branch_merges:
        fallback = synthesize_merge_deployments(conn, tenant_id)
    hot, rev = _mark_prs(conn, rules)
    store_pr_fixes(conn)
    store_pr_starts(conn)
    store_work_item_starts(conn)

    successful = [
        r.DeploymentRow(id_, repo, env, sha, at, source.value)
        for id_, repo, env, sha, at, source in conn.execute(
            select(
                Deployment.id,
                Deployment.repository_id,
                Deployment.environment,
                Deployment.commit_sha,
                Deployment.finished_at,
                Deployment.source,
            ).where(
                Deployment.status == DeploymentStatus.success, Deployment.finished_at.is_not(None)
            )
        )
        if at is not None
    ]
    commits = [
        r.CommitRow(*row)
        for row in conn.execute(
            select(
                Commit.id,
                Commit.repository_id,
                Commit.sha,
                Commit.committed_at,
                Commit.on_default_branch,
            )
        )
    ]
    prs = [
        r.MergedPr(id_, repo, sha)
        for id_, repo, sha in conn.execute(
            select(PullRequest.id, PullRequest.repository_id, PullRequest.merge_commit_sha).where(
                PullRequest.merge_commit_sha.is_not(None)
            )
        )
        if sha is not None
    ]
    ranges = r.commit_ranges(successful, commits)
    dep_prs = r.pr_links(ranges, commits, prs)
    dc = {(d, c) for d, cs in ranges.items() for c in cs}
    _sync(conn, tenant_id, DeploymentCommit, ("deployment_id", "commit_id"), dc)
    production = _production(conn, rules, successful)
    first = first_deployments(dep_prs, production)
    _sync(
        conn,
        tenant_id,
        DeploymentPr,
        ("deployment_id", "pr_id", "is_first"),
        {(d, p, first.get(p) == d) for d, p in dep_prs},
    )

    n_incidents = _link_incidents(conn, tenant_id, rules, production)
    return RelinkReport(
        fallback_deployments=fallback,
        deployment_commits=len(dc),
        deployment_prs=len(dep_prs),
        incident_links=n_incidents,
        hotfix_prs=hot,
        revert_prs=rev,
        incidents_added=classified.added,
        incidents_removed=classified.removed,
    )


def _production(
    conn: Connection, rules: DoraRules, successful: list[r.DeploymentRow]
) -> list[r.DeploymentRow]:
    """The successful deployments that count as production ones."""
    counted = set(
        conn.execute(
            select(Deployment.id).where(
                counted_deployments(rules), Deployment.status == DeploymentStatus.success
            )
        ).scalars()
    )
    return [d for d in successful if d.id in counted and rules.is_production(d.environment)]


def first_deployments(
    links: Iterable[tuple[int, int]], production: list[r.DeploymentRow]
) -> dict[int, int]:
    """PR id → its first production deployment (earliest to finish, then the
    lowest id: DevLake's change_lead_time_calculator), among ``links``."""
    order = {d.id: (d.finished_at, d.id) for d in production}
    first: dict[int, int] = {}
    for dep, pr in links:
        if dep in order and (pr not in first or order[dep] < order[first[pr]]):
            first[pr] = dep
    return first


def _link_incidents(
    conn: Connection, tenant_id: int, rules: DoraRules, production: list[r.DeploymentRow]
) -> int:
    manual = select(IncidentDeployment.incident_id).where(
        IncidentDeployment.link_method == IncidentLinkMethod.manual
    )
    project_repos: dict[int, list[int]] = defaultdict(list)
    for p, repo in conn.execute(
        select(ProjectRepository.project_id, ProjectRepository.repository_id)
    ):
        project_repos[p].append(repo)
    # A project no repository is mapped to gives no scope (the ETL loads Jira
    # projects long before an admin maps them): such incidents fall back to
    # their repository's scope, else the tenant's.
    incidents = [
        r.IncidentRow(i, at, p if p in project_repos else None, repo, declared)
        for i, at, p, repo, declared in conn.execute(
            select(
                Incident.id,
                func.coalesce(Incident.detected_at, Incident.started_at),
                Incident.project_id,
                Incident.repository_id,
                Incident.deployment_id,
            ).where(not_(Incident.id.in_(manual)))
        )
    ]
    links = r.incident_links(incidents, production, project_repos, rules.incident_window_hours)
    _sync(
        conn,
        tenant_id,
        IncidentDeployment,
        ("incident_id", "deployment_id", "link_method"),
        {(i, d, m.value) for i, d, m in links},
        keep=IncidentDeployment.link_method == IncidentLinkMethod.manual,
    )
    return len(links)
