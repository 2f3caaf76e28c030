"""/api/v1/etl: the tenant's ETL jobs (one per data integration) for its
admins: list, detail, start, pause, resume, cancel. The tenant ETL does the
work; ``pulse_backend.etl_service`` calls it with an internal token carrying
the permission checked here. Live progress arrives on the WebSocket
(``etl.progress`` events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Path, Request

from pulse_backend.context import Principal, require
from pulse_backend.etl_service import (
    INTEGRATION_PATTERN,
    Action,
    EtlClient,
    EtlJob,
    internal_token,
)
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import AppClients


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    clients: AppClients = app.state.clients
    timeout = clients.settings.etl_timeout_seconds
    async with httpx.AsyncClient(timeout=timeout) as http:
        app.state.etl = EtlClient(http, clients.settings.etl_url_template)
        yield


router = APIRouter(prefix="/etl", tags=["etl"], lifespan=lifespan, route_class=RetriedOnPrimary)
READ, WRITE = "jobs:read", "jobs:write"
Reader = Annotated[Principal, require(READ)]
Writer = Annotated[Principal, require(WRITE)]
IntegrationName = Annotated[str, Path(pattern=INTEGRATION_PATTERN, max_length=63)]


def _etl(request: Request) -> EtlClient:
    client: EtlClient = request.app.state.etl
    return client


Etl = Annotated[EtlClient, Depends(_etl)]


def _token(request: Request, principal: Principal, permission: str) -> str:
    clients: AppClients = request.app.state.clients
    return internal_token(clients.keys, principal, permission)


@router.get("/jobs")
async def list_jobs(request: Request, etl: Etl, principal: Reader) -> list[EtlJob]:
    """Every data integration's job: state, progress, attempts, last error."""
    return await etl.jobs(principal.slug, _token(request, principal, READ))


@router.get("/jobs/{integration}")
async def get_job(
    integration: IntegrationName, request: Request, etl: Etl, principal: Reader
) -> EtlJob:
    return await etl.job(principal.slug, _token(request, principal, READ), integration)


@router.post("/jobs/{integration}/{action}", status_code=202)
async def control_job(
    integration: IntegrationName, action: Action, request: Request, etl: Etl, principal: Writer
) -> EtlJob:
    """``start`` a run (or resume an interrupted one), ``pause`` or ``cancel``
    (a running job obeys at its next checkpoint), ``resume`` a paused one.
    409 when the job's state does not allow it."""
    token = _token(request, principal, WRITE)
    return await etl.act(principal.slug, token, integration, action)
