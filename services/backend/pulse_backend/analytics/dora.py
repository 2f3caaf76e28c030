"""The four keys and the rework rate (definitions: docs/metrics.md)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from pulse_backend.analytics import queries as q
from pulse_backend.analytics.levels import Benchmarks
from pulse_backend.analytics.median import lower_median
from pulse_backend.analytics.results import (
    Bucket,
    ChangeFailureRate,
    Component,
    DayCount,
    DeploymentFrequency,
    DeploymentRef,
    IncidentRef,
    LeadTime,
    PrRef,
    RecoveryTime,
    ReworkRate,
)
from pulse_backend.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraLevel, DoraMetric
from pulse_common.models.enums import DeploymentSource

HOUR = 3600.0


def _hours(a: dt.datetime | None, b: dt.datetime | None, *, clamp: bool = True) -> float | None:
    if a is None or b is None:
        return None
    h = (b - a).total_seconds() / HOUR
    return max(h, 0.0) if clamp else h


def _year(scope: Scope, rules: DoraRules) -> int:
    return scope.report_year or rules.report_year


def _figure(
    metric: str,
    value: float | None,
    unit: str,
    level: DoraLevel | None,
    year: int,
    rows: Sequence[Any],
    scope: Scope,
) -> dict[str, Any]:
    """The fields every figure has: its value and level, and the rows behind it."""
    return {
        "metric": metric,
        "value": value,
        "unit": unit,
        "level": level,
        "report_year": year,
        "sample_size": len(rows),
        "drilldown": tuple(rows[: scope.drilldown_limit]),
        "drilldown_total": len(rows),
    }


def deployments(conn: Connection, scope: Scope, rules: DoraRules) -> list[DeploymentRef]:
    f = q.deployment_filter(conn, scope, rules)
    sql = q.render(q.DEPLOYMENTS, deployments=f.sql)
    params = {**f.params, "start": scope.start, "end": scope.end}
    return [
        DeploymentRef(
            id=r.id,
            external_id=r.external_id,
            repository_id=r.repository_id,
            environment=r.environment,
            commit_sha=r.commit_sha,
            finished_at=r.finished_at,
            source=r.source,
            rework_reasons=tuple(
                reason
                for reason, on in (("hotfix_deployment", r.is_hotfix), ("rollback", r.is_rollback))
                if on
            ),
        )
        for r in q.rows(conn, sql, params)
    ]


def _ever_deployed(conn: Connection, scope: Scope, rules: DoraRules) -> bool:
    f = q.deployment_filter(conn, scope, rules)
    sql = f"SELECT EXISTS (SELECT 1 FROM deployments d WHERE {f.sql})"
    return bool(conn.execute(text(sql), f.params).scalar())


def _local_days(scope: Scope) -> list[dt.date]:
    zone = scope.zone
    first = scope.start.astimezone(zone).date()
    last = (scope.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _buckets(days: Sequence[dt.date], per_day: Counter[dt.date], key: Any) -> tuple[Bucket, ...]:
    grouped: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in days:
        grouped[key(day)].append(day)
    return tuple(
        Bucket(
            start=start,
            deployment_days=sum(1 for d in ds if per_day[d]),
            deployments=sum(per_day[d] for d in ds),
        )
        for start, ds in sorted(grouped.items())
    )


def deployment_frequency(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> DeploymentFrequency:
    deps = deployments(conn, scope, rules)
    zone = scope.zone
    per_day = Counter(d.finished_at.astimezone(zone).date() for d in deps)
    days = _local_days(scope)
    weeks = _buckets(days, per_day, lambda d: d - dt.timedelta(days=d.weekday()))
    months = _buckets(days, per_day, lambda d: d.replace(day=1))
    weekly = lower_median(b.deployment_days for b in weeks)
    monthly = lower_median(b.deployment_days for b in months)
    collected = bool(deps) or _ever_deployed(conn, scope, rules)
    rate: float | None = None
    if collected and weekly is not None and monthly is not None:
        rate = weekly / 7 if weekly >= 1 else monthly / 30
    year = _year(scope, rules)
    fallback = sorted({d.repository_id for d in deps if d.source != DeploymentSource.deployment})
    return DeploymentFrequency(
        **_figure(
            DoraMetric.deployment_frequency.value,
            rate,
            "per_day",
            bench.classify(year, DoraMetric.deployment_frequency, rate),
            year,
            deps,
            scope,
        ),
        median_days_per_week=weekly,
        median_days_per_month=monthly,
        weeks=weeks,
        months=months,
        per_day=tuple(DayCount(day=d, deployments=n) for d, n in sorted(per_day.items())),
        uses_fallback=bool(fallback),
        fallback_repository_ids=tuple(fallback),
    )


def _pr_filter(scope: Scope) -> q.Filter:
    f = q.repository_filter(scope, "pr.repository_id")
    parts, params = ([f.sql] if f.sql else []), dict(f.params)
    if scope.authors:
        parts.append("pr.author = ANY(:authors)")
        params["authors"] = list(scope.authors)
    return q.Filter("".join(f" AND {p}" for p in parts), params)


def lead_time_rows(conn: Connection, scope: Scope, rules: DoraRules) -> list[PrRef]:
    f = q.deployment_filter(conn, scope, rules, with_scope=False)
    pf = _pr_filter(scope)
    sql = q.render(q.LEAD_TIME, deployments=f.sql, pr_filter=pf.sql)
    out = []
    for r in q.rows(conn, sql, {**f.params, **pf.params, "start": scope.start, "end": scope.end}):
        start = min(r.first_commit_at, r.created)
        out.append(
            PrRef(
                id=r.id,
                repository_id=r.repository_id,
                number=r.number,
                title=r.title,
                author=r.author,
                first_commit_at=start,
                opened_at=r.created,
                first_review_at=r.first_review_at,
                merged_at=r.merged_at,
                deployment_id=r.deployment_id,
                deployed_at=r.finished_at,
                cycle_hours=_hours(start, r.finished_at) or 0.0,
                coding_hours=_hours(start, r.created) or 0.0,
                pickup_hours=_hours(r.created, r.first_review_at),
                review_hours=_hours(r.first_review_at, r.merged_at),
                deploy_hours=_hours(r.merged_at, r.finished_at),
            )
        )
    return out


def _component(values: Sequence[float | None]) -> Component:
    present = [v for v in values if v is not None]
    return Component(median_hours=lower_median(present), sample_size=len(present))


def lead_time(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> LeadTime:
    prs = lead_time_rows(conn, scope, rules)
    value = lower_median(p.cycle_hours for p in prs)
    year = _year(scope, rules)
    return LeadTime(
        **_figure(
            DoraMetric.lead_time_for_changes.value,
            value,
            "hours",
            bench.classify(year, DoraMetric.lead_time_for_changes, value),
            year,
            prs,
            scope,
        ),
        coding=_component([p.coding_hours for p in prs]),
        pickup=_component([p.pickup_hours for p in prs]),
        review=_component([p.review_hours for p in prs]),
        deploy=_component([p.deploy_hours for p in prs]),
    )


def _incident(r: Any, hours: float | None) -> IncidentRef:
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
        hours=hours,
    )


def _linked_incidents(conn: Connection, deps: Sequence[DeploymentRef]) -> list[Any]:
    return q.rows(conn, q.INCIDENTS_OF_DEPLOYMENTS, {"ids": [d.id for d in deps]})


def change_failure_rate(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> ChangeFailureRate:
    deps = deployments(conn, scope, rules)
    incidents = _linked_incidents(conn, deps)
    failed_ids = {r.deployment_id for r in incidents}
    marked = [d.model_copy(update={"failed": d.id in failed_ids}) for d in deps]
    value = 100.0 * len(failed_ids) / len(deps) if deps else None
    year = _year(scope, rules)
    return ChangeFailureRate(
        **_figure(
            DoraMetric.change_failure_rate.value,
            value,
            "percent",
            bench.classify(year, DoraMetric.change_failure_rate, value),
            year,
            marked,
            scope,
        ),
        failed_deployments=len(failed_ids),
        incidents=tuple(_incident(r, None) for r in incidents[: scope.drilldown_limit]),
    )


def _recovery(
    scope: Scope, rules: DoraRules, bench: Benchmarks, metric: str, refs: list[IncidentRef]
) -> RecoveryTime:
    value = lower_median(i.hours for i in refs)
    year = _year(scope, rules)
    resolved = sum(1 for i in refs if i.hours is not None)
    return RecoveryTime(
        **_figure(
            metric, value, "hours", _recovery_level(bench, year, value, refs), year, refs, scope
        ),
        resolved=resolved,
        unresolved=len(refs) - resolved,
    )


def _recovery_level(
    bench: Benchmarks, year: int, value: float | None, refs: list[IncidentRef]
) -> DoraLevel | None:
    if not refs:
        return None
    if value is None:  # more than half still open: slower than any band
        return DoraLevel.low if bench.of(year, DoraMetric.time_to_restore) else None
    return bench.classify(year, DoraMetric.time_to_restore, value)


def recovery_time(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> RecoveryTime:
    """Failed deployment recovery time (2023+): for each incident linked to a
    deployment finished in range, the deployment's finish → the resolution."""
    deps = deployments(conn, scope, rules)
    refs = [
        _incident(r, _hours(r.finished_at, r.resolved_at)) for r in _linked_incidents(conn, deps)
    ]
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
    refs = [_incident(r, _hours(r.detected_at, r.resolved_at)) for r in rows]
    return _recovery(scope, rules, bench, "mean_time_to_restore", refs)


def rework_rate(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> ReworkRate:
    """Deployments that were unplanned fixes ÷ all deployments (2024 report's
    fifth metric; the report gives no bands, so there is no level)."""
    deps = deployments(conn, scope, rules)
    reasons: dict[int, set[str]] = {d.id: set(d.rework_reasons) for d in deps}
    for r in q.rows(conn, q.REWORK, {"ids": list(reasons)}):
        for reason, on in (
            ("hotfix_pr", r.is_hotfix),
            ("revert_pr", r.is_revert),
            ("fixes_bug", r.fixes_bug),
            ("fixes_incident", r.fixes_incident),
        ):
            if on:
                reasons[r.deployment_id].add(reason)
    marked = [d.model_copy(update={"rework_reasons": tuple(sorted(reasons[d.id]))}) for d in deps]
    rework = sum(1 for d in marked if d.rework_reasons)
    year = _year(scope, rules)
    return ReworkRate(
        **_figure(
            "rework_rate",
            100.0 * rework / len(deps) if deps else None,
            "percent",
            None,
            year,
            marked,
            scope,
        ),
        rework_deployments=rework,
    )
