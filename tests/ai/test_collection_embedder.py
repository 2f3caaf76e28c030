"""Which embedder may serve a collection: the built-in model when its size
fits, else the tenant's providers of the collection's size (one model),
else a ``DimensionMismatch`` naming both sizes and the way out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from structlog.testing import capture_logs

from pulse_common.ai.collection import (
    declared_dimension,
    embedder_for_collection,
    min_score,
    unfit_reason,
)
from pulse_common.ai.config import ProviderConfig, ProviderType
from pulse_common.ai.embeddings import LOCAL_MIN_SCORE
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


def pick(entries: list[ProviderEntry], size: int, collection: str = "tenant_acme") -> Any:
    return embedder_for_collection(
        entries, collection=collection, size=size, context="interactive", builtin=Builtin()
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


def test_the_relevance_cut_off_is_the_models_own() -> None:
    assert min_score(Builtin()) == LOCAL_MIN_SCORE
    assert min_score(pick([provider("big", 1536, min_score=0.5)], 1536)) == 0.5
    # A provider's scale is unknown until its row says: every hit is shown.
    assert min_score(pick([provider("big", 1536)], 1536)) is None


def test_a_provider_of_another_size_is_logged_once_naming_both_sizes() -> None:
    """Not silently unused: the log says why, once per provider and size,
    and an admin's test of the provider says the same (``unfit_reason``)."""
    big, undeclared = provider("big", 1536), provider("vague", None)
    with capture_logs() as logs:
        for _ in range(3):
            assert isinstance(pick([big, undeclared], 384, "tenant_once"), Builtin)
    told = [e for e in logs if e["event"] == "embedding provider not used"]
    assert [(e["provider"], e["dimension"], e["expected_dimension"]) for e in told] == [
        ("big", 1536, 384),
        ("vague", None, 384),
    ]
    assert "1536 dimensions" in told[0]["reason"] and "expects 384" in told[0]["reason"]
    assert "declares no dimensions" in told[1]["reason"]
    assert all(v != "k" for e in told for v in e.values())  # the key ("k") is never logged
    assert unfit_reason(big.config, 1536) is None
