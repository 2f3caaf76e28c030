"""Every routed call lands in the tenant's ``ai_performance_metrics``."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, insert, text

from pulse_backend.crypto import EncryptionKeys
from pulse_backend.providers.routing import build_router
from pulse_common.ai import ChatMessage
from pulse_common.ai.metrics import SqlMetricsRecorder
from pulse_common.ai.routing import ProviderEntry, Router
from pulse_common.models.base import table_of
from pulse_common.models.tenant_settings import Integration
from pulse_fakes import FakeServer, Fault
from tests.ai.conftest import entry
from tests.pulse_db import PulseDb, TenantFactory

pytestmark = pytest.mark.postgres
ASK = [ChatMessage(role="user", content="one two three")]


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
    await router.complete(ASK, context="interactive")
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


async def test_router_from_the_tenants_rows(
    pulse_db: PulseDb, make_tenant: TenantFactory, paid: FakeServer, local: FakeServer
) -> None:
    _, tenant = make_tenant("ai")
    keys = EncryptionKeys.parse("k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode())
    other = EncryptionKeys.parse("k9:" + base64.urlsafe_b64encode(os.urandom(32)).decode())
    rows = [
        ("gw", paid, keys, True, True),
        ("lost-key", paid, other, True, True),  # sealed with a key the platform lacks
        ("off", local, keys, False, False),  # inactive
        ("cheap", local, keys, False, True),
    ]
    with pulse_db.engine.begin() as conn:
        conn.execute(text(f'SET LOCAL search_path TO "{tenant.schema_name}"'))
        for name, server, ring, route, active in rows:
            e = entry(name, server, gateway_route=route)
            sealed = ring.encrypt(e.api_key or "", f"tenant:{tenant.slug}:provider:{name}")
            conn.execute(
                insert(table_of(Integration)).values(
                    tenant_id=tenant.tenant_id,
                    name=name,
                    type="ai",
                    provider="openai-compatible",
                    base_url=str(e.config.base_url),
                    active=active,
                    credentials_encrypted=sealed.encode(),
                    settings=e.config.model_dump(mode="json"),
                )
            )
        router = build_router(conn, keys, tenant.slug, None)
    assert [e.name for e in provider_entries_of(router)] == ["gw", "cheap"]
    assert (await router.complete(ASK, context="etl")).provider == "cheap"
    assert (await router.complete(ASK, context="interactive")).provider == "gw"


def provider_entries_of(router: Router) -> list[ProviderEntry]:
    return list(router._entries)
