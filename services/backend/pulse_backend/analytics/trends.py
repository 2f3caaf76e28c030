"""Each metric per week or month (calendar periods in the scope's time zone,
clipped to the range), the level of each point, and the same points over
the previous period of equal length for comparison."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from pulse_common.analytics import dora
from pulse_common.analytics.common import Reading
from pulse_common.analytics.frequency import frequency_reading
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
ReadingFn = Callable[[Connection, Scope, DoraRules, Benchmarks], Reading]


def _reading(fn: MetricFn) -> ReadingFn:
    def read(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> Reading:
        fig = fn(conn, scope, rules, bench)
        return Reading(fig.value, fig.level, fig.sample_size, fig.unit)

    return read


# What a point keeps of each metric's figure: deployment frequency computes
# only that (no per-day, bucket or figure models per point); the others
# compute their figure, whose drill-down page is empty for a point.
READINGS: dict[str, ReadingFn] = {
    **{name: _reading(fn) for name, fn in METRICS.items()},
    "deployment_frequency": frequency_reading,
}


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


def _points(
    conn: Connection,
    scope: Scope,
    rules: DoraRules,
    bench: Benchmarks,
    read: ReadingFn,
    g: Granularity,
) -> tuple[tuple[TrendPoint, ...], str]:
    points, unit = [], ""
    for lo, hi in periods(scope, g):
        r = read(
            conn,
            scope.model_copy(update={"start": lo, "end": hi, "drilldown_limit": 0}),
            rules,
            bench,
        )
        unit = r.unit
        points.append(
            TrendPoint(start=lo, end=hi, value=r.value, level=r.level, sample_size=r.sample_size)
        )
    return tuple(points), unit


def trend(
    conn: Connection,
    scope: Scope,
    rules: DoraRules,
    bench: Benchmarks,
    metric: str,
    granularity: Granularity,
) -> Trend:
    fn = READINGS.get(metric)
    if fn is None:
        raise InvalidInput(f"metric: unknown {metric!r}; one of {sorted(METRICS)}")
    points, unit = _points(conn, scope, rules, bench, fn, granularity)
    previous, _ = _points(conn, scope.previous(), rules, bench, fn, granularity)
    return Trend(
        metric=metric, granularity=granularity.value, unit=unit, points=points, previous=previous
    )
