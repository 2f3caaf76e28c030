"""The tenant ETL service (port 8000). For now: health and readiness; the
extraction jobs arrive in a later issue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from qdrant_client import QdrantClient

from pulse_common import vectorstore
from pulse_etl.readiness import check_all
from pulse_etl.settings import EtlSettings


def create_app(settings: EtlSettings, *, qdrant: QdrantClient | None = None) -> FastAPI:
    """``qdrant`` lets tests share a local-mode client; otherwise it is built
    from settings, with the tenant's collection-scoped token."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.cache = aioredis.Redis.from_url(
            settings.redis_url.get_secret_value(), socket_timeout=3, socket_connect_timeout=3
        )
        app.state.vectors = qdrant or vectorstore.connect(
            settings.qdrant_url, settings.qdrant_token.get_secret_value()
        )
        try:
            yield
        finally:
            await app.state.cache.aclose()
            if qdrant is None:
                app.state.vectors.close()

    app = FastAPI(title=f"Pulse ETL ({settings.tenant_slug})", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

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
