"""The deployments' commit ranges and PR links, stored by a full ``relink``
(the incremental one: ``dora.tails``), and what both read: the successful
and production deployments, commits and merged PRs, of every repository or
of some (a PR's merge commit, the commits and the deployments of a range all
belong to one repository). The rules themselves: ``dora.rules``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    any_,
    bindparam,
    delete,
    insert,
    not_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

from pulse_common.dora import rules as r
from pulse_common.dora.settings import DoraRules
from pulse_common.models.base import table_of
from pulse_common.models.enums import DeploymentFallback, DeploymentSource, DeploymentStatus
from pulse_common.models.tenant_code import Commit, PullRequest
from pulse_common.models.tenant_delivery import Deployment
from pulse_common.models.tenant_dora import DeploymentCommit, DeploymentPr

_BATCH = 5000
FALLBACK_SOURCE = {
    DeploymentFallback.releases: DeploymentSource.release,
    DeploymentFallback.default_branch_merges: DeploymentSource.default_branch_merge,
}
# None: every repository.
Repos = Collection[int] | None


def insert_rows(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), _BATCH):
        conn.execute(insert(table_of(model)), rows[i : i + _BATCH])


def sync_rows(
    conn: Connection,
    tenant_id: int,
    model: Any,
    key: tuple[str, ...],
    wanted: set[tuple[Any, ...]],
    among: ColumnElement[bool] | None = None,
) -> None:
    """Makes the rows of a link table that match ``among`` (all if None)
    equal ``wanted``: deletes the stale ones and inserts the missing ones, so
    that a run over unchanged data writes nothing."""
    table = table_of(model)
    cols = [table.c[k] for k in key]
    query = select(table.c.id, *cols)
    if among is not None:
        query = query.where(among)
    have: dict[tuple[Any, ...], int] = {}
    for row in conn.execute(query):
        have[tuple(row[1:])] = row[0]
    stale = [id_ for k, id_ in have.items() if k not in wanted]
    for i in range(0, len(stale), _BATCH):
        conn.execute(delete(table).where(table.c.id.in_(stale[i : i + _BATCH])))
    missing = sorted(wanted - have.keys())
    insert_rows(
        conn, model, [{"tenant_id": tenant_id, **dict(zip(key, k, strict=True))} for k in missing]
    )


def in_ids(
    column: Any, ids: Collection[Any] | None, item: TypeEngine[Any] | None = None
) -> ColumnElement[bool]:
    """``column`` among ``ids`` (any value if None), as one array parameter
    (of ``item``, bigint by default): a load can change more rows than a
    statement takes parameters."""
    if ids is None:
        return true()
    values = bindparam(None, sorted(ids), type_=ARRAY(item or BigInteger()))
    among: ColumnElement[bool] = column == any_(values)
    return among


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


_Deployments = Select[int, int, str, str, dt.datetime | None, DeploymentSource]


def successful_query(repos: Repos) -> _Deployments:
    """The successful deployments (that finished) of ``repos`` (all if None)."""
    return select(
        Deployment.id,
        Deployment.repository_id,
        Deployment.environment,
        Deployment.commit_sha,
        Deployment.finished_at,
        Deployment.source,
    ).where(
        Deployment.status == DeploymentStatus.success,
        Deployment.finished_at.is_not(None),
        in_ids(Deployment.repository_id, repos),
    )


def _deployments(conn: Connection, query: _Deployments) -> list[r.DeploymentRow]:
    return [
        r.DeploymentRow(id_, repo, env, sha, at, source.value)
        for id_, repo, env, sha, at, source in conn.execute(query)
        if at is not None
    ]


def production(conn: Connection, rules: DoraRules, repos: Repos = None) -> list[r.DeploymentRow]:
    """The successful deployments that count as production ones."""
    counted = _deployments(conn, successful_query(repos).where(counted_deployments(rules)))
    return [d for d in counted if rules.is_production(d.environment)]


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


def commit_rows(conn: Connection, where: ColumnElement[bool]) -> list[r.CommitRow]:
    query = select(
        Commit.id, Commit.repository_id, Commit.sha, Commit.committed_at, Commit.on_default_branch
    )
    return [r.CommitRow(*row) for row in conn.execute(query.where(where))]


def merged_prs(conn: Connection, where: ColumnElement[bool]) -> list[r.MergedPr]:
    query = select(PullRequest.id, PullRequest.repository_id, PullRequest.merge_commit_sha)
    return [
        r.MergedPr(id_, repo, sha)
        for id_, repo, sha in conn.execute(
            query.where(PullRequest.merge_commit_sha.is_not(None), where)
        )
        if sha is not None
    ]


def store_ranges(conn: Connection, tenant_id: int, rules: DoraRules) -> None:
    """Stores every deployment's commit range and PR links (with each PR's
    first production deployment)."""
    deployed = _deployments(conn, successful_query(None))
    commits = commit_rows(conn, true())
    ranges = r.commit_ranges(deployed, commits)
    dep_prs = r.pr_links(ranges, commits, merged_prs(conn, true()))
    dc = {(d, c) for d, cs in ranges.items() for c in cs}
    sync_rows(conn, tenant_id, DeploymentCommit, ("deployment_id", "commit_id"), dc)
    first = first_deployments(dep_prs, production(conn, rules))
    sync_rows(
        conn,
        tenant_id,
        DeploymentPr,
        ("deployment_id", "pr_id", "is_first"),
        {(d, p, first.get(p) == d) for d, p in dep_prs},
    )
