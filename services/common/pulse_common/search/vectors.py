"""Search documents as points of a tenant's collection: write (the ETL's
queue consumer), search (the backend). Qdrant itself is reached only through
``pulse_common.vectorstore``, whose errors apply: transport failures and 5xx
are ``BackendUnavailable``; the ETL and backend connect with a token scoped to
the tenant's collection, never with the platform key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import jwt
from qdrant_client import QdrantClient, models

from pulse_common import vectorstore
from pulse_common.ai.embeddings import check_dimension
from pulse_common.search.documents import Document, Kind, point_id
from pulse_common.vectorstore import GRANTS


def collection_token(
    api_key: str,
    collection: str,
    slug: str,
    *,
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
    access: Literal["r", "rw"] = "r",
) -> str:
    """A short-lived JWT for one collection (read-only unless ``access`` says
    ``rw``: the backend's indexer), valid only while the tenant's grant
    exists (a revoked or deleted tenant's searches stop at once, like its
    ETL's token)."""
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "access": [{"collection": collection, "access": access}],
        "value_exists": {"collection": GRANTS, "matches": [{"key": "slug", "value": slug}]},
        "exp": int((issued + ttl).timestamp()),
        "iat": int(issued.timestamp()),
    }
    return jwt.encode(claims, api_key, algorithm="HS256")


def check_size(client: QdrantClient, collection: str, model: str, dimension: int) -> None:
    """Raises ``DimensionMismatch`` (a configuration error naming both ways
    out) when the collection's vectors are not the model's size, and
    ``NotFound`` when the collection does not exist."""
    size = vectorstore.collection_info(client, collection).vector_size
    check_dimension(collection, size, model, dimension)


def upsert(
    client: QdrantClient, collection: str, docs: Sequence[Document], vectors: Sequence[list[float]]
) -> None:
    points = [
        models.PointStruct(id=d.point_id, vector=v, payload=d.payload())
        for d, v in zip(docs, vectors, strict=True)
    ]
    vectorstore.upsert_points(client, collection, points)


def delete(client: QdrantClient, collection: str, point_ids: Sequence[str]) -> None:
    vectorstore.delete_points(client, collection, point_ids)


@dataclass(frozen=True)
class Hit:
    kind: Kind
    row_id: int
    score: float


def search(
    client: QdrantClient,
    collection: str,
    vector: list[float],
    *,
    kinds: Sequence[Kind],
    project_ids: Sequence[int] | None,
    repository_ids: Sequence[int] | None,
    limit: int,
) -> list[Hit]:
    must: list[models.Condition] = []
    # Every kind is the common case: no condition (a filter costs a scan of
    # the payloads in local mode, and is pointless on a real server).
    if set(kinds) != set(Kind):
        must.append(
            models.FieldCondition(key="type", match=models.MatchAny(any=[k.value for k in kinds]))
        )
    if project_ids is not None:
        must.append(
            models.FieldCondition(key="project_id", match=models.MatchAny(any=list(project_ids)))
        )
    if repository_ids is not None:
        must.append(
            models.FieldCondition(
                key="repository_id", match=models.MatchAny(any=list(repository_ids))
            )
        )
    found = vectorstore.query_points(client, collection, vector, must, limit)
    hits = []
    for p in found:
        payload = p.payload or {}
        hits.append(Hit(Kind(payload["type"]), int(payload["row_id"]), float(p.score)))
    return hits


def similarity(
    client: QdrantClient, collection: str, vector: list[float], rows: Sequence[tuple[Kind, int]]
) -> dict[tuple[Kind, int], float]:
    """The similarity to ``vector`` of these rows' points, by point id (the
    rows come from PostgreSQL, never from a payload); a row without a point
    (not embedded yet) is left out."""
    by_point = {point_id(kind, row_id): (kind, row_id) for kind, row_id in rows}
    if not by_point:
        return {}
    condition = models.HasIdCondition(has_id=list(by_point))
    found = vectorstore.query_points(client, collection, vector, [condition], len(by_point))
    return {by_point[str(p.id)]: float(p.score) for p in found if str(p.id) in by_point}
