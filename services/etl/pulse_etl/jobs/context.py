"""Builds a run's context from the ETL's settings: shared by the service
(app.py) and the one-shot ``pulse_etl.cli sync``. Kept apart from app.py so
the CLI imports neither FastAPI nor qdrant-client: it never embeds, and those
imports cost seconds of CPU in every process the kill tests start."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import redis.asyncio as aioredis

from pulse_common.tenancy import TenantNames
from pulse_etl.jobs.runner import RunContext
from pulse_etl.metrics import Metrics
from pulse_etl.settings import EtlSettings

if TYPE_CHECKING:
    from qdrant_client import QdrantClient


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
        embed=embed,
        sweep_interval=dt.timedelta(hours=settings.etl_sweep_hours),
        metrics=metrics,
    )
