"""The read transaction's opening round trip, sent to psycopg itself:
``BEGIN READ ONLY``, the replay check, the tenant's role and search path
and the caller's opening statement in one string (``begin_read``), and
bringing the connection back out of the autocommit mode that needs
(``end_read``, ``abandon``). Separate from ``tx`` because this is the
driver-level part, below SQLAlchemy's execution layer, with its own error
translation; ``tx`` decides which server to read on and retries."""

from __future__ import annotations

import contextlib
import functools
from typing import Any, cast

import psycopg
import sqlalchemy.exc
from sqlalchemy import Connection

from pulse_backend.replica import NOT_REPLAYED, TenantNotReplayed, replay_check
from pulse_common.tenancy import TenantNames, quote_ident

_BEGIN = "BEGIN READ ONLY"


@functools.lru_cache(maxsize=1024)
def _read_opening(slug: str, opening: str | None) -> str:
    """``begin_read``'s statements after the replay check, built once per
    tenant and opening."""
    names = TenantNames(slug)
    statements = [
        f"SET LOCAL ROLE {quote_ident(names.login_role)}",
        f"SET LOCAL search_path TO {quote_ident(names.schema)}",
    ]
    if opening is not None:
        statements.append(opening)
    return "; ".join(statements)


def begin_read(
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
        raise DeadConnection() from exc
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
    the pool's older ones (a restarted server closed them all; ``tx._opened``
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


def end_read(conn: Connection) -> None:
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


class DeadConnection(Exception):
    """The pooled connection was found closed before any statement ran."""


def abandon(conn: Connection) -> None:
    """Ends a failed read transaction; a connection that cannot be brought
    back to a clean state is discarded (``end_read``)."""
    # A disconnect invalidated it; any other failure leaves it unclean,
    # which end_read finds.
    with contextlib.suppress(sqlalchemy.exc.DBAPIError):
        conn.rollback()
    end_read(conn)
