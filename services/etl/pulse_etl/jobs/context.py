"""A run's context (``RunContext``: the tenant, its database, where its
credentials are mounted, the clients and knobs a run uses) and how it is
built from the ETL's settings: shared by the service (app.py) and the
one-shot ``pulse_etl.cli sync``. Kept apart from app.py so the CLI imports
neither FastAPI nor qdrant-client: it never embeds, and those imports cost
seconds of CPU in every process the kill tests start."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import redis.asyncio as aioredis

from pulse_common.tenancy import TenantNames
from pulse_etl.jobs.session import SessionBounds
from pulse_etl.metrics import Metrics
from pulse_etl.settings import EtlSettings
from pulse_etl.sources.batch import Batch
from pulse_etl.sources.http import Retry, Sleep

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

    from pulse_common.search.queue import Target


@dataclass
class RunContext:
    tenant: TenantNames
    tenant_id: int
    database_url: str
    credentials_dir: Path
    redis: aioredis.Redis | None = None
    overlap: dt.timedelta = dt.timedelta(minutes=10)
    timeout: float = 30.0
    max_body: int = 64 << 20  # bytes: the largest source answer read
    retry: Retry = field(default_factory=Retry)
    # The HTTP client's backoff waits; tests inject one that does not sleep.
    sleep: Sleep = asyncio.sleep
    # How often a Jira run also sweeps deleted issues (jobs/sweep.py).
    sweep_interval: dt.timedelta = dt.timedelta(hours=24)
    # Tests observe batches (e.g. to count them); production leaves it unset.
    on_batch: Callable[[Batch], None] | None = None
    # Where loaded rows' vectors go; None: no embedding (the queue keeps them).
    embed: Target | None = None
    # The service's Prometheus metrics (/metrics); None: the one-shot CLI.
    metrics: Metrics | None = None
    # How long the run's database session may stay silent (jobs/session.py).
    session: SessionBounds = field(default_factory=SessionBounds)


def run_context(
    settings: EtlSettings,
    cache: aioredis.Redis | None,
    vectors: QdrantClient | None = None,
    metrics: Metrics | None = None,
) -> RunContext:
    embed = None
    if vectors is not None:
        from pulse_common.search.queue import LazyLocalEmbedder, Target

        embed = Target(
            settings.database_url.get_secret_value(),
            vectors,
            settings.qdrant_collection,
            LazyLocalEmbedder(),
        )
    return RunContext(
        tenant=TenantNames(settings.tenant_slug),
        tenant_id=settings.tenant_id,
        database_url=settings.database_url.get_secret_value(),
        credentials_dir=settings.etl_credentials_dir,
        redis=cache,
        overlap=dt.timedelta(seconds=settings.etl_overlap_seconds),
        timeout=settings.etl_http_timeout,
        max_body=settings.etl_max_body_mib << 20,
        embed=embed,
        sweep_interval=dt.timedelta(hours=settings.etl_sweep_hours),
        metrics=metrics,
    )
