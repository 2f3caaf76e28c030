"""The tenant ETL service (port 8000): health, readiness and job control."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import psycopg
import redis.asyncio as aioredis
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from qdrant_client import QdrantClient

from pulse_common import vectorstore
from pulse_common.errors import PulseError
from pulse_etl.api import pulse_error
from pulse_etl.api import router as jobs_router
from pulse_etl.auth import TokenVerifier
from pulse_etl.embed.background import keep_drained
from pulse_etl.integrations import read_integrations
from pulse_etl.jobs import schedule
from pulse_etl.jobs.context import RunContext, run_context
from pulse_etl.jobs.manager import JobManager
from pulse_etl.metrics import CONTENT_TYPE_LATEST, Metrics
from pulse_etl.readiness import check_all
from pulse_etl.settings import EtlSettings

log = structlog.get_logger("pulse_etl")


def create_app(settings: EtlSettings, *, qdrant: QdrantClient | None = None) -> FastAPI:
    """``qdrant`` lets tests share a local-mode client; otherwise it is built
    from settings, with the tenant's collection-scoped token."""
    found, errors = read_integrations(settings.etl_integrations)
    for message in errors:
        log.error("integration skipped", category="ERROR", reason=message)
    integrations = {i.name: i for i in found}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.cache = aioredis.Redis.from_url(
            settings.redis_url.get_secret_value(), socket_timeout=3, socket_connect_timeout=3
        )
        app.state.vectors = qdrant or vectorstore.connect(
            settings.qdrant_url, settings.qdrant_token.get_secret_value()
        )
        jwks = settings.jwks_source
        app.state.verifier = (
            TokenVerifier(
                jwks,
                settings.tenant_slug,
                settings.tenant_id,
                settings.jwt_issuer,
                settings.jwt_audience,
            )
            if jwks
            else None
        )
        if jwks is None:
            log.error("job API disabled: no JWKS configured", category="ERROR")
        app.state.jobs = JobManager(
            run_context(settings, app.state.cache, app.state.vectors, metrics), integrations
        )
        context: RunContext = app.state.jobs.ctx
        # The integrations and their job rows exist from the start, so that
        # the backend's integrations page lists them before anyone opened the
        # ETL jobs page or a run; a database not reachable yet leaves it to
        # the first status call.
        try:
            await app.state.jobs.register()
        except (OSError, psycopg.Error) as exc:
            log.warning("integrations not registered yet", category="DB", reason=str(exc))
        embedder = (
            asyncio.create_task(keep_drained(context.embed)) if context.embed is not None else None
        )
        scheduler = None
        if settings.etl_schedule and integrations:
            try:
                tz = schedule.zone(settings.etl_timezone)
                cron = schedule.check_cron(settings.etl_schedule)
            except PulseError as exc:
                # No schedule rather than a crash loop; on-demand runs still work.
                log.error("schedule disabled", category="SCHED", reason=str(exc))
            else:
                scheduler = asyncio.create_task(app.state.jobs.schedule(cron, tz))
        try:
            yield
        finally:
            if embedder is not None:
                embedder.cancel()
                with suppress(asyncio.CancelledError):
                    await embedder
            if scheduler is not None:
                scheduler.cancel()
                with suppress(asyncio.CancelledError):
                    await scheduler
            await app.state.jobs.aclose()
            await app.state.cache.aclose()
            if qdrant is None:
                app.state.vectors.close()

    metrics = Metrics()
    app = FastAPI(title=f"Pulse ETL ({settings.tenant_slug})", lifespan=lifespan)
    app.add_exception_handler(PulseError, pulse_error)
    app.include_router(jobs_router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", response_class=Response)
    async def prometheus() -> Response:
        """Jobs, items and upstream calls (pulse_etl.metrics). Without a
        token, as the backend's: the tenant's NetworkPolicy decides who
        reaches the port (the backend, and the scraper's namespace when the
        chart's serviceMonitor.etl is on)."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        state = request.app.state
        results = await check_all(state.settings, state.cache, state.vectors)
        ready = all(r.ok for r in results.values())
        body = {
            "status": "ready" if ready else "not ready",
            "checks": {k: {"ok": r.ok, "message": r.message} for k, r in results.items()},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    return app
