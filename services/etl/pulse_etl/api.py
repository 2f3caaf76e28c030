"""Job control routes, called by the backend (its ``/api/v1/etl/*`` routes
for tenant admins). Only the platform namespace reaches this service (the
tenant's NetworkPolicy)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pulse_common.errors import PulseError
from pulse_etl.jobs.manager import JobManager
from pulse_etl.jobs.store import Job

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


def _manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.jobs
    return manager


async def pulse_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PulseError)
    return JSONResponse({"code": exc.code, "message": str(exc)}, status_code=exc.http_status)


@router.get("")
async def list_jobs(request: Request) -> list[Job]:
    return await _manager(request).status()


@router.get("/{integration}")
async def get_job(integration: str, request: Request) -> Job:
    return (await _manager(request).status(integration))[0]


@router.post("/{integration}/start", status_code=202)
async def start_job(integration: str, request: Request) -> Job:
    """Starts a run, or resumes a paused or interrupted one from its checkpoint."""
    return await _manager(request).start(integration)


@router.post("/{integration}/{action}", status_code=202)
async def control_job(
    integration: str, action: Literal["pause", "cancel"], request: Request
) -> Job:
    return await _manager(request).control(integration, action)
