"""The analytics API's service layer: query parameters → ``Scope``, the
benchmark bands, and each figure computed on the tenant's read transaction
(the replica) behind the response cache keyed by the tenant's data version.

The bands are reference data in the control schema (``pulse.dora_market_
benchmarks``), which the tenant's login role cannot read: they are loaded
with the backend's own role, outside any tenant transaction, and kept per
process for ``BANDS_TTL_SECONDS`` (they change only with a migration).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import sqlalchemy.exc
from fastapi import Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Connection, Engine
from starlette.background import BackgroundTask

from pulse_backend import response_cache
from pulse_backend.analytics.insights import InsightsPage, read_insights
from pulse_backend.analytics.insights import store_insights as store_rows
from pulse_backend.analytics.summary import summarize
from pulse_backend.analytics.trends import Granularity
from pulse_backend.context import Principal
from pulse_backend.errors import FieldInvalid
from pulse_backend.params import Text, aware
from pulse_backend.state import AppClients
from pulse_common.analytics.common import OPENING, analytics_transaction
from pulse_common.analytics.levels import Benchmarks, load_benchmarks
from pulse_common.analytics.raw_pages import passing_pages, splice
from pulse_common.analytics.results import ExecutiveSummary
from pulse_common.analytics.scope import MAX_RANGE, ReportYear, Scope, Zone
from pulse_common.dora.settings import REPORT_YEARS, DoraRules, load_rules
from pulse_common.errors import BackendUnavailable

T = TypeVar("T")
BANDS_TTL_SECONDS = 600.0
DEFAULT_SPAN = dt.timedelta(days=90)
# A trend computes every metric once per point and again for the previous
# period: weekly points are limited to about a year.
MAX_WEEKLY_SPAN = dt.timedelta(days=371)

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Author = Annotated[Text, StringConstraints(min_length=1, max_length=255)]


class AnalyticsQuery(BaseModel):
    """The query parameters every analytics read takes. Without ``end`` the
    range ends at the next UTC midnight (stable between two refreshes, so the
    cache key is too); without ``start`` it spans 90 days."""

    model_config = ConfigDict(frozen=True)

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    timezone: Zone = Field("UTC", min_length=1, max_length=64)
    project: list[Id] = Field(default_factory=list, max_length=100)
    repository: list[Id] = Field(default_factory=list, max_length=500)
    environment: Text | None = Field(None, min_length=1, max_length=50)
    author: list[Author] = Field(default_factory=list, max_length=500)
    # An int checked by ReportYear: a query string never matches an int Literal.
    report_year: ReportYear = Field(None, json_schema_extra={"enum": list(REPORT_YEARS)})
    limit: int = Field(
        100, ge=0, le=1000, description="rows per page (a drill-down, the stored insights)"
    )
    offset: int = Field(0, ge=0, le=1_000_000, description="first row of the page")


class StoredInsights(BaseModel):
    """What ``POST /analytics/insights`` wrote to ``dora_metric_insights``."""

    stored: int
    summary: ExecutiveSummary


def store_insights(
    clients: AppClients, principal: Principal, conn: Connection, scope: Scope
) -> StoredInsights:
    """Computes the executive summary on the primary (the transaction that
    writes) and stores its rule-based insights in place of the ones stored
    before for the same filters and range."""
    found = summarize(conn, scope, load_rules(conn), benchmarks(clients))
    stored = store_rows(conn, principal.tenant_id, scope, found)
    return StoredInsights(stored=stored, summary=found.summary)


def stored_insights(conn: Connection, q: AnalyticsQuery) -> InsightsPage:
    """The insights stored for the query's filters, ``limit``/``offset``
    paging them. Without ``start`` and ``end`` every period; with either,
    the periods inside the range (``to_scope``'s, defaults included)."""
    scope = to_scope(q)
    within = q.start is not None or q.end is not None
    return read_insights(conn, scope, within=within, limit=q.limit, offset=q.offset)


class TrendMetric(StrEnum):
    deployment_frequency = "deployment_frequency"
    lead_time_for_changes = "lead_time_for_changes"
    change_failure_rate = "change_failure_rate"
    failed_deployment_recovery_time = "failed_deployment_recovery_time"
    mean_time_to_restore = "mean_time_to_restore"
    rework_rate = "rework_rate"


def to_scope(q: AnalyticsQuery, *, max_span: dt.timedelta = MAX_RANGE) -> Scope:
    """The ``Scope`` of a request; a bad range is a 422 naming its field."""
    midnight = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = aware("end", q.end) or midnight + dt.timedelta(days=1)
    try:
        start = aware("start", q.start) or end - DEFAULT_SPAN
    except OverflowError:
        raise FieldInvalid("end", "too early for the default start (90 days before)") from None
    if start >= end:
        raise FieldInvalid("end", "must be after start")
    if end - start > max_span:
        raise FieldInvalid("start", f"the range may span at most {max_span.days} days")
    return Scope(
        start=start,
        end=end,
        timezone=q.timezone,
        project_ids=tuple(q.project),
        repository_ids=tuple(q.repository),
        environment=q.environment,
        authors=tuple(q.author),
        report_year=q.report_year,
        drilldown_limit=q.limit,
        drilldown_offset=q.offset,
    )


def trend_scope(q: AnalyticsQuery, granularity: Granularity) -> Scope:
    """A trend's scope: weekly points span at most ``MAX_WEEKLY_SPAN``."""
    return to_scope(q, max_span=MAX_WEEKLY_SPAN if granularity is Granularity.week else MAX_RANGE)


_bands: weakref.WeakKeyDictionary[Engine, tuple[float, Benchmarks]] = weakref.WeakKeyDictionary()
_bands_lock = threading.Lock()


def _load(engine: Engine) -> Benchmarks:
    with engine.connect() as conn:
        try:
            return load_benchmarks(conn)
        finally:
            conn.rollback()


def benchmarks(clients: AppClients) -> Benchmarks:
    """The bands, read as the backend's own role (replica first)."""
    engine = clients.engines.replica
    with _bands_lock:
        hit = _bands.get(engine)
    if hit is not None and time.monotonic() - hit[0] < BANDS_TTL_SECONDS:
        return hit[1]
    try:
        bench = _load(engine)
    except sqlalchemy.exc.OperationalError:
        try:
            bench = _load(clients.replica.fallback("replica_unreachable"))
        except sqlalchemy.exc.OperationalError:
            raise BackendUnavailable("postgresql", "cannot connect") from None
    with _bands_lock:
        _bands[engine] = (time.monotonic(), bench)
    return bench


Compute = Callable[[Connection, Scope, DoraRules, Benchmarks], T]


def cache_params(route: str, scope: Scope, **extra: str) -> tuple[str, dict[str, Any]]:
    """The response cache's route name and parameters of a figure: the one
    definition of its cache key, shared by ``read`` and the fast path
    (``routes.analytics_fast``), so a hit there is what ``read`` would find."""
    return f"analytics.{route}", {**scope.model_dump(mode="json"), **extra}


async def read(
    clients: AppClients,
    principal: Principal,
    route: str,
    scope: Scope,
    model: type[T],
    compute: Compute[T],
    **extra: str,
) -> Response:
    """``compute`` on the tenant's read transaction with the tenant's DORA
    rules, or its cached result for the same scope and data version: the
    JSON of ``model`` (the route declares it as its response model). A hit
    is answered on the event loop with the stored bytes; only a miss goes
    to the thread pool (the database work is blocking)."""
    key_route, params = cache_params(route, scope, **extra)
    key, hit = await response_cache.lookup_async(clients, principal, key_route, params)
    if hit is not None:
        return response_cache.json_response(hit.encode(), "hit")
    return await miss(clients, principal, key, scope, model, compute)


async def miss(
    clients: AppClients,
    principal: Principal,
    key: str | None,
    scope: Scope,
    model: type[T],
    compute: Compute[T],
) -> Response:
    """``read``'s answer when the cache has none: computed in the thread
    pool, stored under ``key`` (None: Redis is down) once it is sent. A miss
    of a key already being computed waits for that body (``flights``)."""

    async def run() -> bytes:
        return await run_in_threadpool(_miss, clients, principal, scope, model, compute)

    if key is None:
        return response_cache.json_response(await run(), "miss")
    body, led = await clients.flights.run(key, run)
    if not led:
        clients.metrics.joined.inc()
        return response_cache.json_response(body, "miss")
    ttl = response_cache.DEFAULT_TTL_SECONDS
    then = BackgroundTask(response_cache.store, clients, key, body, ttl)
    return response_cache.json_response(body, "miss", then)


def _miss(
    clients: AppClients, principal: Principal, scope: Scope, model: Any, compute: Compute[T]
) -> bytes:
    # The bands before the tenant's transaction: never two connections at once.
    bench = benchmarks(clients)
    adapter = response_cache.type_adapter(model)
    # The drill-down pages go into the body as the statements wrote them.
    with passing_pages() as pages:
        _, body = response_cache.compute_body(
            clients,
            principal,
            lambda conn, opened: _compute(conn, opened, scope, bench, compute),
            lambda v: adapter.dump_json(v, by_alias=True),
            OPENING,
        )
    return splice(body, pages)


def _compute(
    conn: Connection, opened: Any, scope: Scope, bench: Benchmarks, compute: Compute[T]
) -> T:
    with analytics_transaction(conn, opened) as rules:
        return compute(conn, scope, rules, bench)
