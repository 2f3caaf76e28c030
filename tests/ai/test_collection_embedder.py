"""Which embedder may serve a collection: the built-in model when its size
fits, else the tenant's providers of the collection's size (one model),
else a ``DimensionMismatch`` naming both sizes and the way out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from pulse_common.ai.collection import declared_dimension, embedder_for_collection
from pulse_common.ai.config import ProviderConfig, ProviderType
from pulse_common.ai.errors import DimensionMismatch
from pulse_common.ai.routing import ProviderEntry


class Builtin:
    """Stands in for the offline model's identity (no text is embedded here)."""

    name = "local/all-MiniLM-L6-v2"
    dimension = 384

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise AssertionError("not called")


def provider(name: str, dimensions: int | None, **config: Any) -> ProviderEntry:
    body = {
        "kind": "openai-compatible",
        "base_url": "http://127.0.0.1:9/v1",
        "model": "embed-large",
        "dimensions": dimensions,
        **config,
    }
    return ProviderEntry(name, ProviderType.embedding, ProviderConfig.model_validate(body), "k")


def pick(entries: list[ProviderEntry], size: int) -> Any:
    return embedder_for_collection(
        entries, collection="tenant_acme", size=size, context="interactive", builtin=Builtin()
    )


def test_the_builtin_model_serves_a_collection_of_its_size() -> None:
    builtin = pick([provider("big", 384, model="other-384")], 384)
    assert isinstance(builtin, Builtin)


def test_a_provider_of_the_collections_size_serves_it() -> None:
    chosen = pick([provider("small", 768), provider("big", 1536)], 1536)
    assert (chosen.name, chosen.dimension) == ("big/embed-large", 1536)


def test_only_the_first_providers_model_stays_in_the_chain() -> None:
    first = provider("first", 1536, priority=1)
    same = provider("same-model", 1536, priority=2)
    other = provider("other-model", 1536, priority=3, model="embed-other")
    chosen = pick([other, same, first], 1536)
    assert [e.name for e, _ in chosen._embedders] == ["first", "same-model"]


def test_no_fitting_model_is_a_mismatch_naming_both_sizes() -> None:
    with pytest.raises(DimensionMismatch) as err:
        pick([], 1536)
    message = str(err.value)
    assert "size 1536" in message and "produces 384" in message
    assert "embedding provider with 1536 dimensions" in message
    with pytest.raises(DimensionMismatch) as err:
        pick([provider("small", 768)], 1536)
    assert (err.value.model, err.value.model_size) == ("small/embed-large", 768)


def test_declared_dimension() -> None:
    local = ProviderConfig.model_validate({"kind": "local", "model": "all-MiniLM-L6-v2"})
    assert declared_dimension(local) == 384
    assert declared_dimension(provider("x", None).config) is None
