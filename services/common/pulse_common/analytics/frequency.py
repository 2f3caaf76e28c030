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
from pulse_common.analytics.results import DeploymentFrequency
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraMetric

UNIT = "per_day"


class _Buckets(NamedTuple):
    """Calendar weeks or months in order, each's deployment days and
    deployments, its start ``start(i)``."""

    days: list[int]
    deployments: list[int]
    start: Callable[[int], dt.date]


def _buckets_of(scope: Scope, per_day: dict[dt.date, int]) -> tuple[_Buckets, _Buckets]:
    """Every calendar week and month the scope's local days touch, those
    without a deployment included (they count, as zero). Day ordinals and
    month numbers, not dates: a trend computes this once per point."""
    zone = scope.zone
    first = scope.start.astimezone(zone).date()
    last = (scope.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    lo, hi = first.toordinal(), last.toordinal()
    monday = lo - first.weekday()
    month0 = first.year * 12 + first.month - 1
    n_weeks, n_months = (hi - monday) // 7 + 1, last.year * 12 + last.month - month0
    weeks = _Buckets([0] * n_weeks, [0] * n_weeks, lambda i: dt.date.fromordinal(monday + 7 * i))
    months = _Buckets(
        [0] * n_months,
        [0] * n_months,
        lambda i: dt.date((month0 + i) // 12, (month0 + i) % 12 + 1, 1),
    )
    for day, n in per_day.items():
        at = day.toordinal()
        if n and lo <= at <= hi:
            w, m = (at - monday) // 7, day.year * 12 + day.month - 1 - month0
            weeks.days[w] += 1
            weeks.deployments[w] += n
            months.days[m] += 1
            months.deployments[m] += n
    return weeks, months


def _bucket_models(b: _Buckets) -> list[dict[str, Any]]:
    # Dicts: the figure's model validates them in one call.
    return [
        {"start": b.start(i), "deployment_days": days, "deployments": n}
        for i, (days, n) in enumerate(zip(b.days, b.deployments, strict=True))
    ]


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
    weeks: _Buckets
    months: _Buckets
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
    weekly = lower_median(weeks.days)
    monthly = lower_median(months.days)
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
        weeks=_bucket_models(r.weeks),
        months=_bucket_models(r.months),
        per_day=[{"day": d, "deployments": n} for d, n in sorted(r.per_day.items())],
        uses_fallback=bool(fallback),
        fallback_repository_ids=tuple(fallback),
    )
