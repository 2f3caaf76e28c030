"""Tenant events on Redis pub/sub: ``t:<slug>:events`` carries what a
tenant's browsers should learn at once (ETL progress, alerts, settings
changes); the WebSocket relays it (``pulse_backend.ws``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import redis
import structlog

from pulse_backend.metrics import Metrics
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.events")


def channel(slug: str) -> str:
    return TenantNames(slug).events_channel


def publish(cache: redis.Redis, metrics: Metrics, slug: str, event_type: str, **data: Any) -> bool:
    """Best effort: an event is a hint to refresh, the data is in PostgreSQL,
    so a Redis outage must not fail the write that caused it."""
    message = {
        "type": event_type,
        "at": dt.datetime.now(dt.UTC).isoformat(),
        **data,
    }
    try:
        cache.publish(channel(slug), json.dumps(message, default=str))
    except redis.RedisError:
        metrics.redis_errors.labels("event_dropped").inc()
        log.warning("event not published", category="CACHE", event_type=event_type)
        return False
    return True
