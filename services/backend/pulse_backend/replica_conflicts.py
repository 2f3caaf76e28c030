"""Reads the replica cancels to replay the primary's WAL.

A hot standby that must apply a change a running read still needs (a
VACUUM removing row versions the read's snapshot may see, an exclusive lock
for a DROP or ALTER on a table it reads) waits at most
``max_standby_streaming_delay``, then cancels the read: "canceling statement
due to conflict with recovery" (SQLSTATE 40001, or 57P04 when the database
itself is dropped), or ends its session ("terminating connection due to
conflict with recovery", same codes). The read did nothing wrong and the
primary has no such conflict, so a request that has sent nothing yet is
answered once more with its reads on the primary (``answer_on_primary_once``).
Otherwise it is a 503 ``replica_conflict`` with ``Retry-After``: never a
500, and logged with the server's reason only, never the statement or its
parameters."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
import sqlalchemy.exc
from fastapi import Request, Response
from fastapi.routing import APIRoute

from pulse_common.errors import PulseError

if TYPE_CHECKING:
    from pulse_backend.metrics import Metrics

T = TypeVar("T")

# Serializable transactions cannot run on a hot standby, so on a replica
# connection 40001 is always a recovery conflict; 57P04 is the database one.
_CONFLICT_STATES = frozenset({"40001", "57P04"})

_FUNCTION_STACK = "fastapi_function_astack"

_on_primary: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pulse_reads_on_primary", default=False
)


class ReplicaConflict(PulseError):
    """The replica cancelled this read to replay the primary's changes."""

    retryable = True
    http_status = 503
    code = "replica_conflict"
    retry_after = 1

    def __init__(self, sqlstate: str) -> None:
        super().__init__(
            "the read was cancelled while the read replica applied new changes; retry in a moment"
        )
        self.sqlstate = sqlstate


def conflict_of(exc: BaseException) -> ReplicaConflict | None:
    """``exc`` as a recovery conflict when it is one (only meaningful for an
    error from a replica connection)."""
    orig = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    if isinstance(orig, psycopg.Error) and orig.sqlstate in _CONFLICT_STATES:
        return ReplicaConflict(orig.sqlstate)
    return None


def reads_on_primary() -> bool:
    """Whether this request's reads must go to the primary (its retry)."""
    return _on_primary.get()


@contextmanager
def _reading_on_primary(metrics: Metrics, outcome: str) -> Iterator[None]:
    """The second attempt after a conflict, counted as ``outcome``: every
    read in it goes to the primary."""
    metrics.replica_conflicts.labels(outcome).inc()
    token = _on_primary.set(True)
    try:
        yield
    finally:
        _on_primary.reset(token)


async def answer_on_primary_once(metrics: Metrics, answer: Callable[[], Awaitable[T]]) -> T:
    """``answer()``; when the replica cancelled one of its reads, ``answer()``
    once more with every read on the primary (the context variable reaches
    the thread pool's copies of this context). A second conflict, which the
    primary cannot cause, goes on to the caller's 503."""
    try:
        return await answer()
    except ReplicaConflict:
        if reads_on_primary():
            raise
    with _reading_on_primary(metrics, "retried_on_primary"):
        return await answer()


def read_on_primary_once(metrics: Metrics, outcome: str, read: Callable[[], T]) -> T:
    """``answer_on_primary_once`` for work that runs in a thread and has
    sent nothing yet (the assistant's SQL tool): ``read()``, once more on
    the primary after a conflict, counted as ``outcome``."""
    try:
        return read()
    except ReplicaConflict:
        if reads_on_primary():
            raise
    with _reading_on_primary(metrics, outcome):
        return read()


class RetriedOnPrimary(APIRoute):
    """Every API route: its answer is computed once more on the primary when
    the replica cancelled a read before anything was sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def attempt(request: Request) -> Response:
            # FastAPI ends the ``scope="function"`` dependencies (``ReadConn``,
            # whose end raises the conflict) after the handler returns, in
            # the stack under this key: each attempt brings its own, so the
            # conflict is raised here, where it can be answered again.
            outer = request.scope.get(_FUNCTION_STACK)
            try:
                async with AsyncExitStack() as stack:
                    request.scope[_FUNCTION_STACK] = stack
                    return await handler(request)
            finally:
                request.scope[_FUNCTION_STACK] = outer

        async def answer(request: Request) -> Response:
            metrics: Metrics = request.app.state.clients.metrics
            return await answer_on_primary_once(metrics, lambda: attempt(request))

        return answer
