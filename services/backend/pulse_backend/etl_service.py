"""Job control through the tenant's ETL service.

The browser never reaches a tenant ETL (its NetworkPolicy admits only the
platform namespace): the backend calls its internal job API at
``Settings.etl_url_template`` (``http://pulse-etl.tenant-{slug}.svc:8000``,
the Service the operator creates) with a short-lived internal token
(``internal_token``) carrying the permission the backend checked, which the
ETL verifies with the backend's JWKS. The ETL's answers are validated here
and its refusals become problem+json with the ETL's own code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pulse_backend.context import Principal
from pulse_backend.keys import KeyRing
from pulse_backend.schemas import LAST_SUCCESS_AT
from pulse_common import tokens
from pulse_common.errors import BackendUnavailable, PulseError
from pulse_common.models.enums import EtlJobStatus
from pulse_common.patterns import worded
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.etl")

Action = Literal["start", "pause", "resume", "cancel"]
INTEGRATION_PATTERN = worded(
    r"^[a-z]([-a-z0-9]*[a-z0-9])?$",
    "use lowercase letters, digits and dashes, starting with a letter "
    "and ending with a letter or digit",
)


class JobProgress(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phase: str | None = None
    done: int = 0
    estimated: int | None = None
    # Defaults: an ETL of an earlier version does not send them.
    source: str | None = Field(default=None, description="github or jira")
    waiting_until: dt.datetime | None = Field(
        default=None, description="while the run waits for the source's rate limit, till when"
    )
    notices: list[str] = Field(
        default=[],
        description="for the admin to act on (a repository renamed on GitHub), "
        "from the last run; kept after it ends",
    )


class EtlJob(BaseModel):
    """One integration's job as admins see it (never a credential, never the
    raw cursor: ``resumable`` says whether a start resumes a run)."""

    model_config = ConfigDict(extra="ignore")

    integration: str
    integration_id: int
    state: EtlJobStatus
    attempts: int = Field(description="runs since the last success")
    last_error: str | None
    watermark: dt.datetime | None = Field(
        description="where the next incremental sync reads from (less an overlap): the start "
        "of the last successful run"
    )
    # Default None: an ETL of an earlier version does not send it.
    last_success_at: dt.datetime | None = Field(default=None, description=LAST_SUCCESS_AT)
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    control: Literal["pause", "cancel"] | None = Field(
        description="a pause or cancel the running job will obey at its next checkpoint"
    )
    resumable: bool
    progress: JobProgress


class EtlRejected(PulseError):
    """The ETL refused the request (unknown integration, a run already going,
    nothing to pause): its status and code pass through to the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code


class EtlBadGateway(PulseError):
    """The ETL answered something the backend cannot use (a 5xx, a body of the
    wrong shape, or it refused the forwarded token: a key mismatch between
    the backend and the ETL, not the caller's fault)."""

    http_status = 502
    code = "etl_bad_gateway"


def _job(raw: Any) -> EtlJob:
    if not isinstance(raw, dict):
        raise EtlBadGateway("ETL answered a job that is not an object")
    try:
        return EtlJob.model_validate({**raw, "resumable": bool(raw.get("cursor"))})
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise EtlBadGateway(f"ETL answered a job with an invalid {where}") from None


def internal_token(keys: KeyRing, principal: Principal, permission: str) -> str:
    """The token for one call to the tenant's ETL: who asks, and the
    ``permission`` this backend has just checked (role or grant). Not the
    user's access token: the ETL cannot see grants in it, and a token with the
    internal audience is refused by the API, so it is good for nothing else."""
    claims = {
        "sub": str(principal.user_id),
        "tid": principal.tenant_id,
        "ten": principal.slug,
        "role": principal.role.value,
        "sid": principal.session_id,
        tokens.PERMISSIONS_CLAIM: [permission],
    }
    ring = dataclasses.replace(keys, audience=tokens.INTERNAL_AUDIENCE)
    return ring.sign(claims, tokens.INTERNAL_TTL_SECONDS)


class EtlClient:
    """Calls one tenant's ETL; the httpx client is shared by the app."""

    def __init__(self, http: httpx.AsyncClient, url_template: str) -> None:
        self.http = http
        self.url_template = url_template

    def base_url(self, slug: str) -> str:
        TenantNames(slug)  # a valid slug: it becomes part of a host name
        return self.url_template.format(slug=slug).rstrip("/")

    async def _call(self, method: str, slug: str, path: str, token: str) -> Any:
        url = f"{self.base_url(slug)}/api/v1/jobs{path}"
        try:
            r = await self.http.request(method, url, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            log.warning("etl unreachable", category="ETL", error=type(exc).__name__)
            raise BackendUnavailable("etl", type(exc).__name__) from None
        try:
            body = r.json()
        except ValueError:
            body = None
        if r.is_success:
            return body
        code, message = "etl_error", f"ETL answered {r.status_code}"
        if isinstance(body, dict):
            code = str(body.get("code") or code)
            message = str(body.get("message") or message)
        log.info("etl refused", category="ETL", status=r.status_code, code=code)
        if r.status_code in (401, 403) or r.status_code >= 500:
            raise EtlBadGateway(f"ETL answered {r.status_code} ({code})")
        if r.status_code not in (404, 409, 422, 429):
            raise EtlBadGateway(f"ETL answered {r.status_code} ({code})")
        raise EtlRejected(r.status_code, code, message)

    async def jobs(self, slug: str, token: str) -> list[EtlJob]:
        body = await self._call("GET", slug, "", token)
        if not isinstance(body, list):
            raise EtlBadGateway("ETL answered a job list that is not a list")
        return [_job(j) for j in body]

    async def job(self, slug: str, token: str, integration: str) -> EtlJob:
        return _job(await self._call("GET", slug, f"/{integration}", token))

    async def act(self, slug: str, token: str, integration: str, action: Action) -> EtlJob:
        return _job(await self._call("POST", slug, f"/{integration}/{action}", token))
