"""Qdrant runs in local mode (no server can be had here): the client API works."""

from __future__ import annotations

from qdrant_client import QdrantClient, models


def test_collection_roundtrip(qdrant: QdrantClient) -> None:
    qdrant.create_collection(
        "tenant_smoke", vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE)
    )
    qdrant.upsert(
        "tenant_smoke",
        points=[
            models.PointStruct(id=1, vector=[1, 0, 0, 0], payload={"k": "a"}),
            models.PointStruct(id=2, vector=[0, 1, 0, 0], payload={"k": "b"}),
        ],
    )
    hits = qdrant.query_points("tenant_smoke", query=[0.9, 0.1, 0, 0], limit=1).points
    assert [h.payload for h in hits] == [{"k": "a"}]
    info = qdrant.get_collection("tenant_smoke")
    assert info.config.params.vectors.size == 4  # type: ignore[union-attr]
