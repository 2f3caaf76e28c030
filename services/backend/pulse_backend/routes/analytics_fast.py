"""The fast path for analytics GETs: a pure-ASGI layer that answers before
FastAPI routes the request, resolves its dependencies and parses its query
model (most of a hit's cost through the normal route, and a fixed cost on
every miss).

It answers only when every step is certain, and then exactly as the route
would (the same status, body bytes and headers; the route's scope entries,
so the request metrics and access log see the same route):

- the path is one of the analytics GETs and the method GET;
- the query string holds only the route's parameters, each scalar at most
  once and not blank, and they validate with the route's own model and
  ``to_scope`` into the cache key ``svc.read`` would use (``cache_params``);
- the Bearer token passes ``context.admit_with``: the same checks as every
  route (signature, tenant state, live session, rate limits), from Redis
  alone, then ``authorize`` for ``analytics:read``;
- Redis answered, in the preflight's round trip, whether the entry exists
  under the tenant's current data version
  (``response_cache.queue_versioned_get``): a hit is the stored bytes, a
  miss is computed by the route's own ``svc.miss`` with the route's model
  and computation (``SCOPED``, ``trend_compute``) and stored under the key
  the route would have used.

Anything else goes to the route, which answers as it always does (422 for
a bad parameter, 401/403/429 for a refusal). What the preflight already
did travels with the request (``context.carrying``): the route resumes
from it, so a request is counted once against the rate limits however it
is answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_origin

import sqlalchemy.exc
import structlog
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from starlette._utils import get_route_path
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pulse_backend import analytics_service as svc
from pulse_backend import response_cache
from pulse_backend.analytics.trends import Granularity
from pulse_backend.analytics_service import AnalyticsQuery, TrendMetric
from pulse_backend.context import Admission, Principal, admit_with, authorize, carrying
from pulse_backend.replica_conflicts import answer_on_primary_once
from pulse_backend.routes.analytics import SCOPED, router, trend_compute
from pulse_backend.state import AppClients
from pulse_common.analytics.results import Trend
from pulse_common.analytics.scope import Scope as AnalyticsScope
from pulse_common.errors import PulseError

API = "/api/v1"
PREFIX = API + "/analytics/"
PERMISSION = "analytics:read"
CACHE_NAME = "analytics_fast_path"
_LISTS = frozenset(
    name for name, f in AnalyticsQuery.model_fields.items() if get_origin(f.annotation) is list
)
_SCALARS = frozenset(AnalyticsQuery.model_fields) - _LISTS
_TREND_ONLY = frozenset({"metric", "granularity"})


class _Doubt(Exception):
    """The request is not certainly a plain one: the route decides."""


def _fields(query: QueryParams, scalars: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in query.multi_items():
        if name in _LISTS:
            out.setdefault(name, []).append(value)
        elif name in scalars and name not in out and value:
            out[name] = value
        else:
            raise _Doubt(name)
    return out


def _common(fields: dict[str, Any]) -> AnalyticsQuery:
    return AnalyticsQuery.model_validate({k: v for k, v in fields.items() if k not in _TREND_ONLY})


@dataclass(frozen=True)
class _Plan:
    """What the route would read and compute for a request: its cache entry
    (``svc.cache_params``), its scope, response model and computation."""

    route: str
    params: dict[str, Any]
    scope: AnalyticsScope
    model: type[Any]
    compute: svc.Compute[Any]


def _scoped(path: str) -> Callable[[QueryParams], _Plan]:
    model, compute = SCOPED[path]

    def plan(query: QueryParams) -> _Plan:
        scope = svc.to_scope(_common(_fields(query, _SCALARS)))
        return _Plan(*svc.cache_params(path, scope), scope, model, compute)

    return plan


def _trends(query: QueryParams) -> _Plan:
    fields = _fields(query, _SCALARS | _TREND_ONLY)
    if "metric" not in fields:
        raise _Doubt("metric")
    metric = TrendMetric(fields["metric"])
    granularity = Granularity(fields.get("granularity", Granularity.week.value))
    scope = svc.trend_scope(_common(fields), granularity)
    route, params = svc.cache_params(
        "trends", scope, metric=metric.value, granularity=granularity.value
    )
    return _Plan(route, params, scope, Trend, trend_compute(metric, granularity))


KEYS: dict[str, Callable[[QueryParams], _Plan]] = {
    **{PREFIX + path: _scoped(path) for path in SCOPED},
    PREFIX + "trends": _trends,
}


# The routes' own objects, as routing leaves them in the scope (the request
# metrics and the access log name a request by its route).
ROUTES = {
    API + r.path: r
    for r in router.routes
    if isinstance(r, APIRoute) and API + r.path in KEYS and "GET" in (r.methods or ())
}


def _bearer(scope: Scope) -> str | None:
    """The token as HTTPBearer reads it (the first Authorization header)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, token = get_authorization_scheme_param(value.decode("latin-1"))
            return token if scheme.lower() == "bearer" and token else None
    return None


@dataclass
class _Outcome:
    admission: Admission | None = None
    body: str | None = None
    principal: Principal | None = None
    plan: _Plan | None = None
    # Redis answered that it holds no entry (an error is no answer).
    missed: bool = False


class AnalyticsFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key_of(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        clients = scope["app"].state.clients
        found = await _look_up(clients, scope, key)
        principal, plan = found.principal, found.plan
        if principal is None or plan is None or (found.body is None and not found.missed):
            clients.metrics.cache.labels(CACHE_NAME, "miss").inc()
            with carrying(found.admission):
                await self.app(scope, receive, send)
            return
        result = "miss" if found.body is None else "hit"
        clients.metrics.cache.labels("response", result).inc()
        clients.metrics.cache.labels(CACHE_NAME, result).inc()
        # What the route's dependencies and routing would have left behind.
        structlog.contextvars.bind_contextvars(tenant=principal.slug, user_id=principal.user_id)
        route = ROUTES[get_route_path(scope)]
        scope.update(route=route, endpoint=route.endpoint, path_params={})
        if found.body is not None:
            response = response_cache.json_response(found.body.encode(), "hit")
        else:
            response = await _miss(clients, scope, principal, plan)
        await response(scope, receive, send)

    def _key_of(self, scope: Scope) -> Callable[[QueryParams], _Plan] | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        return KEYS.get(get_route_path(scope))


async def _miss(clients: AppClients, scope: Scope, principal: Principal, plan: _Plan) -> Response:
    """The route's answer to a miss (``svc.miss``, stored under the key its
    lookup would have read), and its answer to a ``PulseError`` or a
    cancelled statement (the app's handler for it: this layer is outside
    FastAPI's exception middleware; any other error goes on to the
    server-error middleware, as the route's)."""
    version = principal.data_version or "0"
    key = response_cache.cache_key(principal.slug, plan.route, version, plan.params)
    try:
        return await answer_on_primary_once(
            clients.metrics,
            lambda: svc.miss(clients, principal, key, plan.scope, plan.model, plan.compute),
        )
    except (PulseError, sqlalchemy.exc.OperationalError) as exc:
        handlers = scope["app"].exception_handlers
        handler = next(handlers[c] for c in type(exc).__mro__ if c in handlers)
        answer: Response = await handler(Request(scope), exc)
        return answer


async def _look_up(
    clients: AppClients, scope: Scope, key: Callable[[QueryParams], _Plan]
) -> _Outcome:
    token = _bearer(scope)
    if token is None:
        return _Outcome()
    try:
        plan = key(QueryParams(scope["query_string"]))
    except Exception:
        # Whatever cannot be parsed or validated here, the route answers.
        return _Outcome()
    try:
        admission, extra = await admit_with(
            clients,
            token,
            lambda pipe, names: response_cache.queue_versioned_get(
                pipe, names, plan.route, plan.params
            ),
        )
    except PulseError:
        # A bad token: nothing was counted, the route says why.
        return _Outcome()
    principal = admission.outcome
    if not isinstance(principal, Principal):
        return _Outcome(admission)
    try:
        authorize(principal, PERMISSION)
    except PulseError:
        return _Outcome(admission)
    hit = extra[0] if extra else None
    if isinstance(hit, str):
        return _Outcome(admission, hit, principal, plan)
    # None: Redis answered that it holds no entry (an error is no answer).
    return _Outcome(admission, None, principal, plan, hit is None and bool(extra))
