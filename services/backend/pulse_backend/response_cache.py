"""A response cache for read endpoints, in Redis.

Keys are ``t:<slug>:rc:<route>:<data version>:<hash of the parameters>``:
the tenant's data version (``t:<slug>:data_version``, bumped by the ETL
after each load) is part of the key, so a load makes every older entry
unreachable at once without scanning or deleting anything (they expire by
TTL). On a miss the value is computed in a read transaction opened only
then, so a hit costs one Redis round trip and no database connection.

Redis down: the value is computed from PostgreSQL every time (fail open:
the cache is an optimisation, the data is in the database).

Usage from a route::

    return response_cache.cached(
        clients, principal, "ml.performance", params.model_dump(), PerformanceOut,
        lambda conn: compute(conn, params), response=response,
    )
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import redis
from fastapi import Response
from pydantic import TypeAdapter
from sqlalchemy import Connection
from starlette.background import BackgroundTask

from pulse_backend.context import Principal
from pulse_backend.preflight import data_version_key_of
from pulse_backend.state import AppClients
from pulse_backend.tx import opened_read_transaction
from pulse_common.lsn import lsn_of
from pulse_common.tenancy import TenantNames

T = TypeVar("T")
DEFAULT_TTL_SECONDS = 300
CACHE_HEADER = "X-Cache"


def data_version_key(slug: str) -> str:
    return data_version_key_of(TenantNames(slug))


# The version and, when given, the WAL position the change ends before, as
# the ETL records them after a load (pulse_etl.jobs.events): the position only
# moves forward (hex halves compared in turn: a Lua number is a double).
_BUMP = """
local v = redis.call('INCR', KEYS[1])
local function pos(l)
  local h, lo = string.match(l or '', '^(%x+)/(%x+)$')
  if h then return {tonumber(h, 16), tonumber(lo, 16)} end
end
local new, old = pos(ARGV[1]), pos(redis.call('GET', KEYS[2]))
if new and (not old or new[1] > old[1] or (new[1] == old[1] and new[2] > old[2])) then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
end
return v
"""
# As long as the ETL keeps it (its DATA_VERSION_TTL).
DATA_LSN_TTL_SECONDS = 30 * 24 * 3600


def bump_data_version(cache: redis.Redis, slug: str, lsn: str | None = None) -> int:
    """What the ETL does after a load: here after a change of the DORA
    settings (a relink) and for tests. ``lsn``: the primary's WAL position
    after the change committed, which a read cached under the new version
    must have replayed (else it reads the primary)."""
    names = TenantNames(slug)
    keys = (names.data_version_key, names.data_lsn_key)
    return int(cache.eval(_BUMP, 2, *keys, lsn_of(lsn) or "", DATA_LSN_TTL_SECONDS))


def key_parts(slug: str, route: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """The key around its data version: ``cache_key`` is ``head + version +
    tail``. The analytics fast path sends the two parts to Redis, which puts
    the version it holds in between (one round trip, no race with a bump)."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"{TenantNames(slug).key_prefix}rc:{route}:", f":{digest}"


def cache_key(slug: str, route: str, version: str, params: Mapping[str, Any]) -> str:
    head, tail = key_parts(slug, route, params)
    return f"{head}{version}{tail}"


# The tenant's data version and the entry under it, in one step on the
# server: the key's version is the one Redis holds as it answers. The entry
# is not among KEYS (it depends on the version): fine on the single Redis
# Pulse runs, not on a Redis Cluster.
_VERSIONED_GET = """
local v = redis.call('GET', KEYS[1])
if not v or v == '' then v = '0' end
return redis.call('GET', ARGV[1] .. v .. ARGV[2])
"""


def queue_versioned_get(
    pipe: Any, names: TenantNames, route: str, params: Mapping[str, Any]
) -> None:
    """Queues what ``lookup_async`` reads, as one command: its result is the
    cached value (None on a miss) under the tenant's current data version
    (the version ``str(version or "0")`` as ``_lookup`` builds the key)."""
    head, tail = key_parts(names.slug, route, params)
    pipe.eval(_VERSIONED_GET, 1, data_version_key_of(names), head, tail)


def _mark(response: Response | None, result: str) -> None:
    if response is not None:
        response.headers[CACHE_HEADER] = result


@functools.lru_cache(maxsize=256)
def type_adapter(model: Any) -> TypeAdapter[Any]:
    """One TypeAdapter per model: building one per request cost more than
    the cache hit it served."""
    return TypeAdapter(model)


def _bypassed(clients: AppClients) -> tuple[None, None]:
    clients.metrics.redis_errors.labels("response_cache_bypassed").inc()
    clients.metrics.cache.labels("response", "miss").inc()
    return None, None


def _counted(clients: AppClients, key: str, hit: Any) -> tuple[str, str | None]:
    found = hit if isinstance(hit, str) else None
    clients.metrics.cache.labels("response", "miss" if found is None else "hit").inc()
    return key, found


def _lookup(
    clients: AppClients, principal: Principal, route: str, params: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """(cache key, cached value); the key is None when Redis is down."""
    try:
        version: Any = principal.data_version
        if version is None:
            version = clients.redis.get(data_version_key(principal.slug))
        key = cache_key(principal.slug, route, str(version or "0"), params)
        return _counted(clients, key, clients.redis.get(key))
    except redis.RedisError:
        return _bypassed(clients)


async def lookup_async(
    clients: AppClients, principal: Principal, route: str, params: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """``_lookup`` on the event loop: a hit needs no thread-pool hop (the
    data version usually came with the principal's preflight)."""
    try:
        version: Any = principal.data_version
        head, tail = key_parts(principal.slug, route, params)
        if version is None:
            version = await clients.aredis.get(data_version_key(principal.slug))
        key = f"{head}{version or '0'}{tail}"
        return _counted(clients, key, await clients.aredis.get(key))
    except redis.RedisError:
        return _bypassed(clients)


def compute_body(
    clients: AppClients,
    principal: Principal,
    compute: Callable[[Connection, Sequence[Any] | None], T],
    dump: Callable[[T], bytes],
    opening: str | None = None,
) -> tuple[T, bytes]:
    """``compute(conn, opening's row)`` on the tenant's read transaction
    (``tx.opened_read_transaction``), and its serialized body."""
    with opened_read_transaction(
        clients.replica, principal.names, principal.session_id, principal.pending_lsn, opening
    ) as (conn, row):
        value = compute(conn, row)
    return value, dump(value)


def compute_and_store(
    clients: AppClients,
    principal: Principal,
    key: str | None,
    compute: Callable[[Connection], T],
    dump: Callable[[T], bytes],
    ttl_seconds: int,
) -> tuple[T, bytes]:
    value, body = compute_body(clients, principal, lambda conn, _: compute(conn), dump)
    if key is not None:
        try:
            clients.redis.set(key, body, ex=ttl_seconds)
        except redis.RedisError:
            clients.metrics.redis_errors.labels("response_not_cached").inc()
    return value, body


async def store(clients: AppClients, key: str, body: bytes, ttl_seconds: int) -> None:
    """``compute_and_store``'s write on the event loop, run once the answer
    is sent (``json_response``'s ``then``): the client does not wait for
    it. The key holds the data version read before the value was computed,
    so a late write can only land under that version, never a newer one."""
    try:
        await clients.aredis.set(key, body, ex=ttl_seconds)
    except redis.RedisError:
        clients.metrics.redis_errors.labels("response_not_cached").inc()


def cached(
    clients: AppClients,
    principal: Principal,
    route: str,
    params: Mapping[str, Any],
    model: Any,
    compute: Callable[[Connection], T],
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    response: Response | None = None,
) -> T:
    """The cached value for (tenant, route, params, data version), else
    ``compute(conn)`` on a read transaction of the tenant, stored for
    ``ttl_seconds``. ``model`` is the return type (a pydantic model or any
    type TypeAdapter accepts). Only put in ``params`` what the value depends
    on, including the caller's identity when the answer is per user."""
    adapter: TypeAdapter[T] = type_adapter(model)
    key, hit = _lookup(clients, principal, route, params)
    if hit is not None:
        _mark(response, "hit")
        return adapter.validate_json(hit)
    _mark(response, "miss")
    value, _ = compute_and_store(clients, principal, key, compute, adapter.dump_json, ttl_seconds)
    return value


def cached_json(
    clients: AppClients,
    principal: Principal,
    route: str,
    params: Mapping[str, Any],
    model: Any,
    compute: Callable[[Connection], Any],
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> Response:
    """As ``cached``, for a route whose answer is the JSON of ``model``: the
    response carries the stored bytes as they are, so a hit is not parsed,
    validated and serialized again (most of its cost, for a large
    drill-down), and a miss is serialized once, as FastAPI would (by alias)."""
    adapter = type_adapter(model)
    key, hit = _lookup(clients, principal, route, params)
    if hit is not None:
        body, result = hit.encode(), "hit"
    else:
        _, body = compute_and_store(
            clients,
            principal,
            key,
            compute,
            lambda v: adapter.dump_json(v, by_alias=True),
            ttl_seconds,
        )
        result = "miss"
    return json_response(body, result)


def json_response(body: bytes, result: str, then: BackgroundTask | None = None) -> Response:
    """Stored JSON bytes as the answer, marked hit or miss; ``then`` runs
    after the last byte is sent."""
    return Response(
        body, media_type="application/json", headers={CACHE_HEADER: result}, background=then
    )
