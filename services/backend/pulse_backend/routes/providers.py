"""/api/v1/integrations (data sources, read-only) and /api/v1/ai-providers
(AI and embedding provider configuration)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from pulse_backend.context import Principal, require
from pulse_backend.db import ReadConn, WriteConn
from pulse_backend.providers import probe, service
from pulse_backend.providers.models import (
    ConnectionTest,
    DataIntegrationOut,
    ProviderCreate,
    ProviderOut,
    ProviderPatch,
    ProviderType,
    RotationResult,
)
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.routes.search import search_deps
from pulse_backend.search.service import collection_size
from pulse_backend.state import Clients
from pulse_backend.tx import read_transaction

router = APIRouter(tags=["integrations"], route_class=RetriedOnPrimary)
ProviderId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Reader = Annotated[Principal, require("integrations:read")]
Writer = Annotated[Principal, require("integrations:write")]


@router.get("/integrations")
def list_integrations(conn: ReadConn, _: Reader) -> list[DataIntegrationOut]:
    """Jira and GitHub integrations (from the tenant's spec) with their sync status."""
    return service.list_data_integrations(conn)


@router.get("/ai-providers")
def list_providers(conn: ReadConn, _: Reader) -> list[ProviderOut]:
    return service.list_providers(conn)


@router.post("/ai-providers", status_code=201)
def create_provider(
    body: ProviderCreate, conn: WriteConn, clients: Clients, principal: Writer
) -> ProviderOut:
    return service.create_provider(conn, clients.encryption, principal, body)


@router.post("/ai-providers/rotate-credentials")
def rotate_credentials(conn: WriteConn, clients: Clients, principal: Writer) -> RotationResult:
    """Re-encrypts every stored credential with the active platform key."""
    return service.rotate(conn, clients.encryption, principal.slug)


@router.get("/ai-providers/{provider_id}")
def get_provider(provider_id: ProviderId, conn: ReadConn, _: Reader) -> ProviderOut:
    return service.get_provider(conn, provider_id)


@router.patch("/ai-providers/{provider_id}")
def update_provider(
    provider_id: ProviderId,
    body: ProviderPatch,
    conn: WriteConn,
    clients: Clients,
    principal: Writer,
) -> ProviderOut:
    return service.update_provider(conn, clients.encryption, principal, provider_id, body)


@router.delete("/ai-providers/{provider_id}", status_code=204)
def delete_provider(provider_id: ProviderId, conn: WriteConn, _: Writer) -> Response:
    service.delete_provider(conn, provider_id)
    return Response(status_code=204)


@router.post("/ai-providers/{provider_id}/test")
def probe_provider(
    request: Request, provider_id: ProviderId, clients: Clients, principal: Writer
) -> ConnectionTest:
    """Calls the provider (``/models``, or one tiny embedding) with its timeouts;
    an embedding provider must also fit the tenant's vector collection."""
    # The transaction is closed before the outbound call: a slow provider
    # must not hold a database connection.
    with read_transaction(
        clients.replica, principal.names, principal.session_id, principal.pending_lsn
    ) as conn:
        provider, api_key = service.credentials(
            conn, clients.encryption, principal.slug, provider_id
        )
    size = None
    if provider.type is ProviderType.embedding:
        size = collection_size(search_deps(request, clients), principal)
    return probe.check_connection(provider, api_key, size)
