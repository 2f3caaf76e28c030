"""The SQL behind the metrics, as plain text so that the benchmark can run
exactly the same statement bare. Every statement reads the tenant schema on
``search_path``; ``:start``/``:end`` bound a half-open range.

``{deployments}`` is replaced by ``deployment_filter``: successful,
counted (real, or the fallback kind where a repository has none),
production (or the chosen environment), and the scope's filters.

Each metric is one statement returning one row: its aggregates (counts,
medians as ``percentile_disc(0.5)``, which is DevLake's lower median) and
one drill-down page as JSON. Only that row crosses the wire, not every row
behind the figure, and Python does no per-row work.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, text

from pulse_common.analytics.scope import Scope
from pulse_common.dora.link import FALLBACK_SOURCE
from pulse_common.dora.settings import DoraRules


@dataclass(frozen=True)
class Filter:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


# The deployments' distinct environments, one index step per name
# (``(environment, deployed_at)``): a tenant has a handful of environments
# and tens of thousands of deployments, and every analytics read starts with
# this list (``SELECT DISTINCT`` walked the whole index: 2.1 ms at 20k
# deployments against 0.05 ms).
ENVIRONMENTS = """WITH RECURSIVE e(name) AS (
    (SELECT environment FROM deployments ORDER BY environment LIMIT 1)
    UNION ALL
    SELECT (SELECT d.environment FROM deployments d WHERE d.environment > e.name
            ORDER BY d.environment LIMIT 1)
    FROM e WHERE e.name IS NOT NULL)
SELECT name FROM e WHERE name IS NOT NULL"""
# The environments an analytics transaction already read, with that
# transaction's connection (``common.analytics_transaction``): every metric
# of a request (a summary runs ten, a trend one per point) filters on them.
known_environments: ContextVar[tuple[Connection, tuple[str, ...]] | None] = ContextVar(
    "pulse_analytics_environments", default=None
)


def environments(conn: Connection, scope: Scope, rules: DoraRules) -> list[str]:
    known = known_environments.get()
    if known is not None and known[0] is conn:
        names: Any = known[1]
    else:
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


# The counted deployments of a scope finished in range: every deployment
# metric's statement starts from it (as a CTE ``d``).
SCOPED_DEPLOYMENTS = """
    SELECT d.id, d.external_id, d.repository_id, d.environment, d.commit_sha,
           d.finished_at, d.source, d.is_hotfix, d.is_rollback
    FROM deployments d
    WHERE {deployments} AND d.finished_at >= :start AND d.finished_at < :end
"""

# A drill-down page as one JSON array (pydantic parses it in one call) of
# ``{rows}`` (aliased ``p``) in ``{order}``; the page's rows are chosen by
# ``LIMITED`` (the scope's ``limit`` and ``offset``, ``page_params``).
JSON_ARRAY = "(SELECT json_agg(p ORDER BY {order})::text FROM ({rows}) p)"
LIMITED = "SELECT * FROM {source} ORDER BY {order} LIMIT :limit OFFSET :offset"

# Hours from a to b, never negative (clock skew between sources), null when
# either is: the exact seconds as a float, then one division (as
# timedelta.total_seconds() / 3600 gives them).
HOURS = (
    "CASE WHEN {b} < {a} THEN 0::float8"
    " ELSE (extract(epoch FROM {b}) - extract(epoch FROM {a}))::float8 / 3600::float8 END"
)

# Incidents linked to the deployments of CTE ``d``, with the deployment's
# finish → the resolution (``hours``): change failure rate, recovery time.
LINKED_INCIDENTS = f"""
    SELECT i.id, i.external_id, i.title, i.status,
           coalesce(i.detected_at, i.started_at) AS detected_at, i.resolved_at,
           l.deployment_id, d.finished_at AS deployment_finished_at, l.link_method,
           {HOURS.format(a="d.finished_at", b="i.resolved_at")} AS hours
    FROM incidents_deployments l
    JOIN d ON d.id = l.deployment_id
    JOIN incidents i ON i.id = l.incident_id
"""
INCIDENT_REF = (
    "id, external_id, title, status, detected_at, resolved_at, deployment_id,"
    " deployment_finished_at, link_method"
)
INCIDENT_ORDER = "p.detected_at, p.id, p.deployment_id"
DEPLOYMENT_ORDER = "p.finished_at, p.id"
DEPLOYMENT_REF = (
    "d.id, d.external_id, d.repository_id, d.environment, d.commit_sha, d.finished_at, d.source"
)
# A page's JSON goes to the response as it is (raw_pages): it holds every
# field of its model, a figure that does not read one with the model's default.
NOT_FAILED = "false AS failed"
NO_REWORK_REASONS = "ARRAY[]::text[] AS rework_reasons"


def page(rows: str, order: str) -> str:
    """The page of ``rows`` (a query whose rows are aliased ``p`` by ``order``)."""
    return json_array(limited(f"({rows}) p", order), order)


def limited(source: str, order: str) -> str:
    """The page's rows of ``source`` (a table, CTE or aliased subquery): a
    statement can take them from narrow rows and widen only those."""
    return LIMITED.format(source=source, order=order)


def json_array(rows: str, order: str) -> str:
    """``rows`` (aliased ``p`` in ``order``) as one JSON array."""
    return JSON_ARRAY.format(rows=rows, order=order)


def render(sql: str, **fragments: str) -> str:
    return sql.format(**fragments)


@lru_cache(maxsize=256)
def statement(sql: str) -> TextClause:
    """One parsed ``text()`` per distinct statement (parsing the bind
    parameters of these long statements costs more than running small ones)."""
    return text(sql)


def rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    return list(conn.execute(statement(sql), params).all())


def one(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    """The one row of a statement that aggregates (always exactly one)."""
    return conn.execute(statement(sql), params).one()


# A bind parameter in ``text()``: the very pattern SQLAlchemy parses them
# with (so a cast such as ``::float8`` is not one, as there).
_BIND = TextClause._bind_params_regex


@lru_cache(maxsize=256)
def _over(sql: str, varying: tuple[str, ...]) -> str:
    return _BIND.sub(
        lambda m: f'_point."{m.group(1)}"' if m.group(1) in varying else m.group(0), sql
    )


def lateral(
    statements: Sequence[tuple[str, dict[str, Any]]], varying: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """One statement run over several values of some of its parameters, as
    one statement (one round trip, planned once): ``LATERAL`` over the rows
    of ``unnest`` of one array per ``varying`` parameter (name → SQL type),
    plus ``point``, the statement's index, which the result's rows carry.
    The statements must be one text with the same other parameters (a
    trend's points: one metric over different periods); ``:name`` of a
    varying parameter becomes ``_point."name"`` (SQLAlchemy's own bind
    pattern, so casts are left alone). Arrays rather than a ``VALUES`` row
    per statement: the text and the number of parameters stay the same
    however many points there are, so the drivers' caches of a statement's
    parsed form hold it (psycopg keeps none past 50 parameters or 4 KB)."""
    sql, shared = statements[0][0], _without(statements[0][1], varying)
    for each, ps in statements:
        if each != sql or _without(ps, varying) != shared:
            raise ValueError("lateral: the statements differ beyond the varying parameters")
    arrays = ", ".join(f"CAST(:_points_{k} AS {t}[])" for k, t in varying.items())
    names = ", ".join(f'"{k}"' for k in varying)
    params = {**shared, **{f"_points_{k}": [ps[k] for _, ps in statements] for k in varying}}
    return (
        f"SELECT _point.point - 1 AS point, s.* FROM unnest({arrays})"
        f" WITH ORDINALITY _point({names}, point)"
        f" CROSS JOIN LATERAL (\n{_over(sql, tuple(varying))}\n) s",
        params,
    )


def _without(params: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in names}
