"""The offline all-MiniLM-L6-v2: the real weights run by the numpy encoder."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from pulse_common.ai.embeddings import (
    LOCAL_DIMENSION,
    check_dimension,
    local_embedder,
)
from pulse_common.ai.errors import DimensionMismatch

ITEMS = [
    "authentication screen throws an exception",
    "quarterly revenue report for the finance team",
    "upgrade the database cluster to a newer major version",
    "add dark mode to the settings menu",
    "reduce the docker image size of the build",
    "schedule the team offsite in spring",
]


def test_dimension_and_unit_norm() -> None:
    model = local_embedder()
    vectors = np.array(model.embed(ITEMS))
    assert model.dimension == LOCAL_DIMENSION
    assert vectors.shape == (len(ITEMS), LOCAL_DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_matches_the_reference_implementation() -> None:
    # qdrant/fastembed's tests/test_text_onnx_embeddings.py pins the first five
    # components of "hello world" for sentence-transformers/all-MiniLM-L6-v2
    # (ONNX Runtime over the same weights), to atol 1e-3.
    vector = np.array(local_embedder().embed(["hello world", "flag embedding"])[0][:5])
    reference = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])
    assert np.allclose(vector, reference, atol=1e-4), vector


@pytest.fixture(scope="module")
def item_vectors() -> npt.NDArray[np.float64]:
    return np.array(local_embedder().embed(ITEMS))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("the login page crashes", 0),
        ("how much money did we make last quarter", 1),
        ("move postgres onto release 16", 2),
        ("night theme for preferences", 3),
        ("our container is too big", 4),
    ],
)
def test_semantic_neighbour_without_shared_words(
    query: str, expected: int, item_vectors: npt.NDArray[np.float64]
) -> None:
    model = local_embedder()
    assert not set(query.lower().split()) & set(ITEMS[expected].lower().split())
    items = item_vectors
    q = np.array(model.embed([query])[0])
    scores = items @ q
    assert int(np.argmax(scores)) == expected, scores.round(3)


def test_deterministic_and_independent_of_batching() -> None:
    model = local_embedder()
    together = np.array(model.embed(ITEMS))
    alone = np.array([model.embed([t])[0] for t in ITEMS])
    again = np.array(model.embed(list(reversed(ITEMS))))[::-1]
    # Padding must not leak into the pooled vector (the mask excludes it).
    assert np.allclose(together, alone, atol=1e-5)
    assert np.array_equal(together, again)


def test_long_text_is_truncated_not_rejected() -> None:
    model = local_embedder()
    long = " ".join(["deployment"] * 2000)
    [vector] = model.embed([long])
    assert len(vector) == LOCAL_DIMENSION
    assert model.embed([]) == []


def test_dimension_mismatch_names_both_sizes_and_the_way_out() -> None:
    with pytest.raises(DimensionMismatch) as caught:
        check_dimension("tenant_acme", 1536, "local/all-MiniLM-L6-v2", LOCAL_DIMENSION)
    message = str(caught.value)
    assert "1536" in message and "384" in message
    assert "re-index" in message and "provider with 1536 dimensions" in message
    assert caught.value.http_status == 409
    check_dimension("tenant_acme", 384, "local/all-MiniLM-L6-v2", LOCAL_DIMENSION)
