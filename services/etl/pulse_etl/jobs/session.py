"""The run's database session, bounded on both ends, so that a session that
stops answering cannot hold the integration's lock for ever.

The lock is a session-level advisory lock, so it lasts as long as the
server keeps the session. A session hung by a partition or a frozen peer
used to keep it until the process died: no rerun could start, here or on
another replica. Now:

- the server ends the session when it sits idle longer than the lease
  (``idle_session_timeout``), or idle inside a transaction
  (``idle_in_transaction_session_timeout``), or when a statement runs too
  long (``statement_timeout``); its lock goes with it;
- while the run is alive the lease is renewed (``Lease``: a ping when the
  session has been idle for a while, e.g. during a long rate-limit wait), so
  only a run that stopped making progress loses it;
- every round trip must be answered within ``answer`` seconds on the
  client's side too (``BoundedConnection``), so the stale run ends and its
  task frees the integration on this replica.

A stale run that wakes up afterwards finds its session gone and records its
failure only if it still owns the job (``failures._record_elsewhere``)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import AsyncConnection


@dataclass(frozen=True)
class SessionBounds:
    lease: float = 120.0  # idle seconds before the server ends the session
    idle_in_transaction: float = 60.0
    statement: float = 300.0
    # The client's wait for any answer: past the server's own statement
    # timeout, so a slow statement fails with the server's words first.
    answer: float = 330.0

    def options(self) -> str:
        ms = {
            "idle_session_timeout": self.lease,
            "idle_in_transaction_session_timeout": self.idle_in_transaction,
            "statement_timeout": self.statement,
        }
        return " ".join(f"-c {k}={int(v * 1000)}" for k, v in ms.items())


class SessionHung(psycopg.OperationalError):
    """The server did not answer a round trip in time: the session is closed
    (its state is unknown) and the run fails as a retryable database fault."""


class BoundedConnection(AsyncConnection[Any]):
    """An ``AsyncConnection`` whose every round trip has a deadline."""

    answer_timeout: float = SessionBounds.answer
    # Why the session was closed, for the run's error (the lease's ping may
    # be the round trip that found out, and the run's next statement then
    # only hears "the connection is closed").
    hung: str | None = None

    # psycopg's own hook for every round trip (its ``timeout`` parameter).
    async def wait(
        self,
        gen: Any,
        interval: float = 0.1,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Any:
        deadline = self.answer_timeout if timeout is None else timeout
        try:
            return await super().wait(gen, interval, deadline)
        except psycopg.errors.OperationalError as exc:
            if type(exc).__name__ != "_WaitTimeout":  # psycopg's private timeout class
                raise
            self.pgconn.finish()
            self.hung = f"the session did not answer in {self.answer_timeout:.0f} s (closed)"
            raise SessionHung(self.hung) from None


async def connect(database_url: str, bounds: SessionBounds) -> BoundedConnection:
    conn = await BoundedConnection.connect(
        database_url,
        autocommit=True,
        connect_timeout=10,
        options=bounds.options(),
        # A peer that vanished (no RST) is noticed by the kernel, not only by the deadline.
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )
    conn.answer_timeout = bounds.answer
    return conn


class Lease:
    """Renews the session's idle lease while the run is alive: a ping once
    the session has been idle for a third of it. A run whose process or
    session is stuck stops renewing, and the server frees its lock."""

    def __init__(self, conn: AsyncConnection[Any], bounds: SessionBounds) -> None:
        self.conn, self.every = conn, bounds.lease / 3
        self.task: asyncio.Task[None] | None = None

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            if self.conn.closed or self.conn.broken:
                return
            with contextlib.suppress(psycopg.Error):
                # Serialised with the run's statements by the connection's lock.
                await self.conn.execute("SELECT 1")

    async def __aenter__(self) -> Lease:
        self.task = asyncio.create_task(self._renew(), name="etl:lease")
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
