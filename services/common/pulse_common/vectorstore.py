"""The only module that talks to Qdrant through qdrant-client (the backend,
the ETL, tests); the operator's few admin calls go over REST instead
(pulse_operator.qdrant). Both manage collections and tokens through
``vector_admin``; ``ClientAdmin`` adapts qdrant-client to it.

``connect`` takes a server URL (``http://qdrant:6333``) with the platform API
key, or a local-mode location: ``:memory:`` or ``path:/some/dir`` (used where
no server can run, e.g. the tests). Tenants never get the API key: they get a
JWT signed with it whose claims allow their one collection (Qdrant JWT RBAC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from pulse_common import vector_admin
from pulse_common.errors import BackendUnavailable, NotFound
from pulse_common.vector_admin import (
    GRANTS,
    KEEP_NONCES,
    OWNER,
    CollectionSpec,
    CollectionState,
    VectorStoreMismatch,
)

__all__ = [
    "GRANTS",
    "KEEP_NONCES",
    "OWNER",
    "CollectionSpec",
    "CollectionState",
    "VectorStoreMismatch",
]

T = TypeVar("T")

DISTANCES = {
    "Cosine": models.Distance.COSINE,
    "Dot": models.Distance.DOT,
    "Euclid": models.Distance.EUCLID,
}


def connect(location: str, api_key: str | None = None, *, timeout: int = 10) -> QdrantClient:
    if location == ":memory:":
        return QdrantClient(location=":memory:")
    if location.startswith("path:"):
        return QdrantClient(path=location.removeprefix("path:"))
    return QdrantClient(url=location, api_key=api_key, timeout=timeout)


def _call(what: str, fn: Callable[[], T]) -> T:
    """Transport failures and 5xx/429 answers are an outage (retryable);
    other answers (4xx) propagate as the client's ``UnexpectedResponse``."""
    try:
        return fn()
    except (ConnectionError, TimeoutError, OSError, ResponseHandlingException) as exc:
        raise BackendUnavailable("qdrant", f"{what}: {_first(exc)}") from None
    except UnexpectedResponse as exc:
        if exc.status_code is None or exc.status_code in (429, 500, 502, 503, 504):
            raise BackendUnavailable("qdrant", f"{what}: HTTP {exc.status_code}") from None
        raise


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class ClientAdmin:
    """``vector_admin.VectorAdmin`` over qdrant-client (a server or local mode)."""

    def __init__(self, client: QdrantClient) -> None:
        self.client = client

    def collection(self, name: str) -> vector_admin.Collection | None:
        client = self.client
        if not _call("collection_exists", lambda: client.collection_exists(name)):
            return None
        info = _call("get_collection", lambda: client.get_collection(name))
        vectors = info.config.params.vectors
        size, distance = 0, ""
        if isinstance(vectors, models.VectorParams):
            size = vectors.size
            distance = next(k for k, v in DISTANCES.items() if v == vectors.distance)
        return vector_admin.Collection(size, distance, dict(info.config.metadata or {}))

    def create_collection(
        self, name: str, vectors: tuple[int, str] | None, metadata: dict[str, Any] | None
    ) -> None:
        config: models.VectorParams | dict[str, models.VectorParams] = {}
        if vectors is not None:
            config = models.VectorParams(size=vectors[0], distance=DISTANCES[vectors[1]])
        try:
            _call(
                "create_collection",
                lambda: self.client.create_collection(
                    name, vectors_config=config, metadata=metadata
                ),
            )
        except UnexpectedResponse as exc:
            raise vector_admin.VectorStoreRefused(exc.status_code or 0, _first(exc)) from None

    def set_metadata(self, name: str, metadata: dict[str, Any]) -> None:
        _call("update_collection", lambda: self.client.update_collection(name, metadata=metadata))

    def delete_collection(self, name: str) -> None:
        _call("delete_collection", lambda: self.client.delete_collection(name))

    def payload(self, collection: str, point_id: str) -> dict[str, Any] | None:
        client = self.client
        if not _call("collection_exists", lambda: client.collection_exists(collection)):
            return None
        points = _call("retrieve", lambda: client.retrieve(collection, [point_id]))
        return dict(points[0].payload or {}) if points else None

    def put_payload(self, collection: str, point_id: str, payload: dict[str, Any]) -> None:
        point = models.PointStruct(id=point_id, vector={}, payload=payload)
        _call("upsert", lambda: self.client.upsert(collection, [point]))

    def delete_point(self, collection: str, point_id: str) -> None:
        client = self.client
        if _call("collection_exists", lambda: client.collection_exists(collection)):
            selector = models.PointIdsList(points=[point_id])
            _call("delete", lambda: client.delete(collection, selector))


def collection_params(client: QdrantClient, name: str) -> tuple[int, str] | None:
    return vector_admin.collection_params(ClientAdmin(client), name)


def ensure_collection(client: QdrantClient, spec: CollectionSpec) -> CollectionState:
    return vector_admin.ensure_collection(ClientAdmin(client), spec)


def delete_collection(client: QdrantClient, name: str, tenant_id: int | None) -> bool:
    """Deletes the collection only when it is marked as ``tenant_id``'s."""
    return vector_admin.delete_collection(ClientAdmin(client), name, tenant_id)


# Points of a tenant's collection (the ETL writes them, the backend queries
# them), through a client holding the tenant's collection-scoped token.


@dataclass(frozen=True)
class CollectionInfo:
    vector_size: int
    points: int


def collection_info(client: QdrantClient, name: str) -> CollectionInfo:
    """The collection's vector size and point count; ``NotFound`` when it
    does not exist."""
    try:
        info = _call("get_collection", lambda: client.get_collection(name))
    except ValueError:
        # Local mode's answer to a missing collection (a server answers 404).
        raise NotFound(f"vector collection {name} does not exist") from None
    vectors = info.config.params.vectors
    size = vectors.size if isinstance(vectors, models.VectorParams) else 0
    return CollectionInfo(size, info.points_count or 0)


def upsert_points(client: QdrantClient, name: str, points: Sequence[models.PointStruct]) -> None:
    if points:
        _call("upsert", lambda: client.upsert(name, list(points), wait=True))


def delete_points(client: QdrantClient, name: str, ids: Sequence[str]) -> None:
    if ids:
        selector = models.PointIdsList(points=list(ids))
        _call("delete", lambda: client.delete(name, selector, wait=True))


def query_points(
    client: QdrantClient,
    name: str,
    vector: list[float],
    conditions: Sequence[models.Condition],
    limit: int,
) -> list[models.ScoredPoint]:
    found = _call(
        "query_points",
        lambda: client.query_points(
            name,
            query=vector,
            query_filter=models.Filter(must=list(conditions)) if conditions else None,
            limit=limit,
        ),
    )
    return list(found.points)


def issue_token(
    client: QdrantClient,
    api_key: str,
    collection: str,
    slug: str,
    *,
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> str:
    """See ``vector_admin.issue_token``."""
    return vector_admin.issue_token(
        ClientAdmin(client), api_key, collection, slug, ttl=ttl, now=now
    )


def revoke_tokens(client: QdrantClient, slug: str) -> None:
    vector_admin.revoke_tokens(ClientAdmin(client), slug)


def token_accepted(
    client: QdrantClient,
    api_key: str,
    token: str,
    collection: str,
    slug: str,
    *,
    min_remaining: dt.timedelta = dt.timedelta(0),
    now: dt.datetime | None = None,
) -> bool:
    """See ``vector_admin.token_accepted``."""
    return vector_admin.token_accepted(
        ClientAdmin(client), api_key, token, collection, slug, min_remaining=min_remaining, now=now
    )
