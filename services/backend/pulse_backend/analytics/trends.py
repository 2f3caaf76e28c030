"""Each metric per week or month (calendar periods in the scope's time zone,
clipped to the range), the level of each point, and the same points over
the previous period of equal length for comparison."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from pulse_common.analytics import dora, failures, frequency, lead_time
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import PointMetric, ever_deployed
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.results import Figure, Trend, TrendPoint
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.errors import InvalidInput


class Granularity(StrEnum):
    week = "week"
    month = "month"


MetricFn = Callable[[Connection, Scope, DoraRules, Benchmarks], Figure[Any]]
METRICS: dict[str, MetricFn] = {
    "deployment_frequency": dora.deployment_frequency,
    "lead_time_for_changes": dora.lead_time,
    "change_failure_rate": dora.change_failure_rate,
    "failed_deployment_recovery_time": dora.recovery_time,
    "mean_time_to_restore": dora.mttr,
    "rework_rate": dora.rework_rate,
}
# Each metric as a trend's point: its statement over one period (all the
# points' statements, current and previous period, run as one statement,
# ``q.lateral``), and what a point keeps of the row, the figure's value, level
# and sample size (deployment frequency computes only those, without its
# per-day, bucket and figure models; the others' drill-down page is empty).
POINTS: dict[str, PointMetric] = {
    "deployment_frequency": frequency.POINT,
    "lead_time_for_changes": lead_time.POINT,
    "change_failure_rate": failures.CHANGE_FAILURE_RATE_POINT,
    "failed_deployment_recovery_time": failures.RECOVERY_TIME_POINT,
    "mean_time_to_restore": failures.MTTR_POINT,
    "rework_rate": failures.REWORK_RATE_POINT,
}
assert POINTS.keys() == METRICS.keys()


def periods(scope: Scope, granularity: Granularity) -> list[tuple[dt.datetime, dt.datetime]]:
    zone = scope.zone
    local = scope.start.astimezone(zone).date()
    if granularity is Granularity.week:
        cursor = local - dt.timedelta(days=local.weekday())
    else:
        cursor = local.replace(day=1)
    out = []
    while True:
        if granularity is Granularity.week:
            nxt = cursor + dt.timedelta(days=7)
        else:
            nxt = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        lo = dt.datetime.combine(cursor, dt.time(0), tzinfo=zone)
        hi = dt.datetime.combine(nxt, dt.time(0), tzinfo=zone)
        if lo >= scope.end:
            break
        out.append((max(lo, scope.start), min(hi, scope.end)))
        cursor = nxt
    return out


# What differs between a trend's points' statements: the period.
PERIOD = {"start": "timestamptz", "end": "timestamptz"}


def _points(
    conn: Connection,
    scope: Scope,
    rules: DoraRules,
    bench: Benchmarks,
    metric: PointMetric,
    g: Granularity,
) -> tuple[tuple[tuple[TrendPoint, ...], tuple[TrendPoint, ...]], str]:
    """The points of the scope and of its previous period, from one statement
    (the metric's statement over a ``VALUES`` list of the periods: planned
    once, one round trip).
    Every point shares the scope's filters, so deployment frequency's
    ``ever_deployed`` (asked for a point without deployments) is one answer
    for the trend, read at most once."""
    ranges = [periods(scope, g), periods(scope.previous(), g)]
    scopes = [
        scope.model_copy(update={"start": lo, "end": hi, "drilldown_limit": 0})
        for lo, hi in ranges[0] + ranges[1]
    ]
    statements = [metric.statement(conn, s, rules) for s in scopes]
    found = q.rows(conn, *q.lateral(statements, PERIOD))
    by_point = {row.point: row for row in found}
    ever = functools.cache(lambda: ever_deployed(conn, scope, rules))
    out: list[list[TrendPoint]] = [[], []]
    unit, i = "", 0
    for period, points in zip(ranges, out, strict=True):
        for lo, hi in period:
            r = metric.reading(by_point[i], scopes[i], rules, bench, ever)
            unit = r.unit
            points.append(
                TrendPoint(
                    start=lo, end=hi, value=r.value, level=r.level, sample_size=r.sample_size
                )
            )
            i += 1
    return (tuple(out[0]), tuple(out[1])), unit


def trend(
    conn: Connection,
    scope: Scope,
    rules: DoraRules,
    bench: Benchmarks,
    metric: str,
    granularity: Granularity,
) -> Trend:
    point = POINTS.get(metric)
    if point is None:
        raise InvalidInput(f"metric: unknown {metric!r}; one of {sorted(METRICS)}")
    (points, previous), unit = _points(conn, scope, rules, bench, point, granularity)
    return Trend(
        metric=metric, granularity=granularity.value, unit=unit, points=points, previous=previous
    )
