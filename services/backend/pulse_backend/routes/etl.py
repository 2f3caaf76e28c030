"""/api/v1/etl: the tenant's ETL jobs (one per data integration) for its
admins: list, detail, start, pause, resume, cancel. The tenant ETL does the
work; ``pulse_backend.etl_service`` calls it with the caller's token. Live
progress arrives on the WebSocket (``etl.progress`` events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.security import HTTPAuthorizationCredentials

from pulse_backend.context import Principal, bearer, require
from pulse_backend.errors import Unauthenticated
from pulse_backend.etl_service import INTEGRATION_PATTERN, Action, EtlClient, EtlJob
from pulse_backend.state import AppClients


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    clients: AppClients = app.state.clients
    timeout = clients.settings.etl_timeout_seconds
    async with httpx.AsyncClient(timeout=timeout) as http:
        app.state.etl = EtlClient(http, clients.settings.etl_url_template)
        yield


router = APIRouter(prefix="/etl", tags=["etl"], lifespan=lifespan)
Reader = Annotated[Principal, require("jobs:read")]
Writer = Annotated[Principal, require("jobs:write")]
IntegrationName = Annotated[str, Path(pattern=INTEGRATION_PATTERN, max_length=63)]


def _etl(request: Request) -> EtlClient:
    client: EtlClient = request.app.state.etl
    return client


Etl = Annotated[EtlClient, Depends(_etl)]


def _token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    # Already verified by ``require``; the ETL verifies it again (same dependency, cached).
    if credentials is None:
        raise Unauthenticated("missing bearer access token")
    return credentials.credentials


Token = Annotated[str, Depends(_token)]


@router.get("/jobs")
async def list_jobs(etl: Etl, principal: Reader, token: Token) -> list[EtlJob]:
    """Every data integration's job: state, progress, attempts, last error."""
    return await etl.jobs(principal.slug, token)


@router.get("/jobs/{integration}")
async def get_job(
    integration: IntegrationName, etl: Etl, principal: Reader, token: Token
) -> EtlJob:
    return await etl.job(principal.slug, token, integration)


@router.post("/jobs/{integration}/{action}", status_code=202)
async def control_job(
    integration: IntegrationName, action: Action, etl: Etl, principal: Writer, token: Token
) -> EtlJob:
    """``start`` a run (or resume an interrupted one), ``pause`` or ``cancel``
    (a running job obeys at its next checkpoint), ``resume`` a paused one.
    409 when the job's state does not allow it."""
    return await etl.act(principal.slug, token, integration, action)
