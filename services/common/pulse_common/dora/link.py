"""Stores the links the rules compute. The ETL calls ``relink`` after each
load (and the demo seed after seeding, and a settings change at once); it is
idempotent: rule-made links are replaced, manual ones kept. It first makes
the incidents follow the tenant's incident types (``dora.incidents``), so
that the links are computed over the right set.

Its cost follows what changed since the last relink, not the tenant's size:
``dora.changes`` says what changed (and when everything is redone: other
rules, a migration, the first relink), and relink recomputes the stored
starts of the changed work items and PRs, the markers of the changed PRs,
the ranges and PR links of the changed deployment chains from the change
on (``dora.tails``; a full pass: ``dora.ranges``), and
the incident links when an incident, a scope or a repository changed. What
it stores is what a full pass (``full=True``) stores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from pydantic import BaseModel
from sqlalchemy import Connection, func, not_, select, text, update

from pulse_common.dora import rules as r
from pulse_common.dora.changes import take
from pulse_common.dora.incidents import sync_incidents
from pulse_common.dora.markers import pr_markers, store_pr_fixes
from pulse_common.dora.ranges import FALLBACK_SOURCE as FALLBACK_SOURCE
from pulse_common.dora.ranges import (
    Repos,
    in_ids,
    insert_rows,
    production,
    store_ranges,
    sync_rows,
)
from pulse_common.dora.settings import DoraRules, load_rules
from pulse_common.dora.starts import store_pr_starts, store_work_item_starts
from pulse_common.dora.tails import store_tails
from pulse_common.models.enums import (
    DeploymentFallback,
    DeploymentSource,
    DeploymentStatus,
    IncidentLinkMethod,
    PrState,
)
from pulse_common.models.tenant_code import PullRequest, Repository
from pulse_common.models.tenant_delivery import Deployment, Incident
from pulse_common.models.tenant_dora import IncidentDeployment, ProjectRepository


class RelinkReport(BaseModel):
    """The tenant's links after this relink; ``full``: it recomputed
    everything, not only what changed since the last one."""

    full: bool = True
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


def synthesize_merge_deployments(conn: Connection, tenant_id: int, repos: Repos = None) -> int:
    """The ``default_branch_merges`` fallback: one production deployment per
    merged PR of each repository (of ``repos``) that has no real deployment,
    dated by the merge and marked ``default_branch_merge``."""
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
            in_ids(PullRequest.repository_id, repos),
            PullRequest.target_branch.is_(None)
            | (PullRequest.target_branch == Repository.default_branch),
        )
    ).all()
    existing = set(
        conn.execute(
            select(Deployment.external_id).where(
                Deployment.source == DeploymentSource.default_branch_merge,
                in_ids(Deployment.repository_id, repos),
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
    insert_rows(conn, Deployment, rows)
    return len(rows)


def _mark_prs(conn: Connection, rules: DoraRules, ids: Collection[int] | None) -> int:
    """Sets the markers of every PR (or of ``ids``); returns how many moved."""
    rows = conn.execute(
        select(
            PullRequest.id,
            PullRequest.title,
            PullRequest.source_branch,
            PullRequest.is_hotfix,
            PullRequest.is_revert,
        ).where(in_ids(PullRequest.id, ids))
    ).all()
    changes: dict[tuple[bool, bool], list[int]] = defaultdict(list)
    for pr_id, title, branch, was_hot, was_rev in rows:
        is_hot, is_rev = pr_markers(rules, title, branch)
        if (is_hot, is_rev) != (was_hot, was_rev):
            changes[(is_hot, is_rev)].append(pr_id)
    for (is_hot, is_rev), moved in changes.items():
        conn.execute(
            update(PullRequest)
            .where(in_ids(PullRequest.id, moved))
            .values(is_hotfix=is_hot, is_revert=is_rev)
        )
    return sum(len(moved) for moved in changes.values())


# The report's counts, read back: an incremental relink computed only part.
TOTALS = text(
    """
SELECT (SELECT count(*) FROM deployments_commits),
       (SELECT count(*) FROM deployments_prs),
       (SELECT count(*) FROM incidents_deployments WHERE link_method <> 'manual'),
       count(*) FILTER (WHERE is_hotfix),
       count(*) FILTER (WHERE is_revert)
FROM prs
"""
)


# The rework rate reads the flagged PRs from ``ix_prs_rework``. When many
# PRs get flagged at once (a tenant's first load), the planner's statistics
# still say almost none are until an ANALYZE, and autoanalyze waits for a
# tenth of the table to change: the statement was planned as if the index
# held one row and took 7 s instead of 40 ms at 100k PRs. Relink runs as the
# tenant's login role, which cannot ANALYZE a table it does not own; the
# owner's ``analyze_prs()`` (tenant migration b8e2d4f6a1c3) does it, in this
# transaction, so the statistics change with the flags.
ANALYZE_AFTER_FLAGS = 1000
ANALYZE_PRS = text("SELECT analyze_prs()")


@contextmanager
def _without_jit(conn: Connection) -> Iterator[None]:
    """JIT off for relink's statements, then the caller's setting again. Their
    estimates over a large tenant cross JIT's threshold, and compiling cost
    more than running: at a million work items, over a second of a small
    load's relink (an error aborts the transaction: nothing to restore)."""
    before = conn.execute(
        text("SELECT current_setting('jit'), set_config('jit', 'off', true)")
    ).scalar_one()
    yield
    conn.execute(text("SELECT set_config('jit', :v, true)"), {"v": before})


def relink(
    conn: Connection, tenant_id: int, rules: DoraRules | None = None, *, full: bool = False
) -> RelinkReport:
    """Stores what changed since the last relink (everything if ``full``)."""
    with _without_jit(conn):
        return _relink(conn, tenant_id, rules or load_rules(conn), full)


def _relink(conn: Connection, tenant_id: int, rules: DoraRules, full: bool) -> RelinkReport:
    changes = take(conn, tenant_id, rules, full=full)
    classified = sync_incidents(conn, tenant_id, rules)
    every = changes.full
    repos = None if every else list(changes.repositories)
    fallback = 0
    if rules.deployment_fallback is DeploymentFallback.default_branch_merges:
        fallback = synthesize_merge_deployments(conn, tenant_id, repos)
    prs = None if every else changes.prs
    flagged = _mark_prs(conn, rules, prs)
    # Every PR's fixes flags, always: their inputs (links, item types and
    # mappings, incidents' items) are not in the change queue, and over
    # unchanged data the pass reads the links and writes nothing.
    flagged += store_pr_fixes(conn)
    if flagged >= ANALYZE_AFTER_FLAGS:
        conn.execute(ANALYZE_PRS)
    store_pr_starts(conn, prs)
    every_item = every or changes.all_work_items
    store_work_item_starts(conn, None if every_item else changes.work_items)
    if every:
        store_ranges(conn, tenant_id, rules)
    else:
        store_tails(conn, tenant_id, rules, changes.repositories)
    if every or changes.incidents or changes.repositories or classified.added or classified.removed:
        _link_incidents(conn, tenant_id, rules)
    n_commits, n_prs, n_incidents, hot, rev = conn.execute(TOTALS).one()
    return RelinkReport(
        full=every,
        fallback_deployments=fallback,
        deployment_commits=n_commits,
        deployment_prs=n_prs,
        incident_links=n_incidents,
        hotfix_prs=hot,
        revert_prs=rev,
        incidents_added=classified.added,
        incidents_removed=classified.removed,
    )


def _link_incidents(conn: Connection, tenant_id: int, rules: DoraRules) -> None:
    """Every incident's rule-made link (there are few incidents: each is
    linked again when any of them, a scope or a repository changed)."""
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
    deployed = production(conn, rules)
    links = r.incident_links(incidents, deployed, project_repos, rules.incident_window_hours)
    sync_rows(
        conn,
        tenant_id,
        IncidentDeployment,
        ("incident_id", "deployment_id", "link_method"),
        {(i, d, m.value) for i, d, m in links},
        among=IncidentDeployment.link_method != IncidentLinkMethod.manual,
    )
