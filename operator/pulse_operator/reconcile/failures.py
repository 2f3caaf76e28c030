"""What a failed backend call means: the backend is unavailable (retry with
backoff) or the request is wrong (permanent until someone acts), with a
condition reason that says which.

The client libraries raise their own exceptions, not ``OSError``: SQLAlchemy
wraps psycopg; redis-py has its own; the operator's Kubernetes and Qdrant
clients (reconcile.kube, pulse_operator.qdrant) raise ``BackendUnavailable``
for an outage and ``KubeApiError`` / ``VectorStoreRefused`` for a refusal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx
import psycopg
import redis
import sqlalchemy.exc

from pulse_common import vector_admin
from pulse_common.errors import BackendUnavailable, Conflict, PulseError
from pulse_operator.reconcile.kube import KubeApiError


@dataclass(frozen=True)
class Failure:
    reason: str  # condition reason, CamelCase
    retryable: bool
    message: str  # first line only: never a DSN or a body with secrets


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _unavailable(backend: str, exc: BaseException) -> Failure:
    return Failure(f"{backend}Unavailable", True, first_line(exc))


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, BackendUnavailable):
        return Failure(f"{exc.backend.title()}Unavailable", True, first_line(exc))
    if isinstance(exc, vector_admin.VectorStoreMismatch):
        return Failure("CollectionMismatch", False, first_line(exc))
    if isinstance(exc, Conflict):
        return Failure("OwnershipConflict", False, first_line(exc))
    if isinstance(exc, vector_admin.VectorStoreRefused):
        return Failure("QdrantRejected", False, first_line(exc))
    if isinstance(exc, PulseError):
        return Failure(type(exc).__name__, exc.retryable, first_line(exc))
    # PostgreSQL: connection and server-state errors are transient; a
    # programming or permission error is not.
    if isinstance(exc, sqlalchemy.exc.OperationalError | psycopg.OperationalError):
        return _unavailable("Postgresql", exc)
    if isinstance(exc, sqlalchemy.exc.DBAPIError | psycopg.Error):
        return Failure("PostgresqlError", False, first_line(exc))
    # Redis: AuthenticationError and NoPermissionError subclass these too, so
    # they come first.
    if isinstance(exc, redis.AuthenticationError | redis.exceptions.NoPermissionError):
        return Failure("RedisRefused", False, first_line(exc))
    if isinstance(
        exc,
        redis.ConnectionError
        | redis.TimeoutError
        | redis.exceptions.BusyLoadingError
        | redis.exceptions.TryAgainError,
    ):
        return _unavailable("Redis", exc)
    if isinstance(exc, redis.RedisError):
        return Failure("RedisError", False, first_line(exc))
    # Qdrant (pulse_operator.qdrant raises BackendUnavailable for an outage)
    if isinstance(exc, httpx.TransportError):
        return _unavailable("Qdrant", exc)
    # Kubernetes
    if isinstance(exc, KubeApiError):
        return Failure("KubernetesRejected", False, first_line(exc))
    if isinstance(exc, ConnectionError | TimeoutError):
        return Failure("BackendUnavailable", True, first_line(exc))
    return Failure("Error", True, first_line(exc))


def backoff(retry: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds before retry number ``retry`` (0-based): doubling, capped."""
    return float(min(cap, base * 2 ** min(retry, 16)))


# The backend each reconcile step depends on (status condition -> reason prefix).
STEP_BACKENDS = {
    "DatabaseReady": "Postgresql",
    "CacheReady": "Redis",
    "VectorStoreReady": "Qdrant",
    "WorkloadReady": "Kubernetes",
}


class Outages:
    """Backends found unavailable during one drift pass. A step whose backend
    is down fails at once for the tenants that follow, with the same
    reason, so that an outage costs one timeout per pass, not one per tenant
    (500 tenants behind a PostgreSQL that does not answer took hours)."""

    def __init__(self) -> None:
        self._down: dict[str, Failure] = {}
        self._lock = threading.Lock()

    def get(self, step: str) -> Failure | None:
        with self._lock:
            return self._down.get(step)

    def record(self, step: str, failure: Failure) -> None:
        if failure.retryable and failure.reason == f"{STEP_BACKENDS.get(step)}Unavailable":
            with self._lock:
                self._down.setdefault(step, failure)

    def summary(self) -> dict[str, str]:
        with self._lock:
            return {step: f.reason for step, f in self._down.items()}
