"""Change failure rate, failed deployment recovery time, the older MTTR, and
the rework rate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row

from pulse_backend.analytics import queries as q
from pulse_backend.analytics.common import (
    deployment_ref,
    deployment_rows,
    figure,
    hours,
    report_year,
)
from pulse_backend.analytics.levels import Benchmarks
from pulse_backend.analytics.median import lower_median
from pulse_backend.analytics.results import (
    ChangeFailureRate,
    IncidentRef,
    RecoveryTime,
    ReworkRate,
)
from pulse_backend.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel, DoraMetric


def _incident(r: Row[Any], hours_: float | None) -> IncidentRef:
    return IncidentRef(
        id=r.id,
        external_id=r.external_id,
        title=r.title,
        status=r.status,
        detected_at=r.detected_at,
        resolved_at=r.resolved_at,
        deployment_id=r.deployment_id,
        deployment_finished_at=r.finished_at,
        link_method=r.link_method,
        hours=hours_,
    )


def _linked_incidents(conn: Connection, deps: Sequence[Row[Any]]) -> list[Row[Any]]:
    return q.rows(conn, q.INCIDENTS_OF_DEPLOYMENTS, {"ids": [d.id for d in deps]})


def change_failure_rate(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> ChangeFailureRate:
    deps = deployment_rows(conn, scope, rules)
    incidents = _linked_incidents(conn, deps)
    failed = {r.deployment_id for r in incidents}
    value = 100.0 * len(failed) / len(deps) if deps else None
    year = report_year(scope, rules)
    return ChangeFailureRate(
        **figure(
            DoraMetric.change_failure_rate.value,
            value,
            "percent",
            bench.classify(year, DoraMetric.change_failure_rate, value),
            year,
            len(deps),
            [deployment_ref(d, failed=d.id in failed) for d in scope.page(deps)],
        ),
        failed_deployments=len(failed),
        incidents=tuple(_incident(r, None) for r in scope.page(incidents)),
    )


def _recovery_level(
    bench: Benchmarks, year: int, value: float | None, sample: int
) -> DoraLevel | None:
    if not sample:
        return None
    if value is None:  # more than half still open: slower than any band
        return DoraLevel.low if bench.of(year, DoraMetric.time_to_restore) else None
    return bench.classify(year, DoraMetric.time_to_restore, value)


def _recovery(
    scope: Scope, rules: DoraRules, bench: Benchmarks, metric: str, refs: list[IncidentRef]
) -> RecoveryTime:
    value = lower_median(i.hours for i in refs)
    year = report_year(scope, rules)
    resolved = sum(1 for i in refs if i.hours is not None)
    return RecoveryTime(
        **figure(
            metric,
            value,
            "hours",
            _recovery_level(bench, year, value, len(refs)),
            year,
            len(refs),
            scope.page(refs),
        ),
        resolved=resolved,
        unresolved=len(refs) - resolved,
    )


def recovery_time(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> RecoveryTime:
    """Failed deployment recovery time (2023+): for each incident linked to a
    deployment finished in range, the deployment's finish → the resolution."""
    deps = deployment_rows(conn, scope, rules)
    rows = _linked_incidents(conn, deps)
    refs = [_incident(r, hours(r.finished_at, r.resolved_at)) for r in rows]
    return _recovery(scope, rules, bench, "failed_deployment_recovery_time", refs)


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


def mttr(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> RecoveryTime:
    """The older time to restore (2021): incidents detected in range,
    detection → resolution, whether or not a deployment is linked."""
    f = _incident_filter(scope)
    sql = q.render(q.INCIDENTS_DETECTED, incident_filter=f.sql)
    rows = q.rows(conn, sql, {**f.params, "start": scope.start, "end": scope.end})
    refs = [_incident(r, hours(r.detected_at, r.resolved_at)) for r in rows]
    return _recovery(scope, rules, bench, "mean_time_to_restore", refs)


REASONS = ("hotfix_pr", "revert_pr", "fixes_bug", "fixes_incident")


def rework_rate(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> ReworkRate:
    """Deployments that were unplanned fixes ÷ all deployments (2024 report's
    fifth metric; the report gives no bands, so there is no level)."""
    deps = deployment_rows(conn, scope, rules)
    reasons: dict[int, set[str]] = {
        d.id: {
            r for r, on in (("hotfix_deployment", d.is_hotfix), ("rollback", d.is_rollback)) if on
        }
        for d in deps
    }
    for r in q.rows(conn, q.REWORK, {"ids": list(reasons)}):
        flags = (r.is_hotfix, r.is_revert, r.fixes_bug, r.fixes_incident)
        reasons[r.deployment_id].update(name for name, on in zip(REASONS, flags, strict=True) if on)
    rework = sum(1 for why in reasons.values() if why)
    year = report_year(scope, rules)
    return ReworkRate(
        **figure(
            "rework_rate",
            100.0 * rework / len(deps) if deps else None,
            "percent",
            None,
            year,
            len(deps),
            [deployment_ref(d, reasons=sorted(reasons[d.id])) for d in scope.page(deps)],
        ),
        rework_deployments=rework,
    )
