"""The SQL behind the metrics, as plain text so that the benchmark can run
exactly the same statement bare. Every statement reads the tenant schema on
``search_path``; ``:start``/``:end`` bound a half-open range.

``{deployments}`` is replaced by ``deployment_filter``: successful,
counted (real, or the fallback kind where a repository has none),
production (or the chosen environment), and the scope's filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, text

from pulse_backend.analytics.scope import Scope
from pulse_common.dora.link import FALLBACK_SOURCE
from pulse_common.dora.settings import DoraRules


@dataclass(frozen=True)
class Filter:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


ENVIRONMENTS = "SELECT DISTINCT environment FROM deployments"


def environments(conn: Connection, scope: Scope, rules: DoraRules) -> list[str]:
    names = conn.execute(statement(ENVIRONMENTS)).scalars()
    if scope.environment is not None:
        wanted = scope.environment.lower()
        return sorted(n for n in names if n.lower() == wanted)
    return rules.production_environments(names)


def deployment_filter(
    conn: Connection, scope: Scope, rules: DoraRules, *, alias: str = "d", with_scope: bool = True
) -> Filter:
    d = alias
    parts = [
        f"{d}.status = 'success'",
        f"{d}.finished_at IS NOT NULL",
        f"{d}.environment = ANY(:envs)",
    ]
    params: dict[str, Any] = {"envs": environments(conn, scope, rules)}
    kind = FALLBACK_SOURCE.get(rules.deployment_fallback)
    if kind is None:
        parts.append(f"{d}.source = 'deployment'")
    else:
        parts.append(
            f"({d}.source = 'deployment' OR ({d}.source = :fallback AND NOT EXISTS ("
            f"SELECT 1 FROM deployments real WHERE real.repository_id = {d}.repository_id "
            "AND real.source = 'deployment')))"
        )
        params["fallback"] = kind.value
    if with_scope:
        scoped = repository_filter(scope, f"{d}.repository_id")
        parts += [scoped.sql] if scoped.sql else []
        params.update(scoped.params)
        if scope.authors:
            parts.append(
                f"EXISTS (SELECT 1 FROM deployments_prs tdp JOIN prs tp ON tp.id = tdp.pr_id "
                f"WHERE tdp.deployment_id = {d}.id AND tp.author = ANY(:authors))"
            )
            params["authors"] = list(scope.authors)
    return Filter(" AND ".join(parts), params)


def repository_filter(scope: Scope, column: str) -> Filter:
    parts: list[str] = []
    params: dict[str, Any] = {}
    if scope.repository_ids:
        parts.append(f"{column} = ANY(:repos)")
        params["repos"] = list(scope.repository_ids)
    if scope.project_ids:
        parts.append(
            f"{column} IN (SELECT repository_id FROM projects_repositories "
            "WHERE project_id = ANY(:projects))"
        )
        params["projects"] = list(scope.project_ids)
    return Filter(" AND ".join(parts), params)


DEPLOYMENTS = """
SELECT d.id, d.external_id, d.repository_id, d.environment, d.commit_sha,
       d.finished_at, d.source, d.is_hotfix, d.is_rollback
FROM deployments d
WHERE {deployments} AND d.finished_at >= :start AND d.finished_at < :end
ORDER BY d.finished_at, d.id
"""

# A PR's deployment is its first successful production deployment (any
# repository filter applies to the PR, not to which deployment shipped it).
# relink stores it (deployments_prs.is_first) under the tenant's production
# rules; {first} is FIRST_STORED then, or FIRST_RANKED for a scope that
# names another environment. Instants come back as epoch seconds: the steps
# are plain float arithmetic.
FIRST_STORED = """
    SELECT dp.pr_id, p.id AS deployment_id, p.finished_at
    FROM prod p JOIN deployments_prs dp ON dp.deployment_id = p.id AND dp.is_first
    WHERE p.finished_at >= :start AND p.finished_at < :end
"""
FIRST_RANKED = """
    SELECT DISTINCT ON (dp.pr_id) dp.pr_id, p.id AS deployment_id, p.finished_at
    FROM deployments_prs dp JOIN prod p ON p.id = dp.deployment_id
    WHERE dp.pr_id IN (
        SELECT dp.pr_id FROM deployments_prs dp JOIN prod p ON p.id = dp.deployment_id
        WHERE p.finished_at >= :start AND p.finished_at < :end)
    ORDER BY dp.pr_id, p.finished_at, p.id
"""
LEAD_TIME = """
WITH prod AS (
    SELECT d.id, d.finished_at FROM deployments d WHERE {deployments}
), first AS ({first}), timed AS (
    SELECT pr.id, pr.repository_id, pr.number, pr.title, pr.author, pr.created, pr.merged_at,
           coalesce((SELECT min(c.authored_at) FROM prs_commits c WHERE c.pr_id = pr.id),
                    pr.first_commit_at, pr.created) AS first_commit_at,
           coalesce((SELECT min(r.submitted_at) FROM prs_reviews r
                     WHERE r.pr_id = pr.id AND r.reviewer IS DISTINCT FROM pr.author),
                    pr.first_review_at) AS first_review_at,
           f.deployment_id, f.finished_at
    FROM first f JOIN prs pr ON pr.id = f.pr_id
    WHERE f.finished_at >= :start AND f.finished_at < :end {pr_filter}
)
SELECT id, repository_id, number, title, author, deployment_id,
       extract(epoch FROM first_commit_at)::float8 AS first_commit_at,
       extract(epoch FROM created)::float8 AS created,
       extract(epoch FROM first_review_at)::float8 AS first_review_at,
       extract(epoch FROM merged_at)::float8 AS merged_at,
       extract(epoch FROM finished_at)::float8 AS finished_at
FROM timed
ORDER BY finished_at, id
"""

INCIDENTS_OF_DEPLOYMENTS = """
SELECT i.id, i.external_id, i.title, i.status,
       coalesce(i.detected_at, i.started_at) AS detected_at, i.resolved_at,
       l.deployment_id, d.finished_at, l.link_method
FROM incidents_deployments l
JOIN incidents i ON i.id = l.incident_id
JOIN deployments d ON d.id = l.deployment_id
WHERE l.deployment_id = ANY(:ids)
ORDER BY detected_at, i.id, l.deployment_id
"""

INCIDENTS_DETECTED = """
SELECT i.id, i.external_id, i.title, i.status,
       coalesce(i.detected_at, i.started_at) AS detected_at, i.resolved_at,
       l.deployment_id, d.finished_at, l.link_method
FROM incidents i
LEFT JOIN LATERAL (
    SELECT x.deployment_id, x.link_method FROM incidents_deployments x
    WHERE x.incident_id = i.id ORDER BY x.deployment_id LIMIT 1
) l ON true
LEFT JOIN deployments d ON d.id = l.deployment_id
WHERE coalesce(i.detected_at, i.started_at) >= :start
  AND coalesce(i.detected_at, i.started_at) < :end {incident_filter}
ORDER BY detected_at, i.id
"""

# Only the shipped PRs that make their deployment rework come back; the flags
# are joined, not correlated per row (which also keeps the planner's cost,
# and with it JIT compilation, down).
REWORK = """
WITH shipped AS (
    SELECT dp.deployment_id, dp.pr_id FROM deployments_prs dp WHERE dp.deployment_id = ANY(:ids)
), items AS (
    SELECT wp.pr_id, wp.work_item_id FROM work_items_prs wp
    WHERE wp.pr_id IN (SELECT pr_id FROM shipped)
    UNION
    SELECT p.id, p.work_item_id FROM prs p
    WHERE p.id IN (SELECT pr_id FROM shipped) AND p.work_item_id IS NOT NULL
), flags AS (
    SELECT it.pr_id,
           bool_or(lower(coalesce(m.wit_to, t.name)) IN ('bug', 'incident')) AS fixes_bug,
           bool_or(i.work_item_id IS NOT NULL) AS fixes_incident
    FROM items it
    JOIN work_items w ON w.id = it.work_item_id
    LEFT JOIN wits t ON t.id = w.wit_id
    LEFT JOIN wit_mappings m ON m.wit_from = t.name AND m.active
    LEFT JOIN (SELECT DISTINCT work_item_id FROM incidents) i ON i.work_item_id = it.work_item_id
    GROUP BY it.pr_id
)
SELECT s.deployment_id, pr.is_hotfix, pr.is_revert,
       coalesce(f.fixes_bug, false) AS fixes_bug,
       coalesce(f.fixes_incident, false) AS fixes_incident
FROM shipped s
JOIN prs pr ON pr.id = s.pr_id
LEFT JOIN flags f ON f.pr_id = s.pr_id
WHERE pr.is_hotfix OR pr.is_revert OR f.fixes_bug OR f.fixes_incident
"""


def render(sql: str, **fragments: str) -> str:
    return sql.format(**fragments)


@lru_cache(maxsize=256)
def statement(sql: str) -> TextClause:
    """One parsed ``text()`` per distinct statement (parsing the bind
    parameters of these long statements costs more than running small ones)."""
    return text(sql)


def rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    return list(conn.execute(statement(sql), params).all())
