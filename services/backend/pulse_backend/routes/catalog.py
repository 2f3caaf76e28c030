"""/api/v1/catalog: names, addresses and DORA bands for the dashboards'
pickers, links and charts (cached per data version, like the analytics)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from pulse_backend import analytics_service, response_cache
from pulse_backend.catalog import Catalog, catalog
from pulse_backend.context import Principal, require
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.state import Clients

router = APIRouter(tags=["analytics"], route_class=RetriedOnPrimary)
Reader = Annotated[Principal, require("analytics:read")]


@router.get("/catalog")
def get_catalog(clients: Clients, principal: Reader, response: Response) -> Catalog:
    """Projects, repositories, PR authors, work item assignees, the Jira
    address and the DORA bands."""
    bench = analytics_service.benchmarks(clients)
    return response_cache.cached(
        clients,
        principal,
        "catalog",
        {},
        Catalog,
        lambda conn: catalog(conn, bench),
        response=response,
    )
