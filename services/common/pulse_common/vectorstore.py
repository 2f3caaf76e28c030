"""The only module that talks to Qdrant.

``connect`` takes a server URL (``http://qdrant:6333``) with the platform API
key, or a local-mode location: ``:memory:`` or ``path:/some/dir`` (used where
no server can run, e.g. the tests). Tenants never get the API key: they get a
JWT signed with it whose claims allow their one collection (Qdrant JWT RBAC).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import jwt
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from pulse_common.errors import BackendUnavailable, Conflict, NotFound, PulseError
from pulse_common.tenancy import ownership_mark

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
    tenant_id: int


OWNER = "pulse_owner"  # collection metadata key holding the ownership mark


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


@dataclass(frozen=True)
class _Existing:
    vector_size: int
    distance: str
    mark: str | None


def _existing(client: QdrantClient, name: str) -> _Existing | None:
    if not _call("collection_exists", lambda: client.collection_exists(name)):
        return None
    info = _call("get_collection", lambda: client.get_collection(name))
    vectors = info.config.params.vectors
    assert isinstance(vectors, models.VectorParams)
    distance = next(k for k, v in DISTANCES.items() if v == vectors.distance)
    mark = (info.config.metadata or {}).get(OWNER)
    return _Existing(vectors.size, distance, str(mark) if mark is not None else None)


def collection_params(client: QdrantClient, name: str) -> tuple[int, str] | None:
    found = _existing(client, name)
    return None if found is None else (found.vector_size, found.distance)


def _refuse(name: str, mark: str | None, tenant_id: int | None, what: str) -> Conflict:
    return Conflict(
        f"collection {name} is marked {mark or 'as nobody'!r}, not as tenant id {tenant_id}: "
        f"refusing to {what} it"
    )


def ensure_collection(client: QdrantClient, spec: CollectionSpec) -> CollectionState:
    found = _existing(client, spec.name)
    mark = ownership_mark(spec.tenant_id)
    if found is None:
        _call(
            "create_collection",
            lambda: client.create_collection(
                spec.name,
                vectors_config=models.VectorParams(
                    size=spec.vector_size, distance=DISTANCES[spec.distance]
                ),
                metadata={OWNER: mark},
            ),
        )
        return CollectionState.created
    if found.mark not in (None, mark):
        raise _refuse(spec.name, found.mark, spec.tenant_id, "adopt")
    if found.mark is None:  # made before issue 8: adopt it
        _call(
            "update_collection",
            lambda: client.update_collection(spec.name, metadata={OWNER: mark}),
        )
    current = (found.vector_size, found.distance)
    if current != (spec.vector_size, spec.distance):
        raise VectorStoreMismatch(
            f"collection {spec.name} exists with size {current[0]} and distance {current[1]}, "
            f"but the spec asks for size {spec.vector_size} and distance {spec.distance}; "
            "it is left as it is (recreating would delete its vectors)"
        )
    return CollectionState.matches


def delete_collection(client: QdrantClient, name: str, tenant_id: int | None) -> bool:
    """Deletes the collection only when it is marked as ``tenant_id``'s."""
    found = _existing(client, name)
    if found is None:
        return False
    if tenant_id is None or found.mark != ownership_mark(tenant_id):
        raise _refuse(name, found.mark, tenant_id, "delete")
    _call("delete_collection", lambda: client.delete_collection(name))
    return True


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


# Revocation (Qdrant's ``value_exists`` claim): each token names a random
# nonce that the server must find in this platform collection, in the point of
# its tenant. Revoking deletes the point, so every token of the tenant stops
# working at once, long before it expires; a tenant re-created under the same
# name gets new nonces, so old tokens never come back. Tenants' tokens do not
# cover this collection (their ``access`` names only their own).
GRANTS = "pulse_token_grants"
_GRANT_NS = uuid.UUID("6f1d1c2e-5b1a-4f7e-9a57-70756c736500")
KEEP_NONCES = 2  # the current token, and the one it replaced (pods still using it)


def _grant_id(slug: str) -> str:
    return str(uuid.uuid5(_GRANT_NS, slug))


def _ensure_grants(client: QdrantClient) -> None:
    if _call("collection_exists", lambda: client.collection_exists(GRANTS)):
        return
    try:
        _call("create_collection", lambda: client.create_collection(GRANTS, vectors_config={}))
    except UnexpectedResponse:
        # Tenants provisioned at once race to create it: the loser sees
        # "already exists", which is what it wanted.
        if not _call("collection_exists", lambda: client.collection_exists(GRANTS)):
            raise


def _nonces(client: QdrantClient, slug: str) -> list[str]:
    if not _call("collection_exists", lambda: client.collection_exists(GRANTS)):
        return []
    points = _call("retrieve", lambda: client.retrieve(GRANTS, [_grant_id(slug)]))
    if not points:
        return []
    return [str(x) for x in (points[0].payload or {}).get("nonces", [])]


def issue_token(
    client: QdrantClient,
    api_key: str,
    collection: str,
    slug: str,
    *,
    ttl: dt.timedelta,
    now: dt.datetime | None = None,
) -> str:
    """A JWT for Qdrant's RBAC allowing read-write on one collection only, and
    only while its nonce is granted (see ``revoke_tokens``)."""
    nonce = secrets.token_urlsafe(16)
    _ensure_grants(client)
    kept = [*_nonces(client, slug), nonce][-KEEP_NONCES:]
    _call(
        "upsert",
        lambda: client.upsert(
            GRANTS,
            [
                models.PointStruct(
                    id=_grant_id(slug), vector={}, payload={"slug": slug, "nonces": kept}
                )
            ],
        ),
    )
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "access": [{"collection": collection, "access": "rw"}],
        "value_exists": {"collection": GRANTS, "matches": [{"key": "nonces", "value": nonce}]},
        "exp": int((issued + ttl).timestamp()),
        "iat": int(issued.timestamp()),
    }
    return jwt.encode(claims, api_key, algorithm="HS256")


def revoke_tokens(client: QdrantClient, slug: str) -> None:
    """Every token ever issued for ``slug`` stops working (Retain deletion,
    suspension). Idempotent."""
    if _call("collection_exists", lambda: client.collection_exists(GRANTS)):
        _call(
            "delete",
            lambda: client.delete(GRANTS, models.PointIdsList(points=[_grant_id(slug)])),
        )


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
    """Whether the server would accept ``token`` for ``collection`` (ours,
    for that collection only, its nonce still granted) for at least
    ``min_remaining`` more."""
    try:
        claims = jwt.decode(token, api_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return False
    current = now or dt.datetime.now(dt.UTC)
    check = claims.get("value_exists") or {}
    matches = check.get("matches") or [{}]
    return bool(
        claims.get("access") == [{"collection": collection, "access": "rw"}]
        and claims.get("exp", 0) > (current + min_remaining).timestamp()
        and check.get("collection") == GRANTS
        and len(matches) == 1
        and matches[0].get("key") == "nonces"
        and matches[0].get("value") in _nonces(client, slug)
    )
