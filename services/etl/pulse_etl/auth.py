"""Who may call the job API: the backend forwards the user's access token
and the ETL verifies it again with the backend's public keys (its JWKS), so
a request that reaches the ETL some other way, or carries another tenant's
token, is refused here as well.

Checks: EdDSA signature by a key of the JWKS, issuer, audience, expiry, the
``ten`` claim equal to this ETL's tenant (and ``tid`` when the ETL knows its
id), and the permission the route needs (``jobs:read``, ``jobs:write``).

Two kinds of token carry permissions:
- the backend's internal token for this call (audience
  ``tokens.INTERNAL_AUDIENCE``): exactly the permissions in its ``perm``
  claim, which the backend checked with the user's role *and* grants, so a
  member granted ``jobs:write`` controls jobs here as it does in the backend;
- a user's access token (the API audience, e.g. called directly from the
  platform namespace): what its role grants by default (admin: read and
  write, member: read). Grants are not in access tokens, hence the first kind.

The JWKS is fetched lazily and again when a token names an unknown kid (key
rotation), at most once per ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import structlog

from pulse_common import tokens
from pulse_common.errors import BackendUnavailable, PulseError

log = structlog.get_logger("pulse_etl.auth")
REQUIRED = ("sub", "tid", "ten", "role", "exp", "iat", "iss", "aud")
REFRESH_SECONDS = 30.0
JOBS_READ = "jobs:read"
JOBS_WRITE = "jobs:write"
JOB_PERMISSIONS = frozenset({JOBS_READ, JOBS_WRITE})
# As the backend's rbac.ROLE_PERMISSIONS gives them (for user access tokens).
ROLE_PERMISSIONS = {
    "admin": JOB_PERMISSIONS,
    "member": frozenset({JOBS_READ}),
    "viewer": frozenset[str](),
}


class Unauthenticated(PulseError):
    http_status = 401
    code = "unauthenticated"


class Forbidden(PulseError):
    http_status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Caller:
    user_id: int
    role: str
    permissions: frozenset[str]


@dataclass
class TokenVerifier:
    """``jwks`` is an http(s) URL (the backend's
    ``/api/v1/.well-known/jwks.json``) or a file holding a JWKS (``make dev``)."""

    jwks: str
    slug: str
    tenant_id: int
    issuer: str = "pulse"
    audience: str = "pulse-api"
    http: httpx.AsyncClient | None = None
    keys: dict[str, Any] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _fetch(self) -> dict[str, Any]:
        if not self.jwks.startswith(("http://", "https://")):
            text = await asyncio.to_thread(Path(self.jwks).read_text)
            return dict(json.loads(text))
        http = self.http or httpx.AsyncClient(timeout=5.0)
        try:
            r = await http.get(self.jwks)
            r.raise_for_status()
            return dict(r.json())
        finally:
            if self.http is None:
                await http.aclose()

    async def _key(self, kid: str) -> Any:
        async with self._lock:
            if kid not in self.keys and time.monotonic() - self.fetched_at > REFRESH_SECONDS:
                try:
                    body = await self._fetch()
                    keys = {k["kid"]: jwt.PyJWK(k).key for k in body.get("keys", []) if "kid" in k}
                except (httpx.HTTPError, OSError, ValueError, KeyError, jwt.PyJWKError) as exc:
                    log.warning("jwks unavailable", category="ETL", error=type(exc).__name__)
                    raise BackendUnavailable("jwks", "the backend's public keys") from None
                self.keys, self.fetched_at = keys, time.monotonic()
            return self.keys.get(kid)

    async def verify(self, token: str) -> Caller:
        try:
            kid = tokens.kid_of(token)
            key = await self._key(kid) if kid else None
            audiences = [self.audience, tokens.INTERNAL_AUDIENCE]
            claims = tokens.decode(
                token, key, issuer=self.issuer, audience=audiences, required=REQUIRED
            )
        except tokens.TokenRejected as exc:
            raise Unauthenticated(str(exc)) from None
        if claims["ten"] != self.slug or (self.tenant_id and claims["tid"] != self.tenant_id):
            raise Forbidden("the access token is for another tenant")
        try:
            return Caller(int(claims["sub"]), str(claims["role"]), _permissions(claims))
        except (TypeError, ValueError):
            raise Unauthenticated("invalid access token") from None


def _permissions(claims: dict[str, Any]) -> frozenset[str]:
    aud = claims["aud"]
    if tokens.INTERNAL_AUDIENCE in ([aud] if isinstance(aud, str) else aud):
        granted = claims.get(tokens.PERMISSIONS_CLAIM)
        if not isinstance(granted, list) or not all(isinstance(p, str) for p in granted):
            raise ValueError("an internal token needs its permission list")
        return frozenset(granted) & JOB_PERMISSIONS
    return ROLE_PERMISSIONS.get(str(claims["role"]), frozenset())


def authorize(caller: Caller, permission: str) -> Caller:
    if permission not in caller.permissions:
        raise Forbidden(f"{permission} is not granted to this caller")
    return caller
