"""The executive summary: the four keys and the rework rate with their
levels, compared with the previous period of equal length, and rule-based
insights (stored in ``dora_metric_insights`` by ``analytics.insights``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Connection

from pulse_backend.analytics.level_reason import level_reason
from pulse_backend.analytics.trends import METRICS
from pulse_backend.analytics.wording import (
    change_words,
    longest_step_words,
    metric_name,
    open_incidents_words,
)
from pulse_common.analytics.common import deployed_before
from pulse_common.analytics.levels import ORDER, Benchmarks
from pulse_common.analytics.results import ExecutiveSummary, LeadTime, RecoveryTime, SummaryLine
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules

HEADLINE = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "failed_deployment_recovery_time",
    "rework_rate",
)
HIGHER_IS_BETTER = {"deployment_frequency"}


def change(metric: str, now: float | None, before: float | None) -> str:
    """``improved``, ``worsened``, ``unchanged``, or ``no_data`` when either
    period has no value (the summary says ``no_comparison`` instead when the
    previous period is before the scope's first deployment: ``summarize``)."""
    if now is None or before is None:
        return "no_data"
    if abs(now - before) < 1e-9:
        return "unchanged"
    better = now > before if metric in HIGHER_IS_BETTER else now < before
    return "improved" if better else "worsened"


@dataclass(frozen=True)
class Insight:
    """One insight with the figure it was generated from: the API shows the
    text alone, ``dora_metric_insights`` keeps the metric, value and level."""

    line: SummaryLine
    text: str


@dataclass(frozen=True)
class Summarized:
    summary: ExecutiveSummary
    insights: tuple[Insight, ...]


def executive_summary(
    conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> ExecutiveSummary:
    return summarize(conn, scope, rules, bench).summary


def summarize(conn: Connection, scope: Scope, rules: DoraRules, bench: Benchmarks) -> Summarized:
    """The summary, and its insights each with the metric it is about."""
    lines: list[SummaryLine] = []
    insights: list[Insight] = []
    lean = scope.model_copy(update={"drilldown_limit": 0})
    # Asked only when a previous period has no sample: was anything in the
    # scope's filters deployed before this period? If not, the previous
    # period predates the data loaded (the demo seed's 90 days, a tenant's
    # first sync), and its "0 / week" is no figure to compare with.
    earlier = functools.cache(lambda: deployed_before(conn, lean, rules, lean.start))
    year = scope.report_year or rules.report_year
    for metric in HEADLINE:
        fig = METRICS[metric](conn, lean, rules, bench)
        prev = METRICS[metric](conn, lean.previous(), rules, bench)
        if prev.sample_size == 0 and not earlier():
            before, before_level = None, None
            verdict = "no_data" if fig.value is None else "no_comparison"
        else:
            before, before_level = prev.value, prev.level
            verdict = recovery_change(metric, fig.value, prev.value, unresolved(prev))
        open_now, open_before = unresolved(fig), unresolved(prev)
        line = SummaryLine(
            metric=metric,
            value=fig.value,
            unit=fig.unit,
            level=fig.level,
            sample_size=fig.sample_size,
            previous_value=before,
            previous_level=before_level,
            previous_sample_size=prev.sample_size,
            change=verdict,
            unresolved=open_now,
            previous_unresolved=open_before,
            level_reason=level_reason(
                bench, year, metric, fig.value, fig.unit, fig.sample_size, open_now
            ),
        )
        lines.append(line)
        insights += (Insight(line, t) for t in _insights(line))
        if isinstance(fig, LeadTime) and fig.sample_size:
            parts = {
                "coding": fig.coding,
                "pickup": fig.pickup,
                "review": fig.review,
                "deploy": fig.deploy,
            }
            name, part = max(parts.items(), key=lambda kv: kv[1].median_hours or 0.0)
            if part.median_hours:
                # As the dashboard's breakdown reads it ("3.5 days"), never
                # "84.7 h" beside a tile in days.
                text = longest_step_words(name, part.median_hours, part.sample_size)
                insights.append(Insight(line, text))
        if isinstance(fig, RecoveryTime) and fig.unresolved:
            insights.append(Insight(line, open_incidents_words(fig.unresolved)))
    summary = ExecutiveSummary(
        start=scope.start,
        end=scope.end,
        report_year=year,
        lines=tuple(lines),
        insights=tuple(i.text for i in insights),
    )
    return Summarized(summary, tuple(insights))


def recovery_change(
    metric: str, now: float | None, before: float | None, before_open: int | None
) -> str:
    """``change``, and "improved" when an earlier period's recovery time has
    no median because most of its incidents are still open (``before_open``)
    while this period's has one: such an open incident (caused before this
    period began, unresolved today) has lasted longer than any incident of
    this period that is resolved, so the earlier median is the longer one.
    The reverse says nothing: an incident opened yesterday is "still open"
    too. Only for a period before this one (the summary's previous period,
    the assistant's comparisons)."""
    if now is not None and before is None and before_open:
        return "improved"
    return change(metric, now, before)


def unresolved(fig: object) -> int | None:
    """A recovery figure's incidents still open; None for the other metrics."""
    return fig.unresolved if isinstance(fig, RecoveryTime) else None


def _insights(line: SummaryLine) -> list[str]:
    # The metric's name as the tiles title it ("Lead time for changes").
    label = metric_name(line.metric)
    if line.level and line.previous_level and line.level != line.previous_level:
        moved = "up" if ORDER.index(line.level) < ORDER.index(line.previous_level) else "down"
        return [f"{label} moved {moved} from {line.previous_level} to {line.level}."]
    if line.change in ("improved", "worsened") and line.value is not None:
        # Worded as the tiles and the assistant word the figure (the overview
        # shows this text): "12.5 % → 14.3 %", "3.5 / week", never a unit id.
        return [
            change_words(
                line.metric,
                line.change,
                line.previous_value,
                line.value,
                line.unit,
                line.sample_size,
            )
        ]
    return []
