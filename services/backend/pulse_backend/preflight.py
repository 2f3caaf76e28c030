"""One request's Redis round trip, before its route runs: the access
token's claims (``claims``) and, in one script (``queue``/``parse``), the
tenant's cached registry state, the cached session, the session's pending
replica LSN, the tenant's data version with the LSN of the load behind
it, and the per-user and per-tenant rate limits. ``context`` decides on
what it brings; when Redis is down (``fetch`` returns None) the registry
and the session come from PostgreSQL.

One script rather than a pipeline of its eleven commands: Redis runs them
as one, and the client packs one command and parses one answer (the
pipeline's packing and parsing cost more than its round trip; measured in
docs/metrics.md). The script runs only these commands, on the token's
tenant's keys, so it cannot block the server for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from pulse_backend import ratelimit, registry, sessions
from pulse_backend.errors import Unauthenticated
from pulse_backend.replica import ReplicaRouter
from pulse_backend.state import AppClients
from pulse_common.errors import InvalidInput
from pulse_common.lsn import newest_lsn
from pulse_common.tenancy import TenantNames


def data_version_key_of(names: TenantNames) -> str:
    """``t:<slug>:data_version``, bumped by the ETL after each load (the
    response cache keys on it)."""
    return names.data_version_key


@dataclass(frozen=True)
class Preflight:
    """What one request needs from Redis, fetched in one round trip."""

    tenant: Any  # the cached registry value, None if not cached
    session: dict[Any, Any]  # the cached session hash, empty if not cached
    exceeded: tuple[ratelimit.Limit, int] | None
    # What the session's reads must see: the newer of its own last write's
    # LSN and the LSN of the load behind ``data_version`` (read together, so
    # an answer cached under that version is computed from that load on).
    pending_lsn: str | None
    data_version: str

    @property
    def complete(self) -> bool:
        """Both the tenant's state and the session came from Redis: checking
        them needs no database (a revoked session is a cached value too)."""
        return bool(self.tenant) and bool(self.session)


@dataclass(frozen=True)
class Claims:
    names: TenantNames
    tenant_id: int
    user_id: int
    session_id: int
    limits: list[ratelimit.Limit]


def claims(clients: AppClients, token: str) -> Claims:
    payload = clients.keys.verify(token)
    try:
        names = TenantNames(str(payload["ten"]))
        tenant_id, user_id = int(payload["tid"]), int(payload["sub"])
        session_id = int(payload["sid"])
    except (InvalidInput, ValueError, TypeError, KeyError):
        raise Unauthenticated("invalid access token") from None
    rate = clients.settings.rate
    limits = [
        ratelimit.Limit(
            "user", f"{names.key_prefix}rl:user:{user_id}", rate.per_user, rate.window_seconds
        ),
        ratelimit.Limit(
            "tenant", f"{names.key_prefix}rl:tenant", rate.per_tenant, rate.window_seconds
        ),
    ]
    return Claims(names, tenant_id, user_id, session_id, limits)


# KEYS: the registry entry, the session, its pending LSN, the data version,
# the data LSN, then one counter per rate limit; ARGV: each limit's window.
# The answer: the five reads (the session as HGETALL's flat list), then per
# limit its count and the seconds left in its window (ratelimit.over).
SCRIPT = """
local out = {redis.call('GET', KEYS[1]), redis.call('HGETALL', KEYS[2]),
             redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4]),
             redis.call('GET', KEYS[5])}
for i = 6, #KEYS do
  out[#out + 1] = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[i - 5], 'NX')
  out[#out + 1] = redis.call('TTL', KEYS[i])
end
return out
"""


def queue(pipe: ratelimit.AnyPipeline, c: Claims) -> None:
    """Queues the preflight: one command (its answer is ``parse``'s)."""
    keys = [
        registry.key(c.names.slug),
        sessions.key(c.names.slug, c.session_id),
        ReplicaRouter.ryw_key(c.names.slug, c.session_id),
        data_version_key_of(c.names),
        c.names.data_lsn_key,
        *(lim.key for lim in c.limits),
    ]
    pipe.eval(SCRIPT, len(keys), *keys, *(lim.window_seconds for lim in c.limits))


def parse(c: Claims, out: list[Any]) -> Preflight:
    tenant, session, pending, version, data_lsn, *counted = out[0]
    return Preflight(
        tenant=tenant,
        session=dict(zip(session[::2], session[1::2], strict=True)),
        exceeded=ratelimit.over(c.limits, counted),
        # A value that is not an LSN is ignored (it never reaches SQL).
        pending_lsn=newest_lsn(pending, data_lsn),
        data_version=str(version or "0"),
    )


def redis_down(clients: AppClients) -> None:
    for fallback in ("registry_primary", "session_primary", "ratelimit_open"):
        clients.metrics.redis_errors.labels(fallback).inc()


def fetch(clients: AppClients, c: Claims) -> Preflight | None:
    """None when Redis is down: then the registry and the session come from
    PostgreSQL, limits fail open and reads go to the primary."""
    pipe = clients.redis.pipeline(transaction=False)
    queue(pipe, c)
    try:
        out = pipe.execute()
    except redis.RedisError:
        redis_down(clients)
        return None
    return parse(c, out)


async def fetch_async(clients: AppClients, c: Claims) -> Preflight | None:
    """``fetch`` on the event loop (same commands, same fallbacks)."""
    pipe = clients.aredis.pipeline(transaction=False)
    queue(pipe, c)
    try:
        out = await pipe.execute()
    except redis.RedisError:
        redis_down(clients)
        return None
    return parse(c, out)
