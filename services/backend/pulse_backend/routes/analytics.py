"""/api/v1/analytics: DORA figures with their drill-downs, trends, the
executive summary, engineering and work-item flow. Every read runs on the
replica as the caller's tenant and is cached per data version
(``analytics_service.read``); definitions are in docs/metrics.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection

from pulse_backend import analytics_service as svc
from pulse_backend import dora_settings_service as dora_settings
from pulse_backend.analytics.insights import InsightsPage
from pulse_backend.analytics.summary import executive_summary
from pulse_backend.analytics.trends import Granularity, trend
from pulse_backend.analytics.work_items import WorkItemFlow, work_item_flow
from pulse_backend.analytics_service import AnalyticsQuery, Author, StoredInsights, TrendMetric
from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn, WriteConn
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import Clients
from pulse_common.analytics import dora
from pulse_common.analytics.engineering import Engineering, engineering
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.results import (
    ChangeFailureRate,
    DeploymentFrequency,
    ExecutiveSummary,
    LeadTime,
    RecoveryTime,
    ReworkRate,
    Trend,
)
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules

router = APIRouter(prefix="/analytics", tags=["analytics"], route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("analytics:read")]
Writer = Annotated[Principal, require("analytics:write")]
SettingsWriter = Annotated[Principal, require("settings:write")]
Params = Annotated[AnalyticsQuery, Query()]
# The GETs whose answer is ``svc.read``'s for the common parameters alone,
# with their response model and computation (the fast path,
# ``routes.analytics_fast``, answers them without FastAPI's routing).
SCOPED: dict[str, tuple[type[Any], svc.Compute[Any]]] = {}


def _flow(fn: Callable[[Connection, Scope], Any]) -> svc.Compute[Any]:
    """Engineering and work-item flow need neither the DORA rules nor the bands."""

    def compute(conn: Connection, scope: Scope, _rules: DoraRules, _bench: Benchmarks) -> Any:
        return fn(conn, scope)

    return compute


def _scoped_route(path: str, model: type[Any], fn: svc.Compute[Any], doc: str) -> None:
    """A GET that takes the common parameters and returns ``fn``'s result;
    a DORA figure comes with one page of its drill-down (``limit``/``offset``)."""

    # Async: a cached answer is served without a thread-pool hop (svc.read).
    async def endpoint(clients: Clients, principal: Reader, params: Params) -> Response:
        scope = svc.to_scope(params)
        return await svc.read(clients, principal, path, scope, model, fn)

    endpoint.__name__ = path.replace("-", "_")
    SCOPED[path] = (model, fn)
    router.add_api_route(f"/{path}", endpoint, methods=["GET"], response_model=model, summary=doc)


_scoped_route(
    "summary",
    ExecutiveSummary,
    executive_summary,
    "The four keys and the rework rate with levels, against the previous period",
)
_scoped_route(
    "deployment-frequency", DeploymentFrequency, dora.deployment_frequency, "Deployment frequency"
)
_scoped_route("lead-time", LeadTime, dora.lead_time, "Lead time for changes")
_scoped_route(
    "change-failure-rate", ChangeFailureRate, dora.change_failure_rate, "Change failure rate"
)
_scoped_route("recovery-time", RecoveryTime, dora.recovery_time, "Failed deployment recovery time")
_scoped_route("mean-time-to-restore", RecoveryTime, dora.mttr, "Mean time to restore (older MTTR)")
_scoped_route("rework-rate", ReworkRate, dora.rework_rate, "Rework rate (2024)")
_scoped_route(
    "engineering",
    Engineering,
    _flow(engineering),
    "Merged PRs: throughput, cycle breakdown, review load, size distribution",
)


def work_items_compute(assignee: str | None) -> svc.Compute[WorkItemFlow]:
    """What ``GET /work-items`` computes for one assignee (None: everyone's)."""

    def compute(conn: Connection, s: Scope, _rules: DoraRules, _bench: Benchmarks) -> WorkItemFlow:
        return work_item_flow(conn, s, assignee)

    return compute


# The fast path answers only the requests without an assignee (a parameter
# the common ones lack): the route below answers the others.
SCOPED["work-items"] = (WorkItemFlow, work_items_compute(None))


@router.get(
    "/work-items",
    response_model=WorkItemFlow,
    summary="Work items: throughput, lead and cycle time, WIP and ageing",
)
async def work_items(
    clients: Clients,
    principal: Reader,
    params: Params,
    assignee: Annotated[
        Author | None, Query(description="one assignee's work items (a Jira display name)")
    ] = None,
) -> Response:
    """The flow of the work items in scope, or only of ``assignee``'s."""
    scope = svc.to_scope(params)
    # Without an assignee the cache key is the fast path's (no extra).
    extra = {} if assignee is None else {"assignee": assignee}
    compute = work_items_compute(assignee)
    return await svc.read(clients, principal, "work-items", scope, WorkItemFlow, compute, **extra)


@router.get("/trends", response_model=Trend)
async def trends(
    clients: Clients,
    principal: Reader,
    params: Params,
    metric: TrendMetric,
    granularity: Granularity = Granularity.week,
) -> Response:
    """One metric per calendar week or month, each point with its level, and
    the previous period's points."""
    scope = svc.trend_scope(params, granularity)
    return await svc.read(
        clients,
        principal,
        "trends",
        scope,
        Trend,
        trend_compute(metric, granularity),
        metric=metric.value,
        granularity=granularity.value,
    )


def trend_compute(metric: TrendMetric, granularity: Granularity) -> svc.Compute[Trend]:
    """What ``GET /trends`` computes for ``metric`` per ``granularity``."""

    def compute(conn: Connection, s: Scope, rules: DoraRules, bench: Benchmarks) -> Trend:
        return trend(conn, s, rules, bench, metric.value, granularity)

    return compute


@router.post("/insights", status_code=201)
def store_insights(
    clients: Clients, principal: Writer, conn: WriteConn, params: Params
) -> StoredInsights:
    """Generates the executive summary's rule-based insights for the range and
    stores them in ``dora_metric_insights`` (``generated_by = rules``)."""
    return svc.store_insights(clients, principal, conn, svc.to_scope(params))


@router.get("/insights")
def stored_insights(conn: ReadConn, _: Reader, params: Params) -> InsightsPage:
    """The insights stored for these filters (``POST /insights``), newest
    period first; ``limit``/``offset`` page them. With ``start`` or ``end``
    only the periods inside the range, without either every period."""
    return svc.stored_insights(conn, params)


@router.get("/settings")
def get_dora_settings(conn: ReadConn, _: Reader) -> dora_settings.DoraSettingsOut:
    """The tenant's DORA rules (defaults when none were set)."""
    return dora_settings.read(conn)


@router.put("/settings")
def put_dora_settings(
    body: dora_settings.DoraSettingsIn, clients: Clients, principal: SettingsWriter
) -> dora_settings.DoraSettingsOut:
    """Replaces the rules (admins), relinks deployments, PRs and incidents
    under them and invalidates every cached figure."""
    return dora_settings.replace(clients, principal, body)
