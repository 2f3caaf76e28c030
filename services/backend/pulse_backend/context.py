"""The request context: who is calling, for which tenant, with what rights.

``current_principal`` verifies the Bearer access token (signature, kid,
issuer, audience, expiry), checks the tenant's registry state (cached) and
that the session still exists, and counts the request against the per-user
and per-tenant limits. ``require("resource:action")`` adds the permission
check and the must-change-password gate; every /api/v1 route declares one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

import redis
import structlog
from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pulse_backend import preflight, ratelimit, registry, sessions
from pulse_backend.errors import (
    PasswordChangeRequired,
    PermissionDenied,
    Unauthenticated,
)
from pulse_backend.preflight import Claims, Preflight
from pulse_backend.rbac import PASSWORD_CHANGE_ALLOWED, PERMISSIONS, Role, allowed
from pulse_backend.state import AppClients, Clients
from pulse_backend.tx import write_transaction
from pulse_common.errors import PulseError
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.context")
bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


@dataclass(frozen=True)
class Principal:
    user_id: int
    tenant_id: int
    slug: str
    role: Role
    session_id: int
    must_change_password: bool
    grants: frozenset[str]
    # The LSN this session's reads must see, its own last write's or the
    # tenant's last load's (None: none; False: unknown).
    pending_lsn: str | bool | None = True
    # The tenant's data version read with the session (None: not read), so
    # that a cache hit costs one more round trip, not two.
    data_version: str | None = None

    @property
    def names(self) -> TenantNames:
        return TenantNames(self.slug)

    def can(self, permission: str) -> bool:
        return allowed(self.role, self.grants, permission)


def tenant_lookup(clients: AppClients, slug: str) -> registry.TenantRecord | None:
    return registry.lookup(
        clients.engines.primary,
        clients.redis,
        clients.metrics,
        slug,
        clients.settings.tenant_state_cache_seconds,
    )


def tenant_record(clients: AppClients, slug: str, tenant_id: int | None) -> registry.TenantRecord:
    """The tenant's registry record; TenantUnavailable unless it is active."""
    return registry.require_active(tenant_lookup(clients, slug), tenant_id)


def session_info(
    clients: AppClients, names: TenantNames, session_id: int, raw: dict[Any, Any] | None
) -> sessions.SessionInfo:
    """The live session: from its cached hash ``raw`` (None: Redis is down),
    else from PostgreSQL (and re-cached)."""
    cached = sessions.parse(raw, session_id) if raw is not None else None
    if cached == sessions.REVOKED:
        raise Unauthenticated("session ended")
    if isinstance(cached, sessions.SessionInfo):
        return cached
    with write_transaction(clients.engines.primary, names) as conn:
        info = sessions.load(conn, session_id)
    if info is None:
        sessions.safe(
            clients.metrics,
            "session_not_cached",
            sessions.cache_revoke,
            clients.redis,
            names.slug,
            [session_id],
            sessions.CACHE_SECONDS,
        )
        raise Unauthenticated("session ended")
    sessions.safe(
        clients.metrics,
        "session_not_cached",
        sessions.cache_put,
        clients.redis,
        names.slug,
        info,
        sessions.CACHE_SECONDS,
    )
    return info


def _admit(clients: AppClients, c: Claims, pre: Preflight | None) -> Principal:
    """The checks on what the preflight brought; blocking (PostgreSQL) only
    for what it did not find (``Preflight.complete``)."""
    record = registry.resolve(
        clients.engines.primary,
        clients.redis,
        clients.metrics,
        c.names.slug,
        clients.settings.tenant_state_cache_seconds if pre else 0,
        pre.tenant if pre else None,
    )
    registry.require_active(record, c.tenant_id)
    info = session_info(clients, c.names, c.session_id, pre.session if pre else None)
    if info.user_id != c.user_id:
        raise Unauthenticated("session ended")
    if pre is not None:
        ratelimit.refuse(clients.metrics, pre.exceeded)
    return Principal(
        user_id=c.user_id,
        tenant_id=c.tenant_id,
        slug=c.names.slug,
        role=info.role,
        session_id=c.session_id,
        must_change_password=info.must_change_password,
        grants=info.grants,
        pending_lsn=pre.pending_lsn if pre else False,
        data_version=pre.data_version if pre else None,
    )


def authenticate_token(clients: AppClients, token: str) -> Principal:
    """The principal of an access token (signature, tenant state, live
    session, per-user/tenant limits). Blocking: routes use
    ``current_principal``."""
    c = preflight.claims(clients, token)
    return _admit(clients, c, preflight.fetch(clients, c))


@dataclass(frozen=True)
class Admission:
    """How far ``admit_with`` got with a token. A request handed on to its
    route carries it (``carrying``), and ``authenticate`` resumes from it:
    running the preflight again would count the request twice against the
    rate limits."""

    token: str
    claims: Claims
    preflight: Preflight | None
    # The principal or the refusal; None: the checks need PostgreSQL.
    outcome: Principal | PulseError | None = None

    async def resume(self, clients: AppClients) -> Principal:
        if isinstance(self.outcome, Principal):
            return self.outcome
        if isinstance(self.outcome, PulseError):
            raise self.outcome
        return await run_in_threadpool(_admit, clients, self.claims, self.preflight)


_carried: ContextVar[Admission | None] = ContextVar("pulse_admission", default=None)


@contextmanager
def carrying(admission: Admission | None) -> Iterator[None]:
    """``admission`` is the request's, for ``authenticate``, while in the block."""
    reset = _carried.set(admission)
    try:
        yield
    finally:
        _carried.reset(reset)


async def admit_with(
    clients: AppClients, token: str, extra: Callable[[Any, TenantNames], None]
) -> tuple[Admission, list[Any] | None]:
    """``authenticate``'s checks, with the commands ``extra`` queues (for the
    token's tenant) in the preflight's round trip: the admission (no
    PostgreSQL: ``outcome`` is None when that is needed) and the results of
    the extra commands (an error in place of a failed one; None if Redis is
    down). Raises Unauthenticated for a bad token (nothing counted yet)."""
    c = preflight.claims(clients, token)
    pipe = clients.aredis.pipeline(transaction=False)
    preflight.queue(pipe, c)
    ours = len(pipe)
    extra(pipe, c.names)
    try:
        out = await pipe.execute(raise_on_error=False)
    except redis.RedisError:
        out = None
    if out is None or any(isinstance(r, Exception) for r in out[:ours]):
        preflight.redis_down(clients)
        return Admission(token, c, None), None
    pre = preflight.parse(c, out[:ours])
    if not pre.complete:
        return Admission(token, c, pre), out[ours:]
    try:
        outcome: Principal | PulseError = _admit(clients, c, pre)
    except PulseError as exc:
        outcome = exc
    return Admission(token, c, pre, outcome), out[ours:]


async def authenticate(clients: AppClients, token: str) -> Principal:
    """``authenticate_token`` without leaving the event loop when Redis has
    the tenant's state and the session (the usual case): the signature check
    is CPU work of a few tens of microseconds, the preflight one async round
    trip. Only a cache miss or a Redis outage goes to PostgreSQL, in the
    thread pool."""
    carried = _carried.get()
    if carried is not None and carried.token == token:
        return await carried.resume(clients)
    c = preflight.claims(clients, token)
    pre = await preflight.fetch_async(clients, c)
    if pre is not None and pre.complete:
        return _admit(clients, c, pre)
    return await run_in_threadpool(_admit, clients, c, pre)


async def current_principal(
    clients: Clients,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    # Async on purpose: the log context bound here (in the request's task)
    # reaches every later log line of the request, the access log included.
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("missing bearer access token")
    principal = await authenticate(clients, credentials.credentials)
    structlog.contextvars.bind_contextvars(tenant=principal.slug, user_id=principal.user_id)
    return principal


def authorize(principal: Principal, permission: str) -> Principal:
    if principal.must_change_password and permission not in PASSWORD_CHANGE_ALLOWED:
        raise PasswordChangeRequired("change your password first (POST /api/v1/auth/password)")
    if not principal.can(permission):
        raise PermissionDenied(f"permission {permission!r} required")
    return principal


def require(permission: str) -> Any:
    """``Depends`` that yields the verified principal holding ``permission``.
    The dependency carries ``pulse_permission`` so tests can walk the routes."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return authorize(principal, permission)

    check.__name__ = f"require_{permission.replace(':', '_')}"
    check.pulse_permission = permission  # type: ignore[attr-defined]
    return Depends(check)
