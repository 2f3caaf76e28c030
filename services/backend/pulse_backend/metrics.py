"""Prometheus metrics, one registry per app (tests build many apps).

Routes are labelled by their template (``/api/v1/users/{user_id}``), never
the raw path, so that ids cannot blow up the label cardinality.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "pulse_http_requests_total",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "pulse_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["route", "method"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.replica_fallbacks = Counter(
            "pulse_replica_fallbacks_total",
            "Reads sent to the primary instead of the replica, by reason",
            ["reason"],
            registry=r,
        )
        self.replica_conflicts = Counter(
            "pulse_replica_conflicts_total",
            "Reads the replica cancelled to replay WAL (conflict with recovery), by outcome:"
            " retried_on_primary (a request answered again), sql_tool_retried_on_primary"
            " (the assistant's SQL tool's query run again), tool_retried_on_primary (another"
            " assistant tool run again), corrections_retried_on_primary (the assistant's"
            " corrections lookup read again), names_retried_on_primary (local mode's lookup"
            " of the names a question says read again), or unavailable (answered 503)",
            ["outcome"],
            registry=r,
        )
        self.replica_lag = Histogram(
            "pulse_replica_lag_seconds",
            "Measured replica replay lag",
            buckets=(0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
            registry=r,
        )
        self.cache = Counter(
            "pulse_cache_requests_total",
            "Response/colour cache lookups by cache name and result (hit or miss)",
            ["cache", "result"],
            registry=r,
        )
        self.joined = Counter(
            "pulse_cache_misses_joined_total",
            "Response-cache misses answered by the computation already running for their key",
            registry=r,
        )
        self.rate_limited = Counter(
            "pulse_rate_limited_total", "Requests refused by a rate limit", ["limit"], registry=r
        )
        self.redis_errors = Counter(
            "pulse_redis_errors_total",
            "Redis calls that failed (outage), by what the backend did instead",
            ["fallback"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
