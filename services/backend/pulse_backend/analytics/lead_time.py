"""Lead time for changes and its coding / pickup / review / deploy split."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row

from pulse_backend.analytics import queries as q
from pulse_backend.analytics.common import HOUR, figure, report_year
from pulse_backend.analytics.levels import Benchmarks
from pulse_backend.analytics.median import lower_median
from pulse_backend.analytics.results import Component, LeadTime, PrRef
from pulse_backend.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraMetric


def pr_filter(scope: Scope) -> q.Filter:
    f = q.repository_filter(scope, "pr.repository_id")
    parts, params = ([f.sql] if f.sql else []), dict(f.params)
    if scope.authors:
        parts.append("pr.author = ANY(:authors)")
        params["authors"] = list(scope.authors)
    return q.Filter("".join(f" AND {p}" for p in parts), params)


def lead_time_statement(
    conn: Connection, scope: Scope, rules: DoraRules
) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters (the benchmark runs them bare)."""
    f = q.deployment_filter(conn, scope, rules, with_scope=False)
    pf = pr_filter(scope)
    # The stored first deployment follows the tenant's production rules; a
    # scope naming one environment ranks that environment's deployments.
    first = q.FIRST_STORED if scope.environment is None else q.FIRST_RANKED
    sql = q.render(q.LEAD_TIME, deployments=f.sql, first=first, pr_filter=pf.sql)
    return sql, {**f.params, **pf.params, "start": scope.start, "end": scope.end}


def lead_time_rows(conn: Connection, scope: Scope, rules: DoraRules) -> list[Row[Any]]:
    return q.rows(conn, *lead_time_statement(conn, scope, rules))


def span(a: float | None, b: float | None) -> float | None:
    """Hours from epoch a to epoch b; None when either is missing or b
    precedes a (the step did not happen in that order: DevLake leaves it null)."""
    if a is None or b is None or b < a:
        return None
    return (b - a) / HOUR


Steps = tuple[float, float | None, float | None, float | None, float | None]


def _steps(r: Row[Any]) -> Steps:
    """(cycle, coding, pickup, review, deploy) hours. As DevLake's
    ``pr_cycle_time``, the cycle is coding + opened→merged + deploy, each
    counted when not null; on consistent data that is simply the first
    commit (or the opening, if earlier) → the deployment finishing."""
    first, created, review = r.first_commit_at, r.created, r.first_review_at
    merged, finished = r.merged_at, r.finished_at
    coding = span(first, created)
    deploy = span(merged, finished)
    # a merge commit without a merge time: count up to the deployment
    middle = span(created, finished if merged is None else merged) or 0.0
    return (
        (coding or 0.0) + middle + (deploy or 0.0),
        coding,
        span(created, review),
        span(review, merged),
        deploy,
    )


def _at(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _ref(r: Row[Any], steps: Steps) -> PrRef:
    return PrRef(
        id=r.id,
        repository_id=r.repository_id,
        number=r.number,
        title=r.title,
        author=r.author,
        first_commit_at=_at(min(r.first_commit_at, r.created)),
        opened_at=_at(r.created),
        first_review_at=_at(r.first_review_at),
        merged_at=_at(r.merged_at),
        deployment_id=r.deployment_id,
        deployed_at=_at(r.finished_at),
        cycle_hours=steps[0],
        coding_hours=steps[1],
        pickup_hours=steps[2],
        review_hours=steps[3],
        deploy_hours=steps[4],
    )


def component(values: Sequence[float | None]) -> Component:
    present = [v for v in values if v is not None]
    return Component(median_hours=lower_median(present), sample_size=len(present))


def lead_time(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> LeadTime:
    rows = lead_time_rows(conn, scope, rules)
    steps = [_steps(r) for r in rows]
    value = lower_median(s[0] for s in steps)
    year = report_year(scope, rules)
    return LeadTime(
        **figure(
            DoraMetric.lead_time_for_changes.value,
            value,
            "hours",
            bench.classify(year, DoraMetric.lead_time_for_changes, value),
            year,
            len(rows),
            [_ref(r, s) for r, s in scope.page(list(zip(rows, steps, strict=True)))],
        ),
        coding=component([s[1] for s in steps]),
        pickup=component([s[2] for s in steps]),
        review=component([s[3] for s in steps]),
        deploy=component([s[4] for s in steps]),
    )
