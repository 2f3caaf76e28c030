"""The tools the agent may call. Each parses its arguments with a pydantic
model (a bad argument is an ``InvalidInput`` the model sees and can fix),
reads on the tenant's read transaction (the replica), and returns a
``ToolOutput`` with the citations of the rows it used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, text

from pulse_backend.agent import links, open_incidents, reviews
from pulse_backend.agent.models import Citation, CitationType, ToolOutput
from pulse_backend.agent.sql_tool import run_sql
from pulse_backend.analytics.summary import executive_summary
from pulse_backend.analytics.wording import figure_words, fmt_count, fmt_value, metric_name
from pulse_backend.analytics_service import benchmarks
from pulse_backend.context import Principal
from pulse_backend.search.schemas import SearchParams, SearchResponse
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction
from pulse_common.ai import ToolSpec
from pulse_common.analytics import dora
from pulse_common.analytics.scope import MAX_RANGE, Scope
from pulse_common.dora.settings import load_rules
from pulse_common.errors import InvalidInput, NotFound

TOP = 5


class SearchUnavailable(InvalidInput):
    code = "search_unavailable"


@dataclass(frozen=True)
class ToolContext:
    clients: AppClients
    principal: Principal
    # The search service bound to the app's embedder and vector store.
    search: Callable[[SearchParams], SearchResponse] | None = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        p = self.principal
        with read_transaction(self.clients.replica, p.names, p.session_id, p.pending_lsn) as c:
            yield c


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Args):
    # As long as the analytics API allows (the assistant answers for "since
    # January 2025" what the dashboards show for it).
    days: int = Field(90, ge=1, le=MAX_RANGE.days, description="length of the period in days")
    end: dt.date | None = Field(None, description="last day of the period (default: today)")

    def scope(self, limit: int = 0) -> Scope:
        end_day = self.end or dt.datetime.now(dt.UTC).date()
        end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), dt.UTC)
        return Scope(start=end - dt.timedelta(days=self.days), end=end, drilldown_limit=limit)


class MetricArgs(Period):
    metric: Literal["lead_time", "deployment_frequency", "change_failure_rate", "recovery_time"]


class SearchArgs(_Args):
    query: str = Field(min_length=1, max_length=500)
    limit: int = Field(5, ge=1, le=20)


class IdArgs(_Args):
    id: int = Field(ge=1, le=2**63 - 1)


class KeyArgs(_Args):
    key: str = Field(min_length=1, max_length=60)


class SqlArgs(_Args):
    sql: str = Field(min_length=1, max_length=4000)


def dora_summary(ctx: ToolContext, args: Period) -> ToolOutput:
    with ctx.read() as conn:
        s = executive_summary(conn, args.scope(), load_rules(conn), benchmarks(ctx.clients))
    lines = [
        f"{metric_name(ln.metric)}: {figure_words(ln.metric, ln.value, ln.unit, ln.sample_size)} "
        f"(level {ln.level or 'n/a'}, previous {fmt_value(ln.previous_value, ln.unit)}"
        # "no_data" repeats "previous no data" and is an id, not a word.
        f"{'' if ln.change == 'no_data' else ', ' + ln.change})"
        for ln in s.lines
    ]
    return ToolOutput(
        summary=f"DORA summary over {args.days} days",
        data={"lines": lines, "insights": list(s.insights)},
    )


def dora_metric(ctx: ToolContext, args: MetricArgs) -> ToolOutput:
    """One metric with the rows behind it (slowest PRs, failed deployments,
    longest incidents) so an answer can say why."""
    scope = args.scope(limit=1000)
    with ctx.read() as conn:
        rules, bench = load_rules(conn), benchmarks(ctx.clients)
        fig: Any
        if args.metric == "lead_time":
            fig = dora.lead_time(conn, scope, rules, bench)
            worst = sorted(fig.drilldown, key=lambda r: -r.cycle_hours)[:TOP]
            items = [{"pr_id": r.id, "title": r.title, "hours": r.cycle_hours} for r in worst]
            cites = links.cite(conn, "pr", [r.id for r in worst])
        elif args.metric == "recovery_time":
            fig = dora.recovery_time(conn, scope, rules, bench)
            worst = sorted(fig.drilldown, key=lambda r: -(r.hours or 0.0))[:TOP]
            items = [{"incident_id": r.id, "title": r.title, "hours": r.hours} for r in worst]
            cites = links.cite(conn, "incident", [r.id for r in worst])
        else:
            fn = dora.deployment_frequency if args.metric == "deployment_frequency" else None
            fig = (fn or dora.change_failure_rate)(conn, scope, rules, bench)
            picked = [r for r in fig.drilldown if r.failed or fn is not None][:TOP]
            items = [{"deployment_id": r.id, "failed": r.failed} for r in picked]
            cites = links.cite(conn, "deployment", [r.id for r in picked])
    # In words as the dashboard shows it, for the step line, local mode and
    # the model alike (a bare 0.00 beside cited deployments reads as wrong).
    figure = figure_words(args.metric, fig.value, fig.unit, fig.sample_size)
    period = f" over {args.days} days"
    return ToolOutput(
        summary=f"{metric_name(args.metric)}: "
        + figure_words(args.metric, fig.value, fig.unit, fig.sample_size, period),
        data={
            "metric": args.metric,
            "value": fig.value,
            "unit": fig.unit,
            "figure": figure,
            "sample_size": fig.sample_size,
            "level": fig.level,
            "items": items,
        },
        citations=cites,
    )


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


_CITED_AS: dict[str, CitationType] = {
    "pull_request": "pr",
    "work_item": "work_item",
    "incident": "incident",
}


def search(ctx: ToolContext, args: SearchArgs) -> ToolOutput:
    """The search service (semantic, or its full-text fallback)."""
    if ctx.search is None:
        raise SearchUnavailable("search is not available here")
    found = ctx.search(SearchParams(q=args.query, limit=args.limit))
    cites = [
        Citation(type=_CITED_AS[h.type.value], id=h.id, title=h.title, url=h.url)
        for h in found.results
    ]
    data = [
        {
            "type": h.type.value,
            "id": h.id,
            "title": h.title,
            "snippet": h.snippet,
            # "words": under the relevance cut-off, kept for holding the query's words.
            "matched_by": h.matched_by.value,
        }
        for h in found.results
    ]
    return ToolOutput(
        summary=f"{len(cites)} {found.mode.value} results for {args.query!r}",
        data=data,
        citations=cites,
    )


def _details(ctx: ToolContext, kind: str, sql: str, key: Any, label: str) -> ToolOutput:
    with ctx.read() as conn:
        row = conn.execute(text(sql), {"k": key}).mappings().first()
        if row is None:
            raise NotFound(f"no {label} {key}")
        cites = links.cite(conn, kind, [int(row["id"])])
    data = {k: (v if isinstance(v, int | float | str | None) else str(v)) for k, v in row.items()}
    return ToolOutput(summary=f"{label} {key}", data=data, citations=cites)


def pr_details(ctx: ToolContext, args: IdArgs) -> ToolOutput:
    sql = (
        "SELECT p.id, r.full_name AS repository, p.number, p.title, p.author, p.state, "
        "p.created, p.merged_at, p.additions, p.deletions, p.is_hotfix, p.is_revert "
        "FROM prs p JOIN repositories r ON r.id = p.repository_id WHERE p.id = :k"
    )
    return _details(ctx, "pr", sql, args.id, "pull request")


def work_item_details(ctx: ToolContext, args: KeyArgs) -> ToolOutput:
    sql = (
        "SELECT id, key, summary, priority, assignee, created, resolved_at "
        "FROM work_items WHERE key = :k"
    )
    return _details(ctx, "work_item", sql, args.key, "work item")


def incident_details(ctx: ToolContext, args: IdArgs) -> ToolOutput:
    sql = (
        "SELECT n.id, n.external_id, n.title, n.severity, n.status, n.detected_at, "
        "n.resolved_at, r.full_name AS repository FROM incidents n "
        "LEFT JOIN repositories r ON r.id = n.repository_id WHERE n.id = :k"
    )
    return _details(ctx, "incident", sql, args.id, "incident")


def sql_query(ctx: ToolContext, args: SqlArgs) -> ToolOutput:
    result = run_sql(ctx.clients, ctx.principal, args.sql)
    more = " (truncated)" if result.truncated else ""
    return ToolOutput(summary=f"{len(result.rows)} rows{more}", data=result.model_dump())


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[_Args]
    fn: Callable[[ToolContext, Any], ToolOutput]

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=self.name, description=self.description, parameters=self.args.model_json_schema()
        )

    def run(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutput:
        try:
            parsed = self.args.model_validate(arguments)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "arguments"
            raise InvalidInput(f"{self.name}: {field}: {first['msg']}") from None
        return self.fn(ctx, parsed)


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool(
            "dora_summary",
            "DORA metrics of a period with the previous period",
            Period,
            dora_summary,
        ),
        Tool(
            "dora_metric",
            "One DORA metric with the rows behind it (slowest PRs, failed deployments, "
            "longest incidents)",
            MetricArgs,
            dora_metric,
        ),
        Tool(
            "incidents_by_repository",
            "Repositories ranked by the incidents they caused in a period",
            Period,
            incidents_by_repository,
        ),
        Tool(
            "open_incidents",
            "Incidents detected in a period that are still unresolved, oldest first, with "
            "their age, severity, status and linked deployment",
            Period,
            open_incidents.open_incidents_tool,
        ),
        Tool(
            "slowest_reviews",
            "Merged PRs that took longest in review (first review by someone else to the "
            "merge) with their reviewers, and the median review time",
            Period,
            reviews.slowest_reviews_tool,
        ),
        Tool(
            "review_load",
            "Reviewers ranked by PRs reviewed, with their median first response",
            Period,
            reviews.review_load_tool,
        ),
        Tool("search", "Find PRs, work items and incidents by meaning", SearchArgs, search),
        Tool("pr_details", "One pull request by id", IdArgs, pr_details),
        Tool("work_item_details", "One work item by key (e.g. PAY-12)", KeyArgs, work_item_details),
        Tool("incident_details", "One incident by id", IdArgs, incident_details),
        Tool(
            "sql_query",
            "One read-only SELECT over the tables repositories, prs, deployments, incidents, "
            "work_items, projects and their link tables",
            SqlArgs,
            sql_query,
        ),
    )
}
