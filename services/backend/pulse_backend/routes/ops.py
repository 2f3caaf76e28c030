"""Probes, metrics and the JWKS: no token, no tenant."""

from __future__ import annotations

from typing import Any

import redis
import sqlalchemy.exc
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine, text

from pulse_backend.metrics import CONTENT_TYPE_LATEST
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import Clients

router = APIRouter(tags=["operations"], route_class=RetriedOnPrimary)
jwks_router = APIRouter(tags=["auth"], route_class=RetriedOnPrimary)


class Check(BaseModel):
    ok: bool
    message: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, Check]


def _pg(engine: Engine) -> Check:
    try:
        with engine.connect() as conn:
            recovery = conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one()
    except sqlalchemy.exc.SQLAlchemyError as exc:
        # The exception class only: driver messages can name hosts and users.
        return Check(ok=False, message=f"unreachable ({type(exc).__name__})")
    return Check(ok=True, message="in recovery" if recovery else "primary")


def _redis(cache: redis.Redis) -> Check:
    try:
        cache.ping()
    except redis.RedisError as exc:
        return Check(ok=False, message=f"unreachable ({type(exc).__name__})")
    return Check(ok=True, message="ok")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (liveness): no dependency is checked."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(clients: Clients) -> Any:
    checks = {
        "primary": _pg(clients.engines.primary),
        "replica": _pg(clients.engines.replica),
        "redis": _redis(clients.redis),
    }
    failing = [name for name, c in checks.items() if not c.ok]
    body = Readiness(
        status="not ready: " + ", ".join(failing) if failing else "ready", checks=checks
    )
    return JSONResponse(body.model_dump(), status_code=503 if failing else 200)


@router.get("/metrics", response_class=Response)
def metrics(clients: Clients) -> Response:
    return Response(clients.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@jwks_router.get("/.well-known/jwks.json")
def jwks(clients: Clients, response: Response) -> dict[str, list[dict[str, str]]]:
    """The public keys that verify access tokens (for ETL services and gateways)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return clients.keys.jwks()
