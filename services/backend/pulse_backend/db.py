"""Tenant transaction dependencies for routes.

``WriteConn``: a transaction on the primary as the caller's tenant, committed
when the route function returns (``scope="function"``: before the response
is sent, so a client never gets 2xx for a commit that then fails) and
remembered for read-your-writes. ``ReadConn``: a read-only transaction on the
replica, or on the primary when the replica lags or has not yet replayed the
session's own last write (see ``pulse_backend.replica``).

A route that uses one of these must also declare its permission; both
depend on ``current_principal`` (cached per request), never on input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Connection

from pulse_backend.context import Principal, current_principal
from pulse_backend.state import AppClients, Clients
from pulse_backend.tx import read_transaction, write_transaction


@contextmanager
def tenant_write(
    clients: AppClients, principal: Principal, committed: list[str] | None = None
) -> Iterator[Connection]:
    """For services that must act after the commit (e.g. drop cached
    sessions): the same transaction ``WriteConn`` gives a route.
    ``committed`` gets the WAL position after the commit, when it wrote."""
    lsn: list[str] = committed if committed is not None else []
    with write_transaction(clients.engines.primary, principal.names, lsn) as conn:
        yield conn
    if lsn and clients.replica.has_replica:
        clients.replica.remember_write(principal.slug, principal.session_id, lsn[0])


def _write_conn(
    clients: Clients, principal: Annotated[Principal, Depends(current_principal)]
) -> Iterator[Connection]:
    with tenant_write(clients, principal) as conn:
        yield conn


def _read_conn(
    clients: Clients, principal: Annotated[Principal, Depends(current_principal)]
) -> Iterator[Connection]:
    with read_transaction(
        clients.replica, principal.names, principal.session_id, principal.pending_lsn
    ) as conn:
        yield conn


WriteConn = Annotated[Connection, Depends(_write_conn, scope="function")]
ReadConn = Annotated[Connection, Depends(_read_conn, scope="function")]
