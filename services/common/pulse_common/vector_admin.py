"""Managing tenants' Qdrant collections and tokens, over any client that can
do a handful of admin calls (``VectorAdmin``): ``vectorstore`` adapts
qdrant-client to it (backend, ETL, tests), the operator speaks Qdrant's REST
API directly (pulse_operator.qdrant) so that it never loads qdrant-client,
grpc and numpy (~54 MB of its RSS) for a few requests per tenant.

Nothing here imports qdrant-client.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from pulse_common.errors import Conflict, PulseError
from pulse_common.tenancy import ownership_mark

DISTANCES = ("Cosine", "Dot", "Euclid")
OWNER = "pulse_owner"  # collection metadata key holding the ownership mark


class VectorStoreMismatch(PulseError):
    """An existing collection has other parameters than asked: never recreated
    silently (that would drop every vector)."""

    code = "vector_store_mismatch"


class VectorStoreRefused(PulseError):
    """Qdrant refused a request (a 4xx other than 404): permanent for this input."""

    code = "vector_store_refused"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"qdrant refused ({status}): {message}")
        self.status = status


class CollectionState(enum.StrEnum):
    created = "created"
    matches = "matches"


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    vector_size: int
    distance: str  # Cosine | Dot | Euclid
    tenant_id: int


@dataclass(frozen=True)
class Collection:
    """What the admin calls need of an existing collection. A collection with
    no unnamed vector (the grants) has size 0 and distance ""."""

    vector_size: int
    distance: str
    metadata: dict[str, Any]


class VectorAdmin(Protocol):
    """The admin calls; an outage raises ``BackendUnavailable``."""

    def collection(self, name: str) -> Collection | None: ...

    def create_collection(
        self, name: str, vectors: tuple[int, str] | None, metadata: dict[str, Any] | None
    ) -> None:
        """``vectors``: (size, distance) of the unnamed vector; None for none."""

    def set_metadata(self, name: str, metadata: dict[str, Any]) -> None: ...

    def delete_collection(self, name: str) -> None: ...

    def payload(self, collection: str, point_id: str) -> dict[str, Any] | None:
        """The point's payload; None when the point or the collection is missing."""

    def put_payload(self, collection: str, point_id: str, payload: dict[str, Any]) -> None:
        """Upserts a point with no vector."""

    def delete_point(self, collection: str, point_id: str) -> None:
        """Idempotent, also when the collection is missing."""


def collection_params(client: VectorAdmin, name: str) -> tuple[int, str] | None:
    found = client.collection(name)
    return None if found is None else (found.vector_size, found.distance)


def _mark(found: Collection) -> str | None:
    mark = found.metadata.get(OWNER)
    return None if mark is None else str(mark)


def _refuse(name: str, mark: str | None, tenant_id: int | None, what: str) -> Conflict:
    return Conflict(
        f"collection {name} is marked {mark or 'as nobody'!r}, not as tenant id {tenant_id}: "
        f"refusing to {what} it"
    )


def ensure_collection(client: VectorAdmin, spec: CollectionSpec) -> CollectionState:
    found = client.collection(spec.name)
    mark = ownership_mark(spec.tenant_id)
    if found is None:
        client.create_collection(spec.name, (spec.vector_size, spec.distance), {OWNER: mark})
        return CollectionState.created
    if _mark(found) not in (None, mark):
        raise _refuse(spec.name, _mark(found), spec.tenant_id, "adopt")
    if _mark(found) is None:  # made before issue 8: adopt it
        client.set_metadata(spec.name, {OWNER: mark})
    current = (found.vector_size, found.distance)
    if current != (spec.vector_size, spec.distance):
        raise VectorStoreMismatch(
            f"collection {spec.name} exists with size {current[0]} and distance {current[1]}, "
            f"but the spec asks for size {spec.vector_size} and distance {spec.distance}; "
            "it is left as it is (recreating would delete its vectors)"
        )
    return CollectionState.matches


def delete_collection(client: VectorAdmin, name: str, tenant_id: int | None) -> bool:
    """Deletes the collection only when it is marked as ``tenant_id``'s."""
    found = client.collection(name)
    if found is None:
        return False
    if tenant_id is None or _mark(found) != ownership_mark(tenant_id):
        raise _refuse(name, _mark(found), tenant_id, "delete")
    client.delete_collection(name)
    return True


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


def _ensure_grants(client: VectorAdmin) -> None:
    if client.collection(GRANTS) is not None:
        return
    try:
        client.create_collection(GRANTS, None, None)
    except PulseError:
        # Tenants provisioned at once race to create it: the loser sees
        # "already exists", which is what it wanted.
        if client.collection(GRANTS) is None:
            raise


def _nonces(client: VectorAdmin, slug: str) -> list[str]:
    payload = client.payload(GRANTS, _grant_id(slug))
    return [str(x) for x in (payload or {}).get("nonces", [])]


def issue_token(
    client: VectorAdmin,
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
    client.put_payload(GRANTS, _grant_id(slug), {"slug": slug, "nonces": kept})
    issued = now or dt.datetime.now(dt.UTC)
    claims = {
        "access": [{"collection": collection, "access": "rw"}],
        "value_exists": {"collection": GRANTS, "matches": [{"key": "nonces", "value": nonce}]},
        "exp": int((issued + ttl).timestamp()),
        "iat": int(issued.timestamp()),
    }
    return jwt.encode(claims, api_key, algorithm="HS256")


def revoke_tokens(client: VectorAdmin, slug: str) -> None:
    """Every token ever issued for ``slug`` stops working (Retain deletion,
    suspension). Idempotent."""
    client.delete_point(GRANTS, _grant_id(slug))


def token_accepted(
    client: VectorAdmin,
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
