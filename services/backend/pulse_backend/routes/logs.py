"""/api/v1/logs: the tenant's recent log events (admins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from pydantic import StringConstraints

from pulse_backend import tenant_logs
from pulse_backend.context import Principal, require
from pulse_backend.params import aware
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import AppClients, Clients
from pulse_backend.tenant_logs import Level, LogEvent
from pulse_common.patterns import worded


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs inside the app's own lifespan, once its clients exist.
    clients: AppClients = app.state.clients
    stream = tenant_logs.TenantLogStream(clients.redis)
    tenant_logs.install(stream)
    try:
        yield
    finally:
        tenant_logs.uninstall(stream)


router = APIRouter(prefix="/logs", tags=["logs"], lifespan=lifespan, route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("logs:read")]
Category = Annotated[
    str, StringConstraints(pattern=worded(r"^[A-Z]{2,20}$", "use 2-20 uppercase letters"))
]


@router.get("")
def list_logs(
    clients: Clients,
    principal: Reader,
    level: Level | None = None,
    category: Annotated[list[Category] | None, Query()] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[LogEvent]:
    """Newest first; ``level`` is the minimum level. Live: the WebSocket."""
    return tenant_logs.recent(
        clients.redis,
        principal.slug,
        min_level=level,
        categories=set(category) if category else None,
        since=aware("since", since),
        until=aware("until", until),
        limit=limit,
    )
