"""Deployment frequency: deployment days per week and per month."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import (
    DEPLOYMENT_PAGE,
    deployments_cte,
    ever_deployed,
    figure,
    parse_page,
    report_year,
)
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.median import lower_median
from pulse_common.analytics.results import Bucket, DayCount, DeploymentFrequency
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraMetric


def _local_days(scope: Scope) -> list[dt.date]:
    zone = scope.zone
    first = scope.start.astimezone(zone).date()
    last = (scope.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _buckets(
    days: Sequence[dt.date], per_day: Counter[dt.date], key: Callable[[dt.date], dt.date]
) -> tuple[Bucket, ...]:
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


STATEMENT = f"""
WITH {{deployments}}, days AS (
    SELECT (d.finished_at AT TIME ZONE :tz)::date AS day, count(*) AS n FROM d GROUP BY 1
)
SELECT (SELECT count(*) FROM d) AS total,
       (SELECT array_agg(day ORDER BY day) FROM days) AS days,
       (SELECT array_agg(n ORDER BY day) FROM days) AS counts,
       (SELECT array_agg(DISTINCT repository_id) FROM d
        WHERE source <> 'deployment') AS fallback_repositories,
       {q.page(f"SELECT {q.DEPLOYMENT_REF} FROM d", q.DEPLOYMENT_ORDER)} AS page
"""


def frequency_statement(
    conn: Connection, scope: Scope, rules: DoraRules
) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters (the benchmark runs them bare).
    Deployments are counted per calendar day of the scope's time zone."""
    cte, params = deployments_cte(conn, scope, rules)
    return STATEMENT.format(deployments=cte), {**params, "tz": scope.timezone}


def deployment_frequency(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> DeploymentFrequency:
    row = q.one(conn, *frequency_statement(conn, scope, rules))
    per_day = Counter(dict(zip(row.days or (), row.counts or (), strict=True)))
    days = _local_days(scope)
    weeks = _buckets(days, per_day, lambda d: d - dt.timedelta(days=d.weekday()))
    months = _buckets(days, per_day, lambda d: d.replace(day=1))
    weekly = lower_median(b.deployment_days for b in weeks)
    monthly = lower_median(b.deployment_days for b in months)
    rate: float | None = None
    collected = bool(row.total) or ever_deployed(conn, scope, rules)
    if collected and weekly is not None and monthly is not None:
        rate = weekly / 7 if weekly >= 1 else monthly / 30
    year = report_year(scope, rules)
    fallback = sorted(row.fallback_repositories or ())
    return DeploymentFrequency(
        **figure(
            DoraMetric.deployment_frequency.value,
            rate,
            "per_day",
            bench.classify(year, DoraMetric.deployment_frequency, rate),
            year,
            row.total,
            parse_page(DEPLOYMENT_PAGE, row.page),
        ),
        median_days_per_week=weekly,
        median_days_per_month=monthly,
        weeks=weeks,
        months=months,
        per_day=tuple(DayCount(day=d, deployments=n) for d, n in sorted(per_day.items())),
        uses_fallback=bool(fallback),
        fallback_repository_ids=tuple(fallback),
    )
