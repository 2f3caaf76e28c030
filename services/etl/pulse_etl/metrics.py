"""Prometheus metrics of one tenant ETL, served at ``/metrics`` on the
service's port (as the backend serves its own), one registry per app (tests
build many apps).

Labelled by integration kind (``jira``/``github``) only: integration names
are the tenant's words, and the tenant itself is the scrape target's
namespace (``tenant-<slug>``), so no label carries anything of the tenant's.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from pulse_etl.sources.http import SourceClient, Stats

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "RunMeter"]


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.jobs_started = Counter(
            "pulse_etl_jobs_started_total",
            "Sync runs started (or resumed), by integration kind",
            ["kind"],
            registry=r,
        )
        self.jobs_finished = Counter(
            "pulse_etl_jobs_finished_total",
            "Sync runs ended, by integration kind and end state "
            "(succeeded, failed, paused, cancelled)",
            ["kind", "state"],
            registry=r,
        )
        self.job_duration = Histogram(
            "pulse_etl_job_duration_seconds",
            "Wall time of a sync run, by integration kind and end state",
            ["kind", "state"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600),
            registry=r,
        )
        self.items_loaded = Counter(
            "pulse_etl_items_loaded_total",
            "Items committed to the tenant's schema, by integration kind",
            ["kind"],
            registry=r,
        )
        self.upstream_requests = Counter(
            "pulse_etl_upstream_requests_total",
            "HTTP requests sent to Jira or GitHub (retries included), by integration kind",
            ["kind"],
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "pulse_etl_rate_limit_waits_total",
            "Waits for an upstream rate limit before a request, by integration kind",
            ["kind"],
            registry=r,
        )
        self.rate_limit_wait_seconds = Counter(
            "pulse_etl_rate_limit_wait_seconds_total",
            "Seconds spent waiting for upstream rate limits, by integration kind",
            ["kind"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


@dataclass
class RunMeter:
    """What one run reports (nothing without ``metrics``: the one-shot CLI).
    Upstream calls are reported after each batch and at the end, as the
    difference from what was reported before, so that a long run shows in
    the rates while it goes."""

    metrics: Metrics | None
    kind: str
    started: float = field(default_factory=time.monotonic)
    reported: Stats = field(default_factory=Stats)

    def start(self) -> None:
        if self.metrics is not None:
            self.metrics.jobs_started.labels(self.kind).inc()

    def loaded(self, items: int, client: SourceClient | None) -> None:
        if self.metrics is not None:
            self.metrics.items_loaded.labels(self.kind).inc(items)
        self.calls(client)

    def calls(self, client: SourceClient | None) -> None:
        m = self.metrics
        if m is None or client is None:
            return
        now, before = client.stats, self.reported
        m.upstream_requests.labels(self.kind).inc(now.requests - before.requests)
        m.rate_limit_waits.labels(self.kind).inc(now.rate_limit_waits - before.rate_limit_waits)
        m.rate_limit_wait_seconds.labels(self.kind).inc(
            max(0.0, now.rate_limit_wait_seconds - before.rate_limit_wait_seconds)
        )
        self.reported = dataclasses.replace(now)

    def end(self, state: str, client: SourceClient | None) -> None:
        self.calls(client)
        if self.metrics is not None:
            self.metrics.jobs_finished.labels(self.kind, state).inc()
            elapsed = time.monotonic() - self.started
            self.metrics.job_duration.labels(self.kind, state).observe(elapsed)
