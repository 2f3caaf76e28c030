"""The app factory: ``uvicorn --factory pulse_backend.app:create_app``.

Clients (PostgreSQL engines, Redis, the signing keys) are created once in
the lifespan and kept in ``app.state.clients``; nothing connects at import.
Feature routers live in ``pulse_backend.routes`` and are mounted under
/api/v1 by ``API_ROUTERS``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, Depends, FastAPI

from pulse_backend import errors
from pulse_backend import logging as backend_logging
from pulse_backend.body_limit import BodyLimit
from pulse_backend.known_query import refuse_unknown_query
from pulse_backend.metrics import Metrics
from pulse_backend.middleware import RequestContext, operation_id
from pulse_backend.routes import API_ROUTERS, ops
from pulse_backend.routes.analytics_fast import AnalyticsFastPath
from pulse_backend.search.indexer import Indexer, keep_indexing
from pulse_backend.settings import Settings
from pulse_backend.state import AppClients

API_PREFIX = "/api/v1"
log = structlog.get_logger("pulse_backend.app")


def _templates(app: FastAPI) -> dict[str, str]:
    """operationId -> path template, from the (cached) OpenAPI document."""
    cached: dict[str, str] | None = getattr(app.state, "route_templates", None)
    if cached is None:
        cached = {
            op["operationId"]: path
            for path, item in app.openapi()["paths"].items()
            for op in item.values()
            if isinstance(op, dict) and "operationId" in op
        }
        app.state.route_templates = cached
    return cached


def start_indexer(clients: AppClients) -> tuple[Indexer, asyncio.Task[None] | None]:
    indexer = Indexer(clients)
    interval = clients.settings.index_interval_seconds
    task = asyncio.create_task(keep_indexing(indexer, interval)) if interval > 0 else None
    return indexer, task


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    backend_logging.configure(settings.effective_log_format, settings.log_level)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients = AppClients.create(settings, metrics)
        app.state.clients = clients
        log.info(
            "backend started",
            category="SYSTEM",
            environment=settings.environment.value,
            signing_kid=clients.keys.active_kid,
            replica=clients.replica.has_replica,
        )
        indexer, task = start_indexer(clients)
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            indexer.close()
            await clients.aclose()

    app = FastAPI(
        title="Pulse API",
        version="1",
        lifespan=lifespan,
        responses=errors.PROBLEM_RESPONSES,
        generate_unique_id_function=operation_id,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    errors.install(app)
    if settings.analytics_fast_path:
        # Inside RequestContext: a fast answer gets its request id, log line and metrics.
        app.add_middleware(AnalyticsFastPath)
    # Inside RequestContext too: a refused body gets its request id and log line.
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContext, metrics=metrics, templates=lambda: _templates(app))
    app.include_router(ops.router)
    # Every route under /api/v1 refuses a query parameter it does not declare.
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_unknown_query)])
    api.include_router(ops.jwks_router)
    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    return app
