"""One ``ai_performance_metrics`` row per provider call (each attempt of a
fallback chain is its own row), in the tenant's schema."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, insert

from pulse_common.ai.errors import Outcome
from pulse_common.models.base import table_of
from pulse_common.models.tenant_ai import AiPerformanceMetric

METRIC = "ai_call_latency"


@dataclass(frozen=True)
class CallRecord:
    provider: str
    kind: str  # ai | embedding
    model: str
    context: str
    outcome: Outcome
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None  # the error class's message (never carries a key)


class SqlMetricsRecorder:
    """``connect`` yields a transaction already switched to the tenant (the
    backend's per-request role and search_path, or the ETL's login role)."""

    def __init__(
        self,
        tenant_id: int,
        connect: Callable[[], AbstractContextManager[Connection]],
        service: str,
    ) -> None:
        self._tenant_id = tenant_id
        self._connect = connect
        self._service = service

    def write(self, record: CallRecord) -> None:
        row = {
            "tenant_id": self._tenant_id,
            "metric_name": METRIC,
            "metric_value": Decimal(f"{record.latency_ms:.3f}"),
            "metric_unit": "ms",
            "service_name": self._service,
            "measured_at": dt.datetime.now(dt.UTC),
            "context": {
                "provider": record.provider,
                "type": record.kind,
                "model": record.model,
                "context": record.context,
                "outcome": record.outcome,
                "prompt_tokens": record.prompt_tokens,
                "completion_tokens": record.completion_tokens,
                "error": record.error,
            },
        }
        with self._connect() as conn:
            conn.execute(insert(table_of(AiPerformanceMetric)).values(row))

    async def awrite(self, record: CallRecord) -> None:
        await asyncio.to_thread(self.write, record)
