"""Deployment frequency: deployment days per week and per month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import (
    DEPLOYMENT_PAGE,
    PointMetric,
    Reading,
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

UNIT = "per_day"
_WEEK = dt.timedelta(days=7)
_MONTH_AND_SOME = dt.timedelta(days=32)


def _buckets_of(
    scope: Scope, per_day: dict[dt.date, int]
) -> tuple[dict[dt.date, list[int]], dict[dt.date, list[int]]]:
    """Each week's and month's [deployment days, deployments] by its start,
    in order: every calendar week and month the scope's local days touch,
    those without a deployment included (they count, as zero)."""
    zone = scope.zone
    first = scope.start.astimezone(zone).date()
    last = (scope.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    week, weeks = _week(first), {}
    while week <= last:
        weeks[week] = [0, 0]
        week += _WEEK
    month, months = _month(first), {}
    while month <= last:
        months[month] = [0, 0]
        month = (month + _MONTH_AND_SOME).replace(day=1)
    for day, n in per_day.items():
        if n and first <= day <= last:
            for counts in (weeks[_week(day)], months[_month(day)]):
                counts[0] += 1
                counts[1] += n
    return weeks, months


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _buckets(grouped: dict[dt.date, list[int]]) -> tuple[Bucket, ...]:
    return tuple(
        Bucket(start=start, deployment_days=n_days, deployments=n)
        for start, (n_days, n) in sorted(grouped.items())
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
       {
    q.page(
        f"SELECT {q.DEPLOYMENT_REF}, {q.NOT_FAILED}, {q.NO_REWORK_REASONS} FROM d",
        q.DEPLOYMENT_ORDER,
    )
} AS page
"""


def frequency_statement(
    conn: Connection, scope: Scope, rules: DoraRules
) -> tuple[str, dict[str, Any]]:
    """The statement and its parameters (the benchmark runs them bare).
    Deployments are counted per calendar day of the scope's time zone."""
    cte, params = deployments_cte(conn, scope, rules)
    return STATEMENT.format(deployments=cte), {**params, "tz": scope.timezone}


class _Rate(NamedTuple):
    total: int
    page: str | None
    fallback_repositories: list[int] | None
    per_day: dict[dt.date, int]
    weeks: dict[dt.date, list[int]]
    months: dict[dt.date, list[int]]
    weekly: float | None
    monthly: float | None
    rate: float | None


def _rate(conn: Connection, scope: Scope, rules: DoraRules) -> _Rate:
    row = q.one(conn, *frequency_statement(conn, scope, rules))
    return _rate_of(row, scope, lambda: ever_deployed(conn, scope, rules))


def _rate_of(row: Any, scope: Scope, ever: Callable[[], bool]) -> _Rate:
    """The rate of ``STATEMENT``'s row; ``ever`` is asked only when the
    period has no deployment (``ever_deployed``: was any ever collected)."""
    per_day = dict(zip(row.days or (), row.counts or (), strict=True))
    weeks, months = _buckets_of(scope, per_day)
    weekly = lower_median(n_days for n_days, _ in weeks.values())
    monthly = lower_median(n_days for n_days, _ in months.values())
    rate: float | None = None
    collected = bool(row.total) or ever()
    if collected and weekly is not None and monthly is not None:
        rate = weekly / 7 if weekly >= 1 else monthly / 30
    return _Rate(
        row.total,
        row.page,
        row.fallback_repositories,
        per_day,
        weeks,
        months,
        weekly,
        monthly,
        rate,
    )


def _reading(
    row: Any, scope: Scope, rules: DoraRules, bench: Benchmarks, ever: Callable[[], bool]
) -> Reading:
    """The figure's value, level and sample size only (a trend's point)."""
    r = _rate_of(row, scope, ever)
    level = bench.classify(report_year(scope, rules), DoraMetric.deployment_frequency, r.rate)
    return Reading(r.rate, level, r.total, UNIT)


POINT = PointMetric(frequency_statement, _reading)


def deployment_frequency(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> DeploymentFrequency:
    r = _rate(conn, scope, rules)
    year = report_year(scope, rules)
    fallback = sorted(r.fallback_repositories or ())
    return DeploymentFrequency(
        **figure(
            DoraMetric.deployment_frequency.value,
            r.rate,
            UNIT,
            bench.classify(year, DoraMetric.deployment_frequency, r.rate),
            year,
            r.total,
            parse_page(DEPLOYMENT_PAGE, r.page),
        ),
        median_days_per_week=r.weekly,
        median_days_per_month=r.monthly,
        weeks=_buckets(r.weeks),
        months=_buckets(r.months),
        per_day=tuple(DayCount(day=d, deployments=n) for d, n in sorted(r.per_day.items())),
        uses_fallback=bool(fallback),
        fallback_repository_ids=tuple(fallback),
    )
