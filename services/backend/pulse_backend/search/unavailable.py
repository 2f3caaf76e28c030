"""Why semantic search cannot answer: the vector store or the embedding
model's error as a ``SearchState`` and a reason in words meant for users
(the search's notice, the admins' status), with the transport's detail kept
apart for the log only."""

from __future__ import annotations

from qdrant_client.http.exceptions import UnexpectedResponse

from pulse_backend.search.schemas import SearchState
from pulse_common.ai.errors import DimensionMismatch, NoProviderAvailable
from pulse_common.errors import BackendUnavailable, NotFound


class Unavailable(Exception):
    """``reason`` is for users; ``detail`` (transport text) for the log."""

    def __init__(self, state: SearchState, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason
        self.detail = detail


def unavailable(exc: Exception) -> Unavailable:
    """``exc`` (the store's, the model's or a provider's) as the state and
    reason to show; of a refusal by the store only its HTTP status is kept
    as the detail, not the response's body."""
    detail = str(exc)
    if isinstance(exc, DimensionMismatch):
        reason = (
            f"this tenant's vector collection holds vectors of size {exc.collection_size} "
            f"but its embedding model produces {exc.model_size}; an admin must configure an "
            f"embedding provider with {exc.collection_size} dimensions"
        )
        return Unavailable(SearchState.dimension_mismatch, reason, detail)
    if isinstance(exc, BackendUnavailable):
        return Unavailable(SearchState.unavailable, "vector store unreachable", detail)
    if isinstance(exc, NoProviderAvailable):
        return Unavailable(SearchState.unavailable, "embedding provider unreachable", detail)
    if isinstance(exc, NotFound):
        return Unavailable(SearchState.missing, "no vector collection yet", detail)
    if isinstance(exc, UnexpectedResponse):
        if exc.status_code == 404:
            return Unavailable(SearchState.missing, "no vector collection yet", detail)
        return Unavailable(
            SearchState.unavailable, "vector store refused access", f"HTTP {exc.status_code}"
        )
    return Unavailable(SearchState.unavailable, "semantic search failed", detail)
