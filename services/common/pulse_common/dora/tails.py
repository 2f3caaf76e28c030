"""The ranges and PR links of the deployments a load can have moved, and
only those: each changed repository's deployment chains (one per
environment and kind, ``dora.rules``) from their first deployment that
finished, or whose head commit was committed, at or after the times the
changes mark (``dora.changes.Since``), to their end.

Why that tail suffices: a deployment before it finished before every
changed deployment (so its predecessors are the same), and its head and
the commits of its range were committed before every changed commit (a
range is the commits after the previous head up to its own), so its range
is unchanged. A deployment whose head is not loaded counts as changed when
commits changed (the change may be its head). The tail's first range needs
the previous head: the chain's last resolved head before the tail (the
seed), whose own range is not stored again. The commits read are the
default-branch ones between the earliest seed or tail head and the latest
tail head, and the heads themselves.

A PR's first production deployment is re-derived for every PR linked to a
tail deployment, before or after, from all its links. Under a fallback
(``deployment_fallback``), a repository with fallback deployments is
recomputed whole: whether they count depends on every deployment of it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, String, and_, or_, select

from pulse_common.dora import rules as r
from pulse_common.dora.changes import Since
from pulse_common.dora.ranges import (
    FALLBACK_SOURCE,
    commit_rows,
    first_deployments,
    in_ids,
    merged_prs,
    production,
    successful_query,
)
from pulse_common.dora.ranges import sync_rows as sync
from pulse_common.dora.settings import DoraRules
from pulse_common.models.enums import DeploymentStatus
from pulse_common.models.tenant_code import Commit, PullRequest
from pulse_common.models.tenant_delivery import Deployment
from pulse_common.models.tenant_dora import DeploymentCommit, DeploymentPr


@dataclass(frozen=True)
class _Chained:
    deployment: r.DeploymentRow
    head_id: int | None
    head_at: dt.datetime | None


def _changed(c: _Chained, since: Since) -> bool:
    d = c.deployment
    return (
        since.whole
        or (since.finished is not None and d.finished_at >= since.finished)
        or (since.committed is not None and (c.head_at is None or c.head_at >= since.committed))
    )


def _tails(conn: Connection, repos: Mapping[int, Since]) -> tuple[list[_Chained], list[_Chained]]:
    """(seeds, tails) of every chain of ``repos``."""
    rows = conn.execute(
        successful_query(list(repos))
        .add_columns(Commit.id, Commit.committed_at)
        .outerjoin(
            Commit,
            (Commit.repository_id == Deployment.repository_id)
            & (Commit.sha == Deployment.commit_sha),
        )
    )
    chains: dict[tuple[int, str, str], list[_Chained]] = defaultdict(list)
    for id_, repo, env, sha, at, source, head_id, head_at in rows:
        if at is None:  # (filtered out above)
            continue
        d = r.DeploymentRow(id_, repo, env, sha, at, source.value)
        chains[(repo, env, d.source)].append(_Chained(d, head_id, head_at))
    seeds: list[_Chained] = []
    tails: list[_Chained] = []
    for (repo, _env, _source), chain in chains.items():
        chain.sort(key=lambda c: (c.deployment.finished_at, c.deployment.id))
        start = next((i for i, c in enumerate(chain) if _changed(c, repos[repo])), None)
        if start is None:
            continue
        seed = next((c for c in reversed(chain[:start]) if c.head_at is not None), None)
        seeds += [seed] if seed else []
        tails += chain[start:]
    return seeds, tails


def _commits(conn: Connection, seeds: list[_Chained], tails: list[_Chained]) -> list[r.CommitRow]:
    """The heads, and each repository's default-branch commits the tail
    ranges can hold."""
    window: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for c in seeds + tails:
        if c.head_at is not None:
            lo, hi = window.get(c.deployment.repository_id, (c.head_at, c.head_at))
            window[c.deployment.repository_id] = (min(lo, c.head_at), max(hi, c.head_at))
    heads = [c.head_id for c in seeds + tails if c.head_id is not None]
    between = [
        and_(
            Commit.repository_id == repo,
            Commit.committed_at.between(lo, hi),
            Commit.on_default_branch,
        )
        for repo, (lo, hi) in window.items()
    ]
    return commit_rows(conn, or_(in_ids(Commit.id, heads), *between))


def store_tails(
    conn: Connection, tenant_id: int, rules: DoraRules, repos: Mapping[int, Since]
) -> None:
    """Stores the ranges and PR links of the tails of ``repos``' chains."""
    if not repos:
        return
    kind = FALLBACK_SOURCE.get(rules.deployment_fallback)
    if kind is not None:
        with_fallback = conn.execute(
            select(Deployment.repository_id)
            .where(Deployment.source == kind, in_ids(Deployment.repository_id, list(repos)))
            .distinct()
        ).scalars()
        repos = {**repos, **{repo: Since(whole=True) for repo in with_fallback}}
    seeds, tails = _tails(conn, repos)
    # Deployments no longer successful keep no links (a full pass makes none).
    gone = conn.execute(
        select(Deployment.id).where(
            in_ids(Deployment.repository_id, list(repos)),
            (Deployment.status != DeploymentStatus.success) | Deployment.finished_at.is_(None),
        )
    ).scalars()
    redone = [c.deployment.id for c in tails] + list(gone)
    commits = _commits(conn, seeds, tails)
    ranges = r.commit_ranges([c.deployment for c in seeds + tails], commits)
    for seed in seeds:
        del ranges[seed.deployment.id]
    by_id = {c.id: c for c in commits}
    shas = sorted({by_id[c].sha for cs in ranges.values() for c in cs})
    prs = merged_prs(
        conn,
        in_ids(PullRequest.repository_id, list(repos))
        & in_ids(PullRequest.merge_commit_sha, shas, String()),
    )
    links = set(r.pr_links(ranges, commits, prs))
    dc = {(d, c) for d, cs in ranges.items() for c in cs}
    sync(
        conn,
        tenant_id,
        DeploymentCommit,
        ("deployment_id", "commit_id"),
        dc,
        in_ids(DeploymentCommit.deployment_id, redone),
    )
    # Every link of the PRs linked to a redone deployment, before or after.
    touched = {p for _, p in links} | set(
        conn.execute(
            select(DeploymentPr.pr_id).where(in_ids(DeploymentPr.deployment_id, redone))
        ).scalars()
    )
    kept = {
        (d, p)
        for d, p in conn.execute(
            select(DeploymentPr.deployment_id, DeploymentPr.pr_id).where(
                in_ids(DeploymentPr.pr_id, touched),
                ~in_ids(DeploymentPr.deployment_id, redone),
            )
        )
    }
    every = links | kept
    first = first_deployments(every, production(conn, rules, list(repos)))
    sync(
        conn,
        tenant_id,
        DeploymentPr,
        ("deployment_id", "pr_id", "is_first"),
        {(d, p, first.get(p) == d) for d, p in every},
        in_ids(DeploymentPr.deployment_id, redone) | in_ids(DeploymentPr.pr_id, touched),
    )
