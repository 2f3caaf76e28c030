"""Change failure rate, failed deployment recovery time, the older MTTR, and
the rework rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import (
    DEPLOYMENT_PAGE,
    PointMetric,
    Reading,
    Statement,
    deployments_cte,
    figure,
    page_params,
    parse_page,
    report_year,
)
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.results import (
    ChangeFailureRate,
    IncidentRef,
    RecoveryTime,
    ReworkRate,
)
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel, DoraMetric

INCIDENT_PAGE: TypeAdapter[tuple[IncidentRef, ...]] = TypeAdapter(tuple[IncidentRef, ...])

CHANGE_FAILURE_RATE = f"""
WITH {{deployments}}, inc AS MATERIALIZED ({q.LINKED_INCIDENTS})
SELECT (SELECT count(*) FROM d) AS total,
       (SELECT count(DISTINCT deployment_id) FROM inc) AS failed,
       {
    q.page(
        f"SELECT {q.DEPLOYMENT_REF},"
        " EXISTS (SELECT 1 FROM inc WHERE inc.deployment_id = d.id) AS failed,"
        f" {q.NO_REWORK_REASONS} FROM d",
        q.DEPLOYMENT_ORDER,
    )
} AS page,
       {q.page(f"SELECT {q.INCIDENT_REF}, hours FROM inc", q.INCIDENT_ORDER)} AS incidents
"""

# Incidents, in the drill-down order; unresolved ones rank above every
# resolved one (infinity), so that the median is DevLake's lower median
# with open incidents counted as unresolved, never as zero.
RECOVERY = f"""
SELECT count(*) AS total, count(hours) AS resolved,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY coalesce(hours, 'Infinity'::float8)) AS median,
       {q.page(f"SELECT {q.INCIDENT_REF}, hours FROM inc", q.INCIDENT_ORDER)} AS page
FROM inc
"""
RECOVERY_TIME = f"WITH {{deployments}}, inc AS MATERIALIZED ({q.LINKED_INCIDENTS})" + RECOVERY

# The older time to restore: incidents detected in range, detection →
# resolution, whether or not a deployment is linked.
MTTR = (
    f"""
WITH inc AS MATERIALIZED (
    SELECT i.id, i.external_id, i.title, i.status,
           coalesce(i.detected_at, i.started_at) AS detected_at, i.resolved_at,
           l.deployment_id, d.finished_at AS deployment_finished_at, l.link_method,
           {q.HOURS.format(a="coalesce(i.detected_at, i.started_at)", b="i.resolved_at")} AS hours
    FROM incidents i
    LEFT JOIN LATERAL (
        SELECT x.deployment_id, x.link_method FROM incidents_deployments x
        WHERE x.incident_id = i.id ORDER BY x.deployment_id LIMIT 1
    ) l ON true
    LEFT JOIN deployments d ON d.id = l.deployment_id
    WHERE coalesce(i.detected_at, i.started_at) >= :start
      AND coalesce(i.detected_at, i.started_at) < :end {{incident_filter}}
)"""
    + RECOVERY
)

# A deployment is rework when it is marked (hotfix, rollback) or ships a PR
# that is: a hotfix or a revert, or linked to a bug or incident work item
# (the PR's flags, stored by relink: ``dora.markers``). The reasons are
# listed in alphabetical order. Only the flagged PRs are read
# (``ix_prs_rework``), and joined, not correlated per row.
REWORK = f"""
WITH {{deployments}}, shipped_flags AS (
    SELECT dp.deployment_id, bool_or(pr.is_hotfix) AS hotfix_pr,
           bool_or(pr.is_revert) AS revert_pr, bool_or(pr.fixes_bug) AS fixes_bug,
           bool_or(pr.fixes_incident) AS fixes_incident
    FROM deployments_prs dp
    JOIN prs pr ON pr.id = dp.pr_id
    WHERE dp.deployment_id IN (SELECT id FROM d)
      AND (pr.is_hotfix OR pr.is_revert OR pr.fixes_bug OR pr.fixes_incident)
    GROUP BY dp.deployment_id
), reasons AS MATERIALIZED (
    SELECT {q.DEPLOYMENT_REF}, array_remove(ARRAY[
               CASE WHEN x.fixes_bug THEN 'fixes_bug' END,
               CASE WHEN x.fixes_incident THEN 'fixes_incident' END,
               CASE WHEN d.is_hotfix THEN 'hotfix_deployment' END,
               CASE WHEN x.hotfix_pr THEN 'hotfix_pr' END,
               CASE WHEN x.revert_pr THEN 'revert_pr' END,
               CASE WHEN d.is_rollback THEN 'rollback' END], NULL) AS rework_reasons
    FROM d LEFT JOIN shipped_flags x ON x.deployment_id = d.id
)
SELECT count(*) AS total, count(*) FILTER (WHERE cardinality(rework_reasons) > 0) AS rework,
       {q.page(f"SELECT *, {q.NOT_FAILED} FROM reasons", q.DEPLOYMENT_ORDER)} AS page
FROM reasons
"""


def _deployment_statement(sql: str, conn: Connection, scope: Scope, rules: DoraRules) -> Statement:
    cte, params = deployments_cte(conn, scope, rules)
    return sql.format(deployments=cte), params


def change_failure_rate_statement(conn: Connection, scope: Scope, rules: DoraRules) -> Statement:
    return _deployment_statement(CHANGE_FAILURE_RATE, conn, scope, rules)


def recovery_time_statement(conn: Connection, scope: Scope, rules: DoraRules) -> Statement:
    return _deployment_statement(RECOVERY_TIME, conn, scope, rules)


def rework_rate_statement(conn: Connection, scope: Scope, rules: DoraRules) -> Statement:
    return _deployment_statement(REWORK, conn, scope, rules)


def _failure_rate(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> tuple[float | None, DoraLevel | None]:
    value = 100.0 * row.failed / row.total if row.total else None
    return value, bench.classify(report_year(scope, rules), DoraMetric.change_failure_rate, value)


def _failure_rate_reading(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks, _: Callable[[], bool]
) -> Reading:
    value, level = _failure_rate(row, scope, rules, bench)
    return Reading(value, level, row.total, "percent")


def change_failure_rate(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> ChangeFailureRate:
    row = q.one(conn, *change_failure_rate_statement(conn, scope, rules))
    value, level = _failure_rate(row, scope, rules, bench)
    year = report_year(scope, rules)
    return ChangeFailureRate(
        **figure(
            DoraMetric.change_failure_rate.value,
            value,
            "percent",
            level,
            year,
            row.total,
            parse_page(DEPLOYMENT_PAGE, row.page),
        ),
        failed_deployments=row.failed,
        incidents=parse_page(INCIDENT_PAGE, row.incidents),
    )


def _recovery_level(
    bench: Benchmarks, year: int, value: float | None, sample: int
) -> DoraLevel | None:
    if not sample:
        return None
    if value is None:  # more than half still open: slower than any band
        return DoraLevel.low if bench.of(year, DoraMetric.time_to_restore) else None
    return bench.classify(year, DoraMetric.time_to_restore, value)


def _recovery_value(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> tuple[float | None, DoraLevel | None]:
    value = None if row.median is None or row.median == float("inf") else row.median
    return value, _recovery_level(bench, report_year(scope, rules), value, row.total)


def _recovery_reading(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks, _: Callable[[], bool]
) -> Reading:
    value, level = _recovery_value(row, scope, rules, bench)
    return Reading(value, level, row.total, "hours")


def _recovery(
    scope: Scope, rules: DoraRules, bench: Benchmarks, metric: str, row: Any
) -> RecoveryTime:
    value, level = _recovery_value(row, scope, rules, bench)
    year = report_year(scope, rules)
    return RecoveryTime(
        **figure(
            metric,
            value,
            "hours",
            level,
            year,
            row.total,
            parse_page(INCIDENT_PAGE, row.page),
        ),
        resolved=row.resolved,
        unresolved=row.total - row.resolved,
    )


def recovery_time(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> RecoveryTime:
    """Failed deployment recovery time (2023+): for each incident linked to a
    deployment finished in range, the deployment's finish → the resolution."""
    row = q.one(conn, *recovery_time_statement(conn, scope, rules))
    return _recovery(scope, rules, bench, "failed_deployment_recovery_time", row)


def _incident_filter(scope: Scope) -> q.Filter:
    parts: list[str] = []
    params: dict[str, Any] = {}
    if scope.repository_ids:
        parts.append("(i.repository_id = ANY(:repos) OR d.repository_id = ANY(:repos))")
        params["repos"] = list(scope.repository_ids)
    if scope.project_ids:
        in_projects = (
            "IN (SELECT repository_id FROM projects_repositories WHERE project_id = ANY(:projects))"
        )
        parts.append(
            f"(i.project_id = ANY(:projects) OR i.repository_id {in_projects} "
            f"OR d.repository_id {in_projects})"
        )
        params["projects"] = list(scope.project_ids)
    if scope.authors:
        parts.append(
            "EXISTS (SELECT 1 FROM deployments_prs tdp JOIN prs tp ON tp.id = tdp.pr_id "
            "WHERE tdp.deployment_id = d.id AND tp.author = ANY(:authors))"
        )
        params["authors"] = list(scope.authors)
    return q.Filter("".join(f" AND {p}" for p in parts), params)


def mttr_statement(scope: Scope) -> Statement:
    f = _incident_filter(scope)
    params = {**f.params, "start": scope.start, "end": scope.end, **page_params(scope)}
    return MTTR.format(incident_filter=f.sql), params


def mttr(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> RecoveryTime:
    """The older time to restore (2021): incidents detected in range,
    detection → resolution, whether or not a deployment is linked."""
    row = q.one(conn, *mttr_statement(scope))
    return _recovery(scope, rules, bench, "mean_time_to_restore", row)


def rework_rate(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> ReworkRate:
    """Deployments that were unplanned fixes ÷ all deployments (2024 report's
    fifth metric; the report gives no bands, so there is no level)."""
    row = q.one(conn, *rework_rate_statement(conn, scope, rules))
    year = report_year(scope, rules)
    return ReworkRate(
        **figure(
            "rework_rate",
            _rework_value(row),
            "percent",
            None,
            year,
            row.total,
            parse_page(DEPLOYMENT_PAGE, row.page),
        ),
        rework_deployments=row.rework,
    )


def _rework_value(row: Any) -> float | None:
    return 100.0 * row.rework / row.total if row.total else None


def _rework_reading(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks, _: Callable[[], bool]
) -> Reading:
    return Reading(_rework_value(row), None, row.total, "percent")


def _mttr_statement(conn: Connection, scope: Scope, rules: DoraRules) -> Statement:
    return mttr_statement(scope)


# Each metric as a trend's point (``PointMetric``).
CHANGE_FAILURE_RATE_POINT = PointMetric(change_failure_rate_statement, _failure_rate_reading)
RECOVERY_TIME_POINT = PointMetric(recovery_time_statement, _recovery_reading)
MTTR_POINT = PointMetric(_mttr_statement, _recovery_reading)
REWORK_RATE_POINT = PointMetric(rework_rate_statement, _rework_reading)
