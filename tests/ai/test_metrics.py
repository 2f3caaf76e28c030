"""Every routed call lands in the tenant's ``ai_performance_metrics``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, text

from pulse_common.ai import ChatMessage
from pulse_common.ai.metrics import SqlMetricsRecorder
from pulse_common.ai.routing import Router
from pulse_fakes import FakeServer, Fault
from tests.ai.conftest import entry
from tests.pulse_db import PulseDb, TenantFactory

pytestmark = pytest.mark.postgres


async def test_each_attempt_is_a_row(
    pulse_db: PulseDb, make_tenant: TenantFactory, paid: FakeServer, local: FakeServer
) -> None:
    _, tenant = make_tenant("ai")

    @contextmanager
    def connect() -> Iterator[Connection]:
        with pulse_db.engine.begin() as conn:
            conn.execute(text(f'SET LOCAL search_path TO "{tenant.schema_name}"'))
            yield conn

    recorder = SqlMetricsRecorder(tenant.tenant_id, connect, "etl")
    paid.plan.add(Fault("/chat/completions$", "status", 429, retry_after=2))
    router = Router(
        [entry("paid", paid, priority=1), entry("local", local, priority=2, gateway_route=False)],
        recorder,
    )
    ask = [ChatMessage(role="user", content="one two three")]
    await router.complete(ask, context="interactive")
    router.embedder()  # building the route records nothing
    with pulse_db.engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT tenant_id, metric_name, metric_value, metric_unit, service_name, context "
                f'FROM "{tenant.schema_name}".ai_performance_metrics ORDER BY id'
            )
        ).all()
    assert [(r.context["provider"], r.context["outcome"]) for r in rows] == [
        ("paid", "rate_limited"),
        ("local", "ok"),
    ]
    ok = rows[1]
    assert ok.tenant_id == tenant.tenant_id and ok.metric_name == "ai_call_latency"
    assert ok.metric_unit == "ms" and ok.service_name == "etl" and ok.metric_value > 0
    assert ok.context | {"error": None} == {
        "provider": "local",
        "type": "ai",
        "model": "pulse-chat",
        "context": "interactive",
        "outcome": "ok",
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "error": None,
    }
    assert "local-key" not in str(rows) and "paid-key" not in str(rows)
