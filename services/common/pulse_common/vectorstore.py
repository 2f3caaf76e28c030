"""The only module that talks to Qdrant.

``connect`` takes a server URL (``http://qdrant:6333``) with the platform API
key, or a local-mode location: ``:memory:`` or ``path:/some/dir`` (used where
no server can run, e.g. the tests). Tenants never get the API key: they get a
JWT signed with it whose claims allow their one collection (Qdrant JWT RBAC).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import jwt
from qdrant_client import QdrantClient, models

from pulse_common.errors import BackendUnavailable, PulseError

T = TypeVar("T")

DISTANCES = {
    "Cosine": models.Distance.COSINE,
    "Dot": models.Distance.DOT,
    "Euclid": models.Distance.EUCLID,
}


class VectorStoreMismatch(PulseError):
    """An existing collection has other parameters than asked: never recreated
    silently (that would drop every vector)."""

    code = "vector_store_mismatch"


class CollectionState(enum.StrEnum):
    created = "created"
    matches = "matches"


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    vector_size: int
    distance: str  # Cosine | Dot | Euclid


def connect(location: str, api_key: str | None = None, *, timeout: int = 10) -> QdrantClient:
    if location == ":memory:":
        return QdrantClient(location=":memory:")
    if location.startswith("path:"):
        return QdrantClient(path=location.removeprefix("path:"))
    return QdrantClient(url=location, api_key=api_key, timeout=timeout)


def _call(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (ConnectionError, TimeoutError, OSError) as exc:
        raise BackendUnavailable("qdrant", f"{what}: {exc}") from None


def collection_params(client: QdrantClient, name: str) -> tuple[int, str] | None:
    if not _call("collection_exists", lambda: client.collection_exists(name)):
        return None
    info = _call("get_collection", lambda: client.get_collection(name))
    vectors = info.config.params.vectors
    assert isinstance(vectors, models.VectorParams)
    distance = next(k for k, v in DISTANCES.items() if v == vectors.distance)
    return vectors.size, distance


def ensure_collection(client: QdrantClient, spec: CollectionSpec) -> CollectionState:
    current = collection_params(client, spec.name)
    if current is None:
        _call(
            "create_collection",
            lambda: client.create_collection(
                spec.name,
                vectors_config=models.VectorParams(
                    size=spec.vector_size, distance=DISTANCES[spec.distance]
                ),
            ),
        )
        return CollectionState.created
    if current != (spec.vector_size, spec.distance):
        raise VectorStoreMismatch(
            f"collection {spec.name} exists with size {current[0]} and distance {current[1]}, "
            f"but the spec asks for size {spec.vector_size} and distance {spec.distance}; "
            "it is left as it is (recreating would delete its vectors)"
        )
    return CollectionState.matches


def delete_collection(client: QdrantClient, name: str) -> bool:
    if not _call("collection_exists", lambda: client.collection_exists(name)):
        return False
    _call("delete_collection", lambda: client.delete_collection(name))
    return True


def issue_token(
    api_key: str, collection: str, *, ttl: dt.timedelta, now: dt.datetime | None = None
) -> str:
    """A JWT for Qdrant's RBAC allowing read-write on one collection only."""
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "access": [{"collection": collection, "access": "rw"}],
        "exp": int((issued + ttl).timestamp()),
        "iat": int(issued.timestamp()),
    }
    return jwt.encode(claims, api_key, algorithm="HS256")


def token_valid_for(
    api_key: str,
    token: str,
    collection: str,
    *,
    min_remaining: dt.timedelta,
    now: dt.datetime | None = None,
) -> bool:
    """Whether ``token`` is ours, for ``collection`` only, and not about to expire."""
    try:
        claims = jwt.decode(token, api_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return False
    current = now or dt.datetime.now(dt.UTC)
    return bool(
        claims.get("access") == [{"collection": collection, "access": "rw"}]
        and claims.get("exp", 0) > (current + min_remaining).timestamp()
    )
