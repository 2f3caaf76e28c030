"""Issue 8 item 7: backend errors are classified (outage vs permanent), shown
in conditions with a reason, and a blocked deletion backs off and says why.
Qdrant is made unreachable with a server URL on a closed loopback port, and
refuses with a wrong API key (the local REST server enforces it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import kopf
import pytest
import redis

from pulse_common import vector_admin
from pulse_common.errors import BackendUnavailable
from pulse_common.vector_admin import VectorStoreRefused
from pulse_operator import handlers
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.qdrant import QdrantRest
from pulse_operator.reconcile.failures import backoff, classify
from pulse_operator.reconcile.kube import KubeApiError
from pulse_operator.reconcile.tenant import reconcile
from pulse_operator.spec import DeletionPolicy, parse_tenant
from pulse_testworld.procs import free_port
from tests.operator.conftest import Platform, Tenants, events_for, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def unreachable_qdrant() -> Iterator[QdrantRest]:
    client = QdrantRest(f"http://127.0.0.1:{free_port()}", "some-key", timeout=2)
    yield client
    client.close()


def test_an_unreachable_qdrant_is_an_outage(unreachable_qdrant: QdrantRest) -> None:
    with pytest.raises(BackendUnavailable, match="qdrant"):
        vector_admin.ensure_collection(
            unreachable_qdrant, vector_admin.CollectionSpec("tenant_x", 8, "Cosine", 1)
        )
    with pytest.raises(BackendUnavailable):
        vector_admin.revoke_tokens(unreachable_qdrant, "x-tenant")


def test_a_refusing_qdrant_is_not_an_outage(platform: Platform) -> None:
    client = QdrantRest(platform.qdrant_server.url, "not-the-key", timeout=5)
    try:
        with pytest.raises(VectorStoreRefused) as caught:
            vector_admin.ensure_collection(
                client, vector_admin.CollectionSpec("tenant_refused", 8, "Cosine", 1)
            )
    finally:
        client.close()
    failure = classify(caught.value)
    assert (failure.reason, failure.retryable) == ("QdrantRejected", False)
    assert "not-the-key" not in failure.message


@pytest.mark.parametrize(
    ("exc", "reason", "retryable"),
    [
        (httpx.ConnectError("refused"), "QdrantUnavailable", True),
        (BackendUnavailable("qdrant", "get_collection: HTTP 503"), "QdrantUnavailable", True),
        (VectorStoreRefused(403, "get_collection: forbidden"), "QdrantRejected", False),
        (redis.ConnectionError("refused"), "RedisUnavailable", True),
        (redis.AuthenticationError("bad"), "RedisRefused", False),
        (BackendUnavailable("kubernetes", "PATCH /x: 503"), "KubernetesUnavailable", True),
        (KubeApiError(422, "PATCH /x: invalid"), "KubernetesRejected", False),
        (BackendUnavailable("postgresql", "down"), "PostgresqlUnavailable", True),
    ],
)
def test_classification(exc: BaseException, reason: str, retryable: bool) -> None:
    failure = classify(exc)
    assert (failure.reason, failure.retryable) == (reason, retryable)


def test_backoff_doubles_up_to_a_cap() -> None:
    delays = [backoff(r, base=5.0, cap=300.0) for r in range(10)]
    assert delays[:4] == [5.0, 10.0, 20.0, 40.0]
    assert max(delays) == 300.0 and delays == sorted(delays)


def test_outage_shows_in_the_vector_condition(
    platform: Platform, tenants: Tenants, unreachable_qdrant: QdrantRest
) -> None:
    slug = tenants.apply()
    obj = tenants.wait_phase(slug, "Ready")
    clients = Clients(
        kube=platform.kube,
        db=platform.engine,
        redis=redis.Redis.from_url(platform.world.redis.url),
        qdrant=unreachable_qdrant,
    )
    tenant = parse_tenant(slug, obj["metadata"]["uid"], obj["metadata"]["generation"], obj["spec"])
    outcome = reconcile(clients, OperatorConfig(), tenant, obj["status"], drift=True)  # type: ignore[call-arg]
    clients.redis.close()
    vector = next(c for c in outcome.status["conditions"] if c["type"] == "VectorStoreReady")
    assert vector["status"] == "False" and vector["reason"] == "QdrantUnavailable"
    assert outcome.status["phase"] == "Degraded"
    assert outcome.retryable_failure and "VectorStoreReady" in outcome.retryable_failure
    # The other backends were still checked and are fine.
    db = next(c for c in outcome.status["conditions"] if c["type"] == "DatabaseReady")
    assert db["status"] == "True"


def test_blocked_deletion_backs_off_and_says_why(
    platform: Platform, unreachable_qdrant: QdrantRest
) -> None:
    slug = "op-blocked-del"
    clients = Clients(
        kube=platform.kube,
        db=platform.engine,
        redis=redis.Redis.from_url(platform.world.redis.url),
        qdrant=unreachable_qdrant,
    )
    memo = kopf.Memo(clients=clients, cfg=OperatorConfig())  # type: ignore[call-arg]
    body = {
        "apiVersion": "pulse.dev/v1alpha1",
        "kind": "PulseTenant",
        "metadata": {"name": slug, "uid": "00000000-0000-0000-0000-00000000b10c"},
        "spec": {},
    }
    delays = []
    for retry in (0, 3):
        with pytest.raises(kopf.TemporaryError) as caught:
            asyncio.run(
                handlers._delete_locked(
                    slug,
                    DeletionPolicy.retain,
                    kopf.Body(body),  # type: ignore[arg-type]
                    memo,
                    retry,
                )
            )
        delays.append(caught.value.delay)
        assert "QdrantUnavailable" in str(caught.value)
    clients.redis.close()
    assert delays[0] is not None and delays[1] is not None and delays[1] > delays[0]
    events = wait_for(
        "DeletionBlocked events",
        lambda: [e for e in events_for(platform, slug) if e["reason"] == "DeletionBlocked"],
        timeout=30,
    )
    assert "QdrantUnavailable" in events[0]["message"]
    assert events[0]["type"] == "Warning"
