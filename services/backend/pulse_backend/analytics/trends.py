"""Each metric per week or month (calendar periods in the scope's time zone,
clipped to the range), the level of each point, and the same points over
the previous period of equal length for comparison."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from pulse_common.analytics import dora, failures, frequency, lead_time
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import PointMetric, first_deployed
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


def _next(cursor: dt.date, granularity: Granularity) -> dt.date:
    if granularity is Granularity.week:
        return cursor + dt.timedelta(days=7)
    return (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _first(local: dt.date, granularity: Granularity) -> dt.date:
    """The first day of the calendar week (Monday) or month holding ``local``."""
    if granularity is Granularity.week:
        return local - dt.timedelta(days=local.weekday())
    return local.replace(day=1)


def periods(scope: Scope, granularity: Granularity) -> list[tuple[dt.datetime, dt.datetime]]:
    zone = scope.zone
    cursor = _first(scope.start.astimezone(zone).date(), granularity)
    out = []
    while True:
        nxt = _next(cursor, granularity)
        lo = dt.datetime.combine(cursor, dt.time(0), tzinfo=zone)
        hi = dt.datetime.combine(nxt, dt.time(0), tzinfo=zone)
        if lo >= scope.end:
            break
        out.append((max(lo, scope.start), min(hi, scope.end)))
        cursor = nxt
    return out


def coverage(
    lo: dt.datetime, hi: dt.datetime, zone: ZoneInfo, granularity: Granularity
) -> tuple[bool, float, int]:
    """Whether the period ``[lo, hi)`` of ``periods`` is clipped, the days it
    covers and the days of its whole calendar period. Days are wall-clock in
    ``zone`` (a week over a daylight-saving change is 7 days, not 6.96)."""
    first = _first(lo.astimezone(zone).date(), granularity)
    nxt = _next(first, granularity)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(nxt, dt.time(0), tzinfo=zone)
    wall = hi.astimezone(zone).replace(tzinfo=None) - lo.astimezone(zone).replace(tzinfo=None)
    return lo > start or hi < end, round(wall / dt.timedelta(days=1), 4), (nxt - first).days


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
    "ever deployed" (asked for a point without deployments) is one answer
    for the trend, read at most once, with the scope's first deployment."""
    ranges = [periods(scope, g), periods(scope.previous(), g)]
    scopes = [
        scope.model_copy(update={"start": lo, "end": hi, "drilldown_limit": 0})
        for lo, hi in ranges[0] + ranges[1]
    ]
    # A point's statement depends on its period through :start and :end
    # alone: built for the first point and the last (lateral holds the two
    # to one text and the same other parameters), not for each (0.25 ms of
    # a weekly trend's 28 points).
    (sql, params), last = (metric.statement(conn, s, rules) for s in (scopes[0], scopes[-1]))
    statements = [(sql, {**params, "start": s.start, "end": s.end}) for s in scopes[:-1]]
    found = q.rows(conn, *q.lateral([*statements, last], PERIOD))
    by_point = {row.point: row for row in found}
    # A previous point without a sample before the scope's first deployment
    # predates the data loaded: no value to compare with (deployment
    # frequency would read "0 / week"), as the summary's previous period.
    # The first deployment answers ``ever_deployed`` too: one check a trend.
    first = functools.cache(lambda: first_deployed(conn, scope, rules))

    def ever() -> bool:
        return first() is not None

    out: list[list[TrendPoint]] = [[], []]
    unit, i = "", 0
    for period, points in zip(ranges, out, strict=True):
        for lo, hi in period:
            r = metric.reading(by_point[i], scopes[i], rules, bench, ever)
            unit = r.unit
            if points is out[1] and r.sample_size == 0 and r.value is not None:
                start = first()
                if start is None or start >= hi:
                    r = r._replace(value=None, level=None)
            partial, days, whole = coverage(lo, hi, scope.zone, g)
            points.append(
                TrendPoint(
                    start=lo,
                    end=hi,
                    value=r.value,
                    level=r.level,
                    sample_size=r.sample_size,
                    partial=partial,
                    days=days,
                    period_days=whole,
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
