"""Typed results. Every figure carries its sample size and the rows behind it
(``drilldown``, one page of ``Scope.drilldown_limit`` rows from
``Scope.drilldown_offset``; ``drilldown_total`` says
how many there are)."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from pulse_common.analytics.raw_pages import Page
from pulse_common.models.control import DoraLevel, DoraMetric
from pulse_common.models.enums import DeploymentSource, IncidentLinkMethod, IncidentStatus

T = TypeVar("T")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeploymentRef(_Out):
    id: int
    external_id: str
    repository_id: int
    environment: str
    commit_sha: str
    finished_at: dt.datetime
    source: DeploymentSource
    failed: bool = False
    rework_reasons: tuple[str, ...] = ()


class PrRef(_Out):
    id: int
    repository_id: int
    number: int
    title: str
    author: str | None
    first_commit_at: dt.datetime
    opened_at: dt.datetime
    first_review_at: dt.datetime | None
    merged_at: dt.datetime | None
    deployment_id: int
    deployed_at: dt.datetime
    cycle_hours: float
    coding_hours: float | None
    pickup_hours: float | None
    review_hours: float | None
    deploy_hours: float | None


class IncidentRef(_Out):
    id: int
    external_id: str
    title: str
    status: IncidentStatus
    detected_at: dt.datetime
    resolved_at: dt.datetime | None
    deployment_id: int | None
    deployment_finished_at: dt.datetime | None
    link_method: IncidentLinkMethod | None
    hours: float | None  # None: not resolved yet


class Figure(_Out, Generic[T]):
    metric: str
    value: float | None
    unit: str
    level: DoraLevel | None
    report_year: int
    sample_size: int
    drilldown: Page[T]
    drilldown_total: int


class Bucket(_Out):
    start: dt.date
    deployment_days: int
    deployments: int


class DayCount(_Out):
    day: dt.date
    deployments: int


class DeploymentFrequency(Figure[DeploymentRef]):
    """``value`` is the rate per day the level is read from: the weekly
    median of deployment days / 7 when that median is at least 1, else the
    monthly median / 30 (DevLake's weekly-then-monthly reading)."""

    median_days_per_week: float | None
    median_days_per_month: float | None
    weeks: tuple[Bucket, ...]
    months: tuple[Bucket, ...]
    per_day: tuple[DayCount, ...]
    uses_fallback: bool
    fallback_repository_ids: tuple[int, ...]


class Component(_Out):
    median_hours: float | None
    sample_size: int


class LeadTime(Figure[PrRef]):
    coding: Component
    pickup: Component
    review: Component
    deploy: Component


class ChangeFailureRate(Figure[DeploymentRef]):
    failed_deployments: int
    incidents: Page[IncidentRef]


class RecoveryTime(Figure[IncidentRef]):
    """Open incidents are in the sample as unresolved (longer than any
    resolved one), never as zero: ``value`` is None when they are more than
    half of it."""

    resolved: int
    unresolved: int


class ReworkRate(Figure[DeploymentRef]):
    rework_deployments: int


class TrendPoint(_Out):
    """One calendar week or month of a trend, clipped to the range: the
    range's first and last periods usually cover only part of theirs, and
    their figures are over the days they cover (a chart must not draw them
    as whole periods: a week of which one day has passed is not a collapse)."""

    start: dt.datetime
    end: dt.datetime
    value: float | None
    level: DoraLevel | None
    sample_size: int
    partial: bool = Field(
        description="True when the range covers only part of this calendar week or month "
        "(its first or last period): the value is over `days` of `period_days` days."
    )
    days: float = Field(
        description="Days of the period the point covers, wall-clock in the scope's time "
        "zone (fractional when the range starts or ends within a day); equals "
        "`period_days` for a whole period."
    )
    period_days: int = Field(
        description="Days of the whole calendar period: 7 for a week, 28 to 31 for a month."
    )


class Trend(_Out):
    metric: DoraMetric | str
    granularity: str
    unit: str
    points: tuple[TrendPoint, ...]
    previous: tuple[TrendPoint, ...]


class SummaryLine(_Out):
    metric: str
    value: float | None
    unit: str
    level: DoraLevel | None
    sample_size: int
    previous_value: float | None
    previous_level: DoraLevel | None
    previous_sample_size: int = Field(
        description="What the previous period's figure was computed from (0 when nothing)."
    )
    change: str  # improved | worsened | unchanged | no_data | no_comparison
    unresolved: int | None = Field(
        None,
        description="Recovery time only: the incidents in the sample not resolved yet "
        "(counted as longer than any resolved one); null for the other metrics.",
    )
    previous_unresolved: int | None = Field(
        None, description="Recovery time only: `unresolved` in the previous period."
    )
    level_reason: str = Field(
        description="Why the line has its level (or none), in words: the report year's "
        "band its value is in, or what is missing."
    )


class ExecutiveSummary(_Out):
    start: dt.datetime
    end: dt.datetime
    report_year: int
    lines: tuple[SummaryLine, ...]
    insights: tuple[str, ...]
