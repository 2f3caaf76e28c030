"""Tenant transactions: every statement of a request runs as the tenant's
login role with the tenant's schema on the search path.

The backend's own role is NOINHERIT: it holds no tenant's rights until
``SET LOCAL ROLE``, which ends with the transaction, so a pooled connection
never carries one tenant's role into the next request. The names come from
``TenantNames`` of the verified token's slug, never from request input.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
import sqlalchemy.exc
import structlog
from sqlalchemy import Connection, Engine, text

from pulse_backend.replica import NOT_REPLAYED, ReplicaRouter, TenantNotReplayed, replay_check
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


_BEGIN = "BEGIN READ ONLY"


@functools.lru_cache(maxsize=1024)
def _read_opening(slug: str, opening: str | None) -> str:
    """``_begin_read``'s statements after the replay check, built once per
    tenant and opening."""
    names = TenantNames(slug)
    statements = [
        f"SET LOCAL ROLE {quote_ident(names.login_role)}",
        f"SET LOCAL search_path TO {quote_ident(names.schema)}",
    ]
    if opening is not None:
        statements.append(opening)
    return "; ".join(statements)


def _begin_read(
    conn: Connection,
    names: TenantNames,
    opening: str | None,
    must_see: str | None,
    on_replica: bool = False,
) -> tuple[bool, tuple[Any, ...] | None]:
    """``BEGIN READ ONLY``, whether the server has replayed ``must_see``
    (when given; ``replica.replay_check``), the tenant's role and search
    path, and the ``opening`` statement (run as the tenant), in one round
    trip: whether it has replayed, and the opening's row. The check's answer
    is read first: when it is no, the rest was computed on data older than
    ``must_see`` and the caller discards it. Checking in a round trip of its
    own would cost one more per request after every load. psycopg
    would otherwise send its ``BEGIN`` on its own, and the opening statement
    cannot share a statement with the ``SET``s (its table names resolve
    before any of its own calls run). psycopg is in autocommit mode for the
    block so that it does not send that ``BEGIN``; the server is in the
    transaction all the same, and psycopg's commit and rollback end it
    (they act on the server's transaction state, not on the mode).

    The string goes to the driver itself: it has no bind parameters (psycopg
    sends it with the simple query protocol, several statements allowed),
    only its last result is wanted, and SQLAlchemy's execution and result
    layers cost 0.17 ms a request here (docs/metrics.md, stop 19).

    ``on_replica``: a failure that says the server lacks the tenant's
    objects raises ``TenantNotReplayed`` (the caller reads on the primary)."""
    raw = conn.connection.driver_connection
    try:
        if raw is None:
            raise psycopg.OperationalError("no driver connection")
        raw.autocommit = True
    except psycopg.Error as exc:
        conn.invalidate(exc)
        raise _Dead() from exc
    rest = _read_opening(names.slug, opening)
    check = "" if must_see is None else f"{replay_check(must_see)}; "
    try:
        cur = raw.execute(f"{_BEGIN}; {check}{rest}")
        replayed = True
        if must_see is not None:
            cur.nextset()
            replayed = bool(cast(tuple[Any, ...], cur.fetchone())[0])
        while cur.nextset():
            pass
        return replayed, cur.fetchone() if opening is not None else None
    except psycopg.Error as exc:
        if must_see is not None and not _replayed_after_error(raw, must_see):
            # A replica behind a new tenant or a migration has no such role
            # or table yet: the opening failed where the primary answers.
            return False, None
        if on_replica and isinstance(exc, NOT_REPLAYED):
            raise TenantNotReplayed(type(exc).__name__) from exc
        raise _driver_error(conn, raw, exc) from exc


def _replayed_after_error(raw: Any, must_see: str) -> bool:
    """After the opening round trip failed: whether the server has replayed
    ``must_see`` after all (then the error is the answer). A lost
    connection, or one that cannot answer, counts as replayed: its error
    is then the one to report."""
    if raw.closed:
        return True
    try:
        raw.execute("ROLLBACK")
        row = raw.execute(replay_check(must_see)).fetchone()
    except psycopg.Error:
        return True
    return bool(row[0]) if row else True


def _driver_error(conn: Connection, raw: Any, exc: psycopg.Error) -> sqlalchemy.exc.DBAPIError:
    """A driver error as SQLAlchemy reports one from its own execution: a
    lost connection is a disconnect, which invalidates this connection and
    the pool's older ones (a restarted server closed them all; ``_opened``
    then tries once more, on a new connection)."""
    lost = bool(raw.closed) or conn.dialect.is_disconnect(cast(Any, exc), raw, None)
    if lost:
        conn.invalidate(exc)
        conn.engine.dispose(close=False)
    # The subclass named as psycopg's (OperationalError, ProgrammingError...).
    err = sqlalchemy.exc.DBAPIError.instance(
        "BEGIN READ ONLY", None, exc, psycopg.Error, connection_invalidated=lost
    )
    return cast(sqlalchemy.exc.DBAPIError, err)


def _end_read(conn: Connection) -> None:
    """psycopg back out of autocommit before the connection returns to the
    pool; a connection that cannot be (its transaction did not end) is
    discarded, never pooled."""
    if conn.invalidated or conn.closed:
        return
    raw = conn.connection.driver_connection
    if raw is None:
        return
    try:
        raw.autocommit = False
    except psycopg.Error as exc:
        conn.invalidate(exc)


class _Dead(Exception):
    """The pooled connection was found closed before any statement ran."""


def _connect_read(router: ReplicaRouter, engine: Engine) -> Connection:
    try:
        return engine.connect()
    except sqlalchemy.exc.OperationalError:
        if engine is router.engines.primary:
            raise BackendUnavailable("postgresql", "cannot connect") from None
        router.forget_lag()
        return _open(router.fallback("replica_unreachable"), "postgresql")


def _abandon(conn: Connection) -> None:
    """Ends a failed read transaction; a connection that cannot be brought
    back to a clean state is discarded (``_end_read``)."""
    # A disconnect invalidated it; any other failure leaves it unclean,
    # which _end_read finds.
    with contextlib.suppress(sqlalchemy.exc.DBAPIError):
        conn.rollback()
    _end_read(conn)


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
            return conn, *_begin_read(conn, names, opening, must_see, on_replica)
        except (_Dead, sqlalchemy.exc.DBAPIError) as exc:
            _abandon(conn)
            conn.close()
            if isinstance(exc, sqlalchemy.exc.DBAPIError) and not exc.connection_invalidated:
                raise
        except BaseException:
            _abandon(conn)
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
            _abandon(conn)
            conn.close()
            conn, row = _on_primary(router, "read_your_writes", names, opening)
    try:
        try:
            yield conn, row
            conn.commit()
        except BaseException:
            _abandon(conn)
            raise
        _end_read(conn)
    finally:
        conn.close()
