"""Tenant transactions: every statement of a request runs as the tenant's
login role with the tenant's schema on the search path.

The backend's own role is NOINHERIT: it holds no tenant's rights until
``SET LOCAL ROLE``, which ends with the transaction, so a pooled connection
never carries one tenant's role into the next request. The names come from
``TenantNames`` of the verified token's slug, never from request input.

The read transaction's opening round trip at the driver is
``read_opening``'s; this module holds the transactions callers use, which
server a read goes to and the one retry on a lost connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy.exc
import structlog
from sqlalchemy import Connection, Engine, text

from pulse_backend.read_opening import DeadConnection, abandon, begin_read, end_read
from pulse_backend.replica import ReplicaRouter, TenantNotReplayed
from pulse_backend.replica_conflicts import conflict_of
from pulse_common.errors import BackendUnavailable
from pulse_common.tenancy import TenantNames, quote_ident

log = structlog.get_logger("pulse_backend.tx")

_WROTE_SQL = text("SELECT txid_current_if_assigned() IS NOT NULL")
# The insert position, not pg_current_wal_lsn() (the write position): with
# synchronous_commit=off the commit record may not be written yet.
_LSN_SQL = text("SELECT pg_current_wal_insert_lsn()::text")


def _open(engine: Engine, what: str) -> Connection:
    try:
        return engine.connect()
    except sqlalchemy.exc.OperationalError:
        raise BackendUnavailable(what, "cannot connect") from None


def _enter_tenant(conn: Connection, names: TenantNames, *, read_only: bool) -> None:
    # One round trip (no bind parameters, so several statements are allowed).
    statements = [
        f"SET LOCAL ROLE {quote_ident(names.login_role)}",
        f"SET LOCAL search_path TO {quote_ident(names.schema)}",
    ]
    if read_only:
        statements.insert(0, "SET TRANSACTION READ ONLY")
    conn.execute(text("; ".join(statements)))


@contextmanager
def write_transaction(
    engine: Engine, names: TenantNames, on_commit_lsn: list[str] | None = None
) -> Iterator[Connection]:
    """A transaction on the primary as the tenant. When ``on_commit_lsn`` is
    given and the transaction wrote something, the primary's WAL position
    after the commit is appended to it (for read-your-writes)."""
    conn = _open(engine, "postgresql")
    try:
        with conn.begin():
            _enter_tenant(conn, names, read_only=False)
            yield conn
            wrote = bool(conn.execute(_WROTE_SQL).scalar_one())
        if wrote and on_commit_lsn is not None:
            on_commit_lsn.append(str(conn.execute(_LSN_SQL).scalar_one()))
            conn.rollback()
    finally:
        conn.close()


def _connect_read(router: ReplicaRouter, engine: Engine) -> Connection:
    try:
        return engine.connect()
    except sqlalchemy.exc.OperationalError:
        if engine is router.engines.primary:
            raise BackendUnavailable("postgresql", "cannot connect") from None
        router.forget_lag()
        return _open(router.fallback("replica_unreachable"), "postgresql")


def _opened(
    router: ReplicaRouter,
    engine: Engine,
    conn: Connection,
    names: TenantNames,
    opening: str | None,
    must_see: str | None,
) -> tuple[Connection, bool, tuple[Any, ...] | None]:
    """The connection in its tenant transaction, whether its server has
    replayed ``must_see``, and the opening's row; on failure the connection
    is closed. The replica's engine does not ping a
    connection at checkout (a round trip per request): a pooled connection
    the server has closed (restart, terminated backend) fails this first
    round trip instead, which SQLAlchemy reports as a disconnect (discarding
    the pool's older connections too); then it is tried once more, on a new
    connection."""
    for attempt in (1, 2):
        try:
            conn.begin()
            on_replica = conn.engine is not router.engines.primary
            return conn, *begin_read(conn, names, opening, must_see, on_replica)
        except (DeadConnection, sqlalchemy.exc.DBAPIError) as exc:
            abandon(conn)
            conn.close()
            if isinstance(exc, sqlalchemy.exc.DBAPIError) and not exc.connection_invalidated:
                raise
        except BaseException:
            abandon(conn)
            conn.close()
            raise
        if attempt == 1:
            conn = _connect_read(router, engine)
    raise BackendUnavailable("postgresql", "connection lost")


def _on_primary(
    router: ReplicaRouter, reason: str, names: TenantNames, opening: str | None
) -> tuple[Connection, tuple[Any, ...] | None]:
    """The read's transaction opened once more, on the primary."""
    engine = router.fallback(reason)
    conn, _, row = _opened(router, engine, _open(engine, "postgresql"), names, opening, None)
    return conn, row


@contextmanager
def read_transaction(
    router: ReplicaRouter,
    names: TenantNames,
    session_id: int | None,
    pending: str | bool | None = True,
) -> Iterator[Connection]:
    """A read-only transaction as the tenant on the replica, or on the primary
    when the replica lags or has not replayed this session's last write or
    the tenant's last load."""
    with opened_read_transaction(router, names, session_id, pending) as (conn, _):
        yield conn


@contextmanager
def opened_read_transaction(
    router: ReplicaRouter,
    names: TenantNames,
    session_id: int | None,
    pending: str | bool | None = True,
    opening: str | None = None,
) -> Iterator[tuple[Connection, tuple[Any, ...] | None]]:
    """``read_transaction``, whose first round trip also runs ``opening`` (a
    statement without bind parameters, as the tenant): the connection and
    the opening's one row (None without an opening)."""
    engine, must_see = router.engine_for_read(names.slug, session_id, pending)
    try:
        conn, replayed, row = _opened(
            router, engine, _connect_read(router, engine), names, opening, must_see
        )
    except TenantNotReplayed as exc:
        log.warning(
            "replica lacks the tenant: read on primary",
            category="DB",
            tenant=names.slug,
            error=exc.error,
        )
        conn, row = _on_primary(router, "tenant_not_replayed", names, opening)
    else:
        if not replayed:
            abandon(conn)
            conn.close()
            conn, row = _on_primary(router, "read_your_writes", names, opening)
    try:
        try:
            yield conn, row
            conn.commit()
        except BaseException as exc:
            abandon(conn)
            conflict = conflict_of(exc) if conn.engine is not router.engines.primary else None
            if conflict is None:
                raise
            # The server's reason only: the error's text holds the statement.
            log.warning(
                "read cancelled by the replica's recovery",
                category="DB",
                tenant=names.slug,
                sqlstate=conflict.sqlstate,
            )
            raise conflict from None
        end_read(conn)
    finally:
        conn.close()
