"""Deployment frequency: deployment days per week and per month."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from pulse_backend.analytics.common import (
    deployment_ref,
    deployment_rows,
    ever_deployed,
    figure,
    report_year,
)
from pulse_backend.analytics.levels import Benchmarks
from pulse_backend.analytics.median import lower_median
from pulse_backend.analytics.results import Bucket, DayCount, DeploymentFrequency
from pulse_backend.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules
from pulse_common.models.control import DoraMetric
from pulse_common.models.enums import DeploymentSource


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


def deployment_frequency(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> DeploymentFrequency:
    rows = deployment_rows(conn, scope, rules)
    zone = scope.zone
    per_day = Counter(r.finished_at.astimezone(zone).date() for r in rows)
    days = _local_days(scope)
    weeks = _buckets(days, per_day, lambda d: d - dt.timedelta(days=d.weekday()))
    months = _buckets(days, per_day, lambda d: d.replace(day=1))
    weekly = lower_median(b.deployment_days for b in weeks)
    monthly = lower_median(b.deployment_days for b in months)
    rate: float | None = None
    collected = bool(rows) or ever_deployed(conn, scope, rules)
    if collected and weekly is not None and monthly is not None:
        rate = weekly / 7 if weekly >= 1 else monthly / 30
    year = report_year(scope, rules)
    fallback = sorted({r.repository_id for r in rows if r.source != DeploymentSource.deployment})
    return DeploymentFrequency(
        **figure(
            DoraMetric.deployment_frequency.value,
            rate,
            "per_day",
            bench.classify(year, DoraMetric.deployment_frequency, rate),
            year,
            len(rows),
            [deployment_ref(r) for r in scope.page(rows)],
        ),
        median_days_per_week=weekly,
        median_days_per_month=monthly,
        weeks=weeks,
        months=months,
        per_day=tuple(DayCount(day=d, deployments=n) for d, n in sorted(per_day.items())),
        uses_fallback=bool(fallback),
        fallback_repository_ids=tuple(fallback),
    )
