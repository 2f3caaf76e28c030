"""Job control routes, called by the backend (its ``/api/v1/etl/*`` routes
for tenant admins) with the user's access token, which is verified here too
(``pulse_etl.auth``). Only the platform namespace reaches this service (the
tenant's NetworkPolicy)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pulse_common.errors import BackendUnavailable, PulseError
from pulse_etl.auth import (
    JOBS_READ,
    JOBS_WRITE,
    Caller,
    TokenVerifier,
    Unauthenticated,
    authorize,
)
from pulse_etl.jobs.manager import JobManager
from pulse_etl.jobs.store import Job

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])
bearer = HTTPBearer(auto_error=False)


def _manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.jobs
    return manager


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    verifier: TokenVerifier | None = request.app.state.verifier
    if verifier is None:
        # Fail closed: without the backend's keys nobody may control jobs.
        raise BackendUnavailable("jwks", "PULSE_ETL_JWKS / PULSE_BACKEND_URL not configured")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("missing bearer access token")
    return await verifier.verify(credentials.credentials)


async def _reader(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    return authorize(caller, JOBS_READ)


async def _writer(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    return authorize(caller, JOBS_WRITE)


Reader = Annotated[Caller, Depends(_reader)]
Writer = Annotated[Caller, Depends(_writer)]


async def pulse_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PulseError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return JSONResponse(
        {"code": exc.code, "message": str(exc)}, status_code=exc.http_status, headers=headers
    )


@router.get("")
async def list_jobs(request: Request, _: Reader) -> list[Job]:
    return await _manager(request).status()


@router.get("/{integration}")
async def get_job(integration: str, request: Request, _: Reader) -> Job:
    return (await _manager(request).status(integration))[0]


@router.post("/{integration}/start", status_code=202)
async def start_job(integration: str, request: Request, _: Writer) -> Job:
    """Starts a run, or resumes a paused or interrupted one from its checkpoint."""
    return await _manager(request).start(integration)


@router.post("/{integration}/resume", status_code=202)
async def resume_job(integration: str, request: Request, _: Writer) -> Job:
    """Resumes a paused job from its checkpoint; 409 unless it is paused."""
    return await _manager(request).start(integration, resume_only=True)


@router.post("/{integration}/{action}", status_code=202)
async def control_job(
    integration: str, action: Literal["pause", "cancel"], request: Request, _: Writer
) -> Job:
    return await _manager(request).control(integration, action)
