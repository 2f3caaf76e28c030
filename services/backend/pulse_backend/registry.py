"""The tenant registry's state (active, suspended, revoked, provisioning),
cached in Redis for a few seconds so that every request does not ask the
primary. Redis down: the primary is asked (the answer must stay right; a
suspended tenant is refused even during an outage)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import redis
import sqlalchemy.exc
from sqlalchemy import Engine, text

from pulse_backend.errors import TenantUnavailable
from pulse_backend.metrics import Metrics
from pulse_common.errors import BackendUnavailable
from pulse_common.models.control import TenantState


@dataclass(frozen=True)
class TenantRecord:
    tenant_id: int
    slug: str
    state: TenantState


def key(slug: str) -> str:
    return f"pulse:tenant:{slug}"


def lookup(
    engine: Engine, cache: redis.Redis, metrics: Metrics, slug: str, ttl: float
) -> TenantRecord | None:
    """The tenant's registry row, or None if there is no such tenant."""
    try:
        cached = cache.get(key(slug))
    except redis.RedisError:
        metrics.redis_errors.labels("registry_primary").inc()
        return resolve(engine, cache, metrics, slug, 0, None)
    return resolve(engine, cache, metrics, slug, ttl, cached)


def resolve(
    engine: Engine, cache: redis.Redis, metrics: Metrics, slug: str, ttl: float, cached: Any
) -> TenantRecord | None:
    """From the cached value (already fetched, None if absent), else from the
    primary (re-cached for ``ttl`` seconds when ``ttl`` > 0)."""
    if cached:
        metrics.cache.labels("tenant_state", "hit").inc()
        if cached == "-":
            return None
        tid, state = str(cached).split(":", 1)
        return TenantRecord(int(tid), slug, TenantState(state))
    metrics.cache.labels("tenant_state", "miss").inc()
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT id, state FROM pulse.tenants WHERE slug = :s"), {"s": slug}
            ).first()
    except sqlalchemy.exc.OperationalError:
        raise BackendUnavailable("postgresql", "cannot read the tenant registry") from None
    record = TenantRecord(int(row.id), slug, TenantState(row.state)) if row else None
    if ttl > 0:
        value = f"{record.tenant_id}:{record.state.value}" if record else "-"
        try:
            cache.set(key(slug), value, px=int(ttl * 1000))
        except redis.RedisError:
            metrics.redis_errors.labels("registry_not_cached").inc()
    return record


def require_active(record: TenantRecord | None, tenant_id: int | None = None) -> TenantRecord:
    """The record if the tenant may be used; ``tenant_id`` (from a token) must
    match, so that a token of a dropped and re-created tenant is refused."""
    if record is None or (tenant_id is not None and record.tenant_id != tenant_id):
        raise TenantUnavailable("unknown tenant")
    if record.state is not TenantState.active:
        raise TenantUnavailable(f"tenant is {record.state.value}")
    return record


def forget(cache: redis.Redis, slug: str) -> None:
    """Drops the cached state (after the backend itself changes it)."""
    with contextlib.suppress(redis.RedisError):
        cache.delete(key(slug))
