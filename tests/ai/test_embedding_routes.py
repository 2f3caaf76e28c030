"""Embedding providers: the remote client against the gateway, the routed
embedder's fallback, and the providers "test connection" probe."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pulse_backend.providers.models import ProviderOut
from pulse_backend.providers.probe import check_connection
from pulse_common.ai.config import ProviderConfig, ProviderType
from pulse_common.ai.embeddings import LOCAL_DIMENSION, RemoteEmbedder
from pulse_common.ai.errors import AiConfigurationError, NoProviderAvailable
from pulse_common.ai.routing import ProviderEntry, Router
from pulse_fakes import FakeServer, Fault
from pulse_fakes.gateway import hash_vector
from tests.ai.conftest import entry
from tests.ai.test_routing import Calls

EMB = ProviderType.embedding


def emb(name: str, server: FakeServer, dims: int, **config: object) -> ProviderEntry:
    return entry(name, server, type_=EMB, model="pulse-embed", dimensions=dims, **config)


def test_remote_embedder_speaks_the_embeddings_api(paid: FakeServer) -> None:
    e = emb("paid", paid, 1536)
    model = RemoteEmbedder(e.name, e.config, e.api_key)
    vectors = model.embed(["alpha", "beta"])
    assert vectors == [hash_vector("alpha", 1536), hash_vector("beta", 1536)]
    assert model.dimension == 1536 and model.name == "paid/pulse-embed"
    assert paid.gateway_state is not None
    assert paid.gateway_state.requests[-1]["body"] == {
        "input": ["alpha", "beta"],
        "model": "pulse-embed",
    }


def test_remote_embedder_refuses_vectors_of_another_size(paid: FakeServer) -> None:
    e = emb("paid", paid, 768)
    with pytest.raises(AiConfigurationError, match=r"size 1536.*declares 768"):
        RemoteEmbedder(e.name, e.config, e.api_key).embed(["alpha"])


def test_routed_embedder_falls_back_within_one_dimension(
    paid: FakeServer, local: FakeServer
) -> None:
    paid.plan.add(Fault("/embeddings$", "status", 500))
    second = entry("second", paid, type_=EMB, model="pulse-embed", dimensions=1536, priority=5)
    calls = Calls()
    router = Router(
        [emb("first", paid, 1536, priority=1), second, emb("small", local, 384, priority=2)],
        calls,
    )
    model = router.embedder("interactive")
    assert model.dimension == 1536
    [vector] = model.embed(["gamma"])
    assert len(vector) == 1536
    # "small" (384) ranks second but cannot share the collection: skipped.
    assert [(c.provider, c.outcome) for c in calls.records] == [
        ("first", "error"),
        ("second", "ok"),
    ]
    assert calls.records[1].kind == "embedding" and calls.records[1].context == "interactive"


def test_local_kind_runs_the_in_process_model() -> None:
    local = ProviderEntry(
        "offline",
        EMB,
        ProviderConfig.model_validate(
            {"kind": "local", "model": "all-MiniLM-L6-v2", "gateway_route": False}
        ),
    )
    model = Router([local]).embedder("etl")
    assert model.dimension == LOCAL_DIMENSION and model.name == "local/all-MiniLM-L6-v2"
    [v] = model.embed(["offline embedding"])
    assert abs(np.linalg.norm(v) - 1) < 1e-5
    with pytest.raises(NoProviderAvailable, match="no active embedding provider"):
        _ = Router([]).embedder().dimension


def _out(e: ProviderEntry) -> ProviderOut:
    now = dt.datetime.now(dt.UTC)
    return ProviderOut(
        id=1,
        name=e.name,
        type=e.type,
        active=True,
        config=e.config,
        has_credentials=e.api_key is not None,
        credentials_last4=None,
        created_at=now,
        last_updated_at=now,
    )


def test_probe_uses_the_router_client(paid: FakeServer) -> None:
    chat = entry("paid", paid)
    result = check_connection(_out(chat), chat.api_key)
    assert result.ok and result.models == ["pulse-chat", "pulse-embed"]

    embedding = emb("paid-emb", paid, 1536)
    result = check_connection(_out(embedding), embedding.api_key)
    assert result.ok and result.dimensions == 1536

    paid.plan.add(Fault("/models$", "status", 429, retry_after=3))
    result = check_connection(_out(chat), chat.api_key)
    assert not result.ok and result.detail == "the provider answered 429"

    paid.plan.add(Fault("/models$", "truncate"))
    result = check_connection(_out(chat), chat.api_key)
    assert not result.ok and result.detail == "the provider did not answer JSON"

    result = check_connection(_out(chat), "not-the-key")
    assert not result.ok and result.detail == "the provider refused the credentials"
    assert "not-the-key" not in result.model_dump_json()


def test_probe_of_the_local_model_reports_its_dimension() -> None:
    config = ProviderConfig.model_validate(
        {"kind": "local", "model": "all-MiniLM-L6-v2", "dimensions": 1536}
    )
    result = check_connection(_out(ProviderEntry("offline", EMB, config)), None)
    assert not result.ok and result.dimensions == LOCAL_DIMENSION
    assert result.detail == "embedding has 384 dimensions, config says 1536"
