"""Tenant transactions: every statement of a request runs as the tenant's
login role with the tenant's schema on the search path.

The backend's own role is NOINHERIT: it holds no tenant's rights until
``SET LOCAL ROLE``, which ends with the transaction, so a pooled connection
never carries one tenant's role into the next request. The names come from
``TenantNames`` of the verified token's slug, never from request input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, text

from pulse_backend.replica import ReplicaRouter
from pulse_common.errors import BackendUnavailable
from pulse_common.tenancy import TenantNames, quote_ident

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


@contextmanager
def read_transaction(
    router: ReplicaRouter,
    names: TenantNames,
    session_id: int | None,
    pending: str | bool | None = True,
) -> Iterator[Connection]:
    """A read-only transaction as the tenant on the replica, or on the primary
    when the replica lags or has not replayed this session's last write."""
    engine, must_see = router.engine_for_read(names.slug, session_id, pending)
    try:
        conn = engine.connect()
    except sqlalchemy.exc.OperationalError:
        if engine is router.engines.primary:
            raise BackendUnavailable("postgresql", "cannot connect") from None
        router.forget_lag()
        conn = _open(router.fallback("replica_unreachable"), "postgresql")
    try:
        if must_see is not None:
            seen = router.replayed(conn, must_see)
            conn.rollback()
            if not seen:
                conn.close()
                conn = _open(router.fallback("read_your_writes"), "postgresql")
        with conn.begin():
            _enter_tenant(conn, names, read_only=True)
            yield conn
    finally:
        conn.close()
