"""Points of a tenant's collection: write (the ETL's queue consumer), search
(the backend). Errors map as in ``pulse_common.vectorstore``: transport
failures and 5xx are ``BackendUnavailable``; the ETL and backend connect with
a token scoped to the tenant's collection, never with the platform key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import jwt
from qdrant_client import QdrantClient, models

from pulse_common.ai.embeddings import check_dimension
from pulse_common.errors import NotFound
from pulse_common.search.documents import Document, Kind
from pulse_common.vectorstore import GRANTS, _call


def read_token(
    api_key: str, collection: str, slug: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
) -> str:
    """A short-lived read-only JWT for one collection, valid only while the
    tenant's grant exists (a revoked or deleted tenant's searches stop at
    once, like its ETL's token)."""
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "access": [{"collection": collection, "access": "r"}],
        "value_exists": {"collection": GRANTS, "matches": [{"key": "slug", "value": slug}]},
        "exp": int((issued + ttl).timestamp()),
        "iat": int(issued.timestamp()),
    }
    return jwt.encode(claims, api_key, algorithm="HS256")


def check_size(client: QdrantClient, collection: str, model: str, dimension: int) -> None:
    """Raises ``DimensionMismatch`` (a configuration error naming both ways
    out) when the collection's vectors are not the model's size, and
    ``NotFound`` when the collection does not exist."""
    try:
        info = _call("get_collection", lambda: client.get_collection(collection))
    except ValueError:
        # Local mode's answer to a missing collection (a server answers 404).
        raise NotFound(f"vector collection {collection} does not exist") from None
    params = info.config.params.vectors
    size = params.size if isinstance(params, models.VectorParams) else 0
    check_dimension(collection, size, model, dimension)


def upsert(
    client: QdrantClient, collection: str, docs: Sequence[Document], vectors: Sequence[list[float]]
) -> None:
    points = [
        models.PointStruct(id=d.point_id, vector=v, payload=d.payload())
        for d, v in zip(docs, vectors, strict=True)
    ]
    if points:
        _call("upsert", lambda: client.upsert(collection, points, wait=True))


def delete(client: QdrantClient, collection: str, point_ids: Sequence[str]) -> None:
    if point_ids:
        selector = models.PointIdsList(points=list(point_ids))
        _call("delete", lambda: client.delete(collection, selector, wait=True))


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
    found = _call(
        "query_points",
        lambda: client.query_points(
            collection,
            query=vector,
            query_filter=models.Filter(must=must) if must else None,
            limit=limit,
        ),
    )
    hits = []
    for p in found.points:
        payload = p.payload or {}
        hits.append(Hit(Kind(payload["type"]), int(payload["row_id"]), float(p.score)))
    return hits
