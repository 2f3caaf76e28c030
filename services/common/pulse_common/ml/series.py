"""The weekly series ML monitoring watches, computed by the analytics engine
(the same definitions as the dashboards; docs/metrics.md), per calendar week
(Monday 00:00 UTC) over the whole tenant.

A week before the series has any data (the tenant's first deployment, first
merge) is no history at all, not a week of zeros: it is left out, so a new
tenant needs real weeks before anything is compared. A ratio or median over
fewer than ``min_samples`` events is too noisy to compare and is null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from pulse_common.analytics import dora
from pulse_common.analytics.engineering import engineering
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.results import Figure
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules

WEEK = dt.timedelta(days=7)
# The engine classifies levels; monitoring needs none.
NO_BANDS = Benchmarks(bands={})


class SeriesSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    unit: str
    # The smallest scale a deviation is measured in (see robust.robust_z).
    floor: float
    higher_is_better: bool
    min_samples: int = 1


SPECS: dict[str, SeriesSpec] = {
    s.name: s
    for s in (
        SeriesSpec(
            name="deployment_frequency", unit="deployment_days", floor=1.0, higher_is_better=True
        ),
        SeriesSpec(name="throughput", unit="merged_prs", floor=1.0, higher_is_better=True),
        SeriesSpec(name="lead_time_for_changes", unit="hours", floor=1.0, higher_is_better=False),
        SeriesSpec(
            name="change_failure_rate",
            unit="percent",
            floor=5.0,
            higher_is_better=False,
            min_samples=3,
        ),
        SeriesSpec(
            name="failed_deployment_recovery_time",
            unit="hours",
            floor=1.0,
            higher_is_better=False,
        ),
    )
}


class Point(BaseModel):
    model_config = ConfigDict(frozen=True)

    week_start: dt.date
    value: float | None
    sample_size: int


def week_start(at: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the week ``at`` falls in."""
    day = at.astimezone(dt.UTC).date()
    monday = day - dt.timedelta(days=day.weekday())
    return dt.datetime.combine(monday, dt.time(0), tzinfo=dt.UTC)


def _weeks(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    return [start + i * WEEK for i in range((end - start) // WEEK)]


def _from_first(points: list[Point], has_data: Callable[[Point], bool]) -> list[Point]:
    first = next((i for i, p in enumerate(points) if has_data(p)), len(points))
    return points[first:]


def _per_week(
    conn: Connection,
    weeks: list[dt.datetime],
    rules: DoraRules,
    fn: Callable[[Connection, Scope, DoraRules, Benchmarks], Figure[Any]],
    min_samples: int,
) -> list[Point]:
    out = []
    for lo in weeks:
        fig = fn(conn, Scope(start=lo, end=lo + WEEK, drilldown_limit=0), rules, NO_BANDS)
        value = fig.value if fig.sample_size >= min_samples else None
        out.append(Point(week_start=lo.date(), value=value, sample_size=fig.sample_size))
    return out


def weekly_series(
    conn: Connection, rules: DoraRules, start: dt.datetime, end: dt.datetime
) -> dict[str, list[Point]]:
    """Every series over the whole weeks in [start, end) (Monday-aligned)."""
    weeks = _weeks(start, end)
    scope = Scope(start=start, end=end, drilldown_limit=0)
    freq = dora.deployment_frequency(conn, scope, rules, NO_BANDS)
    days = {b.start: b for b in freq.weeks}
    deploys = [
        Point(
            week_start=w.date(),
            value=float(days[w.date()].deployment_days) if w.date() in days else 0.0,
            sample_size=days[w.date()].deployments if w.date() in days else 0,
        )
        for w in weeks
    ]
    merged = {c.week: c.merged_prs for c in engineering(conn, scope).throughput}
    throughput = [
        Point(week_start=w.date(), value=float(n), sample_size=n)
        for w in weeks
        for n in (merged.get(w.date(), 0),)
    ]
    series = {
        "deployment_frequency": _from_first(deploys, lambda p: p.sample_size > 0),
        "throughput": _from_first(throughput, lambda p: p.sample_size > 0),
    }
    for name, fn in (
        ("lead_time_for_changes", dora.lead_time),
        ("change_failure_rate", dora.change_failure_rate),
        ("failed_deployment_recovery_time", dora.recovery_time),
    ):
        points = _per_week(conn, weeks, rules, fn, SPECS[name].min_samples)
        series[name] = _from_first(points, lambda p: p.value is not None)
    return series
