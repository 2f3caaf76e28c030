"""/api/v1/search: semantic search over the tenant's work items, pull
requests and incidents (``pulse_backend.search.service``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from pulse_backend.context import Principal, require
from pulse_backend.providers.routing import provider_entries
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.search.schemas import (
    ReindexResult,
    SearchParams,
    SearchResponse,
    SearchStatus,
)
from pulse_backend.search.service import SearchDeps, reindex, search, status
from pulse_backend.search.vectors import TenantVectors
from pulse_backend.state import AppClients, Clients
from pulse_common.search.queue import LazyLocalEmbedder

router = APIRouter(tags=["search"], route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("search:read")]
# The status names the embedding configuration: for those who manage it.
Admin = Annotated[Principal, require("integrations:read")]
# Re-indexing spends the tenant's embedding provider's quota.
Manager = Annotated[Principal, require("integrations:write")]


def search_deps(request: Request, clients: AppClients) -> SearchDeps:
    """Built at first use, then kept on the app; the model's weights load at
    the first text it embeds (a provider's test needs only the vector store).
    Tests may put their own on ``app.state.search``."""
    deps: SearchDeps | None = getattr(request.app.state, "search", None)
    if deps is None:
        key = clients.settings.qdrant_api_key
        deps = SearchDeps(
            embedder=LazyLocalEmbedder(),
            vectors=TenantVectors(
                clients.settings.qdrant_url, key.get_secret_value() if key else None
            ),
            providers=lambda conn, p: provider_entries(conn, clients.encryption, p.slug),
        )
        request.app.state.search = deps
    return deps


@router.get(
    "/search", response_model=SearchResponse, summary="Search work items, PRs and incidents"
)
def search_route(
    request: Request,
    clients: Clients,
    principal: Reader,
    params: Annotated[SearchParams, Query()],
) -> SearchResponse:
    return search(clients, principal, params, search_deps(request, clients))


@router.get(
    "/search/status",
    response_model=SearchStatus,
    summary="Whether semantic search works for the tenant, and why not",
)
def search_status(request: Request, clients: Clients, principal: Admin) -> SearchStatus:
    return status(clients, principal, search_deps(request, clients))


@router.post(
    "/search/reindex",
    response_model=ReindexResult,
    status_code=202,
    summary="Queue every work item, PR and incident to be embedded again",
)
def search_reindex(clients: Clients, principal: Manager) -> ReindexResult:
    return reindex(clients, principal)
