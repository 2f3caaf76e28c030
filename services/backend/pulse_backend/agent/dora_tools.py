"""The DORA tools: the summary of a period, one metric with the rows that
weigh most in it (so an answer can say why; the older mean time to restore
counts every incident detected in the period, which "how many incidents
did we have?" asks; the rates, change failure and rework, the deployments
they count, which "how many deployments failed?" asks), and the
repositories ranked by the incidents they caused or by the deployments they
made. The figures are the analytics API's."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection, text

from pulse_backend.agent import deployed, links
from pulse_backend.agent.flow import previous_days
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.narrowing import NarrowedPeriod, narrowed
from pulse_backend.agent.toolkit import Compared, Period, ToolContext
from pulse_backend.analytics.summary import (
    change,
    executive_summary,
    recovery_change,
    unresolved,
)
from pulse_backend.analytics.trends import MetricFn
from pulse_backend.analytics.wording import (
    figure_words,
    fmt_count,
    fmt_sample,
    metric_name,
)
from pulse_backend.analytics_service import benchmarks
from pulse_common.analytics import dora
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import deployed_before, deployments_cte
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.results import DeploymentRef, IncidentRef, SummaryLine
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules, load_rules

TOP = 5


class MetricArgs(NarrowedPeriod, Compared):
    metric: Literal[
        "lead_time",
        "deployment_frequency",
        "change_failure_rate",
        "recovery_time",
        "mean_time_to_restore",
        "rework_rate",
    ] = Field(
        description="mean_time_to_restore: every incident detected in the period, detection "
        "to resolution (how many incidents there were); recovery_time: the incidents linked "
        "to the period's deployments, deployment to resolution; rework_rate: the share of "
        "deployments that were unplanned fixes (hotfix, rollback, a bug's PR); "
        "change_failure_rate also counts the failed deployments"
    )
    compare: bool = Field(
        False,
        description="also the period compared against (default: the previous of equal "
        "length) and whether the metric improved, worsened or is unchanged (as the DORA "
        "summary compares it)",
    )


# Each metric's figure, as the analytics API computes it.
FIGURES: dict[str, MetricFn] = {
    "lead_time": dora.lead_time,
    "deployment_frequency": dora.deployment_frequency,
    "change_failure_rate": dora.change_failure_rate,
    "recovery_time": dora.recovery_time,
    "mean_time_to_restore": dora.mttr,
    "rework_rate": dora.rework_rate,
}
# The deployments a rate counts in its numerator ("how many deployments
# failed?" asks this count, not the rate), by the figure's field.
_COUNTED = {"change_failure_rate": "failed_deployments", "rework_rate": "rework_deployments"}


def dora_summary(ctx: ToolContext, args: Period) -> ToolOutput:
    with ctx.read() as conn:
        s = executive_summary(conn, args.scope(), load_rules(conn), benchmarks(ctx.clients))
    lines = [summary_line_words(ln) for ln in s.lines]
    return ToolOutput(
        summary=f"DORA summary over {args.days} days",
        data={"lines": lines, "insights": list(s.insights)},
    )


def open_first(r: IncidentRef) -> tuple[bool, float]:
    """Longest recovery first: an incident still open (no hours yet) before
    any resolved one, then the resolved by hours, longest first."""
    return (r.hours is not None, -(r.hours or 0.0))


def summary_line_words(ln: SummaryLine) -> str:
    """One summary line for the model: the figure and the previous period's
    in words (a recovery time whose median is an open incident reads "still
    open" with the count, never "no data"), the open incidents beside a
    known median, and why the line has its level."""
    now = figure_words(ln.metric, ln.value, ln.unit, ln.sample_size, unresolved=ln.unresolved)
    before = figure_words(
        ln.metric,
        ln.previous_value,
        ln.unit,
        ln.previous_sample_size,
        unresolved=ln.previous_unresolved,
    )
    # "no_data" / "no_comparison" repeat "previous no data" and are ids, not words.
    verdict = "" if ln.change in ("no_data", "no_comparison") else ", " + ln.change
    return (
        f"{metric_name(ln.metric)}: {now} (level {ln.level or 'n/a'}, previous {before}{verdict})"
        f"{_open_words(ln)}. Why this level: {ln.level_reason}"
    )


def _open_words(ln: SummaryLine) -> str:
    """Incidents still open beside a known median, now and in the previous
    period (without a median, ``figure_words`` already counts them)."""
    parts = []
    if ln.value is not None and ln.unresolved:
        parts.append(f"{ln.unresolved:,} of {fmt_sample(ln.metric, ln.sample_size)} still open")
    if ln.previous_value is not None and ln.previous_unresolved:
        parts.append(
            f"previous period: {ln.previous_unresolved:,} of "
            f"{fmt_sample(ln.metric, ln.previous_sample_size)} still open"
        )
    return "".join(f"; {p}" for p in parts)


def dora_metric(ctx: ToolContext, args: MetricArgs) -> ToolOutput:
    """One metric with the rows behind it (slowest PRs, failed deployments,
    longest incidents) so an answer can say why."""
    with ctx.read() as conn:
        # A repository or author: the dashboards' filters of the same name.
        scope, words = narrowed(conn, args)
        scope = scope.model_copy(update={"drilldown_limit": 1000})
        rules, bench = load_rules(conn), benchmarks(ctx.clients)
        fig: Any = FIGURES[args.metric](conn, scope, rules, bench)
        if args.metric == "lead_time":
            worst = sorted(fig.drilldown, key=lambda r: -r.cycle_hours)[:TOP]
            items = [{"pr_id": r.id, "title": r.title, "hours": r.cycle_hours} for r in worst]
            cites = links.cite(conn, "pr", [r.id for r in worst])
        elif args.metric in ("recovery_time", "mean_time_to_restore"):
            # Still open (no hours yet) is the longest, never the shortest.
            worst = sorted(fig.drilldown, key=open_first)[:TOP]
            items = [{"incident_id": r.id, "title": r.title, "hours": r.hours} for r in worst]
            cites = links.cite(conn, "incident", [r.id for r in worst])
        else:
            # The deployments behind the rate: failed ones, rework (with
            # why it is rework); for the frequency the latest (the
            # drill-down is oldest first, and a page of a busy month's).
            picked = (
                deployed.latest(conn, scope, rules, TOP)
                if args.metric == "deployment_frequency"
                else [r for r in fig.drilldown if _behind(args.metric, r)][:TOP]
            )
            items = [
                {
                    "deployment_id": r.id,
                    "finished_at": r.finished_at.isoformat(),
                    "failed": getattr(r, "failed", False),
                    "rework": list(getattr(r, "rework_reasons", ())),
                }
                for r in picked
            ]
            cites = links.cite(conn, "deployment", [r.id for r in picked])
        compared = _compared(conn, args, scope, rules, bench, fig.value) if args.compare else {}
    # In words as the dashboard shows it, for the step line, local mode and
    # the model alike (a bare 0.00 beside cited deployments reads as wrong).
    open_ = unresolved(fig)
    figure = figure_words(args.metric, fig.value, fig.unit, fig.sample_size, unresolved=open_)
    period = f" over {args.days} days"
    return ToolOutput(
        summary=f"{metric_name(args.metric)}{words}: "
        + figure_words(args.metric, fig.value, fig.unit, fig.sample_size, period, open_)
        + (f" ({compared['previous_words']}: {compared['previous']})" if compared else ""),
        data={
            "metric": args.metric,
            "narrowed": words,
            "value": fig.value,
            "unit": fig.unit,
            "figure": figure,
            "sample_size": fig.sample_size,
            "level": fig.level,
            "items": items,
            # Recovery: how many of the sample's incidents are still open.
            "unresolved": open_,
            # A rate's deployments counted: failed, rework.
            "counted": _counted(args.metric, fig),
            **compared,
        },
        citations=cites,
    )


def _behind(metric: str, deployment: DeploymentRef) -> bool:
    if metric == "rework_rate":
        return bool(deployment.rework_reasons)
    return deployment.failed


def _counted(metric: str, fig: Any) -> int | None:
    field = _COUNTED.get(metric)
    return None if field is None else int(getattr(fig, field))


def _compared(
    conn: Connection,
    args: MetricArgs,
    scope: Scope,
    rules: DoraRules,
    bench: Benchmarks,
    now: float | None,
) -> dict[str, Any]:
    """The figure of the period compared against (the previous one unless
    the arguments name another) and the verdict, as the DORA summary
    words them (``summary.change``: only deployment frequency is better
    higher, so the agent's metric names judge as the summary's do)."""
    lean = args.against_scope(scope).model_copy(update={"drilldown_limit": 0})
    old = FIGURES[args.metric](conn, lean, rules, bench)
    if old.sample_size == 0 and not deployed_before(conn, lean, rules, lean.end):
        # Before the data loaded (the summary's rule): its "0 / week" is no
        # figure to compare with.
        return {
            "previous_words": previous_days(args).words(),
            "previous_value": None,
            "previous": "no earlier data (nothing in this scope was deployed before it ended)",
            "change": "no_comparison",
        }
    return {
        "previous_words": previous_days(args).words(),
        "previous_value": old.value,
        "previous": figure_words(
            args.metric, old.value, old.unit, old.sample_size, unresolved=unresolved(old)
        ),
        "previous_sample_size": old.sample_size,
        "previous_counted": _counted(args.metric, old),
        # A period before this one whose median was an open incident is
        # "improved" against a median now, as in the summary.
        "change": recovery_change(args.metric, now, old.value, unresolved(old))
        if lean.end <= scope.start
        else change(args.metric, now, old.value),
    }


_BY_REPOSITORY = text(
    "SELECT r.id, r.full_name, count(DISTINCT n.id) AS incidents, "
    "(array_agg(n.id ORDER BY n.detected_at DESC))[1:3] AS recent "
    "FROM incidents n "
    "LEFT JOIN incidents_deployments x ON x.incident_id = n.id "
    "LEFT JOIN deployments d ON d.id = COALESCE(x.deployment_id, n.deployment_id) "
    "JOIN repositories r ON r.id = COALESCE(n.repository_id, d.repository_id) "
    "WHERE n.detected_at >= :start AND n.detected_at < :end "
    "GROUP BY r.id, r.full_name ORDER BY incidents DESC, r.full_name LIMIT :limit"
)


def incidents_by_repository(ctx: ToolContext, args: Period) -> ToolOutput:
    scope = args.scope()
    with ctx.read() as conn:
        rows = list(
            conn.execute(_BY_REPOSITORY, {"start": scope.start, "end": scope.end, "limit": TOP})
        )
        cites = links.cite(conn, "repository", [r.id for r in rows])
        cites += links.cite(conn, "incident", [i for r in rows for i in r.recent])
    data = [{"repository": r.full_name, "incidents": r.incidents} for r in rows]
    top = (
        f"most in {rows[0].full_name}: {fmt_count(rows[0].incidents, 'incident', 'incidents')}"
        if rows
        else "none linked to a repository"
    )
    return ToolOutput(
        summary=f"incidents by repository over {args.days} days, {top}",
        data=data,
        citations=cites,
    )


# The deployments deployment frequency counts (``deployments_cte``: its
# environments and rules), per repository, with each one's three latest.
# Most first: the repositories that deployed; least first: every
# repository, those that did not deploy at all first.
_DEPLOYED = """
WITH {deployments}
SELECT r.id, r.full_name, count(d.id) AS deployments,
       (array_remove(array_agg(d.id ORDER BY d.finished_at DESC, d.id DESC), NULL))[1:3]
         AS recent
FROM repositories r {join} d ON r.id = d.repository_id
GROUP BY r.id, r.full_name ORDER BY deployments {order}, r.full_name LIMIT :top
"""
_ORDERS = {"most": ("JOIN", "DESC"), "least": ("LEFT JOIN", "ASC")}


class RankedArgs(Period):
    order: Literal["most", "least"] = Field(
        "most",
        description="most: the repositories that deployed most, most first; least: every "
        "repository, fewest deployments first (none at all included)",
    )


def deployments_by_repository(ctx: ToolContext, args: RankedArgs) -> ToolOutput:
    """The repositories that deployed most (or least), each with its
    deployment frequency as the dashboard shows it filtered to that
    repository."""
    scope = args.scope()
    join, order = _ORDERS[args.order]
    with ctx.read() as conn:
        rules, bench = load_rules(conn), benchmarks(ctx.clients)
        cte, params = deployments_cte(conn, scope, rules)
        statement = _DEPLOYED.format(deployments=cte, join=join, order=order)
        rows = q.rows(conn, statement, {**params, "top": TOP})
        data = []
        for r in rows:
            one = scope.model_copy(update={"repository_ids": (r.id,)})
            fig = dora.deployment_frequency(conn, one, rules, bench)
            data.append(
                {
                    "repository": r.full_name,
                    "deployments": fig.sample_size,
                    "figure": figure_words(
                        "deployment_frequency", fig.value, fig.unit, fig.sample_size
                    ),
                }
            )
        cites = links.cite(conn, "repository", [r.id for r in rows])
        cites += links.cite(conn, "deployment", [i for r in rows for i in r.recent])
    top = (
        f"{args.order} in {data[0]['repository']}: {data[0]['figure']}" if data else "no deployment"
    )
    return ToolOutput(
        summary=f"deployments by repository over {args.days} days, {top}",
        data={"order": args.order, "repositories": data},
        citations=cites,
    )
