"""Which server answers a read: the replica unless that would be stale.

Two guards, both measured, not guessed:

- **Lag**: the replica's replay lag (``now() - pg_last_xact_replay_timestamp()``,
  zero when it has replayed everything it received) is measured at most once
  per ``replica_lag_cache_seconds`` per process. Above
  ``replica_max_lag_seconds`` (or when the replica cannot be reached) reads go
  to the primary and ``pulse_replica_fallbacks_total`` says why.
- **Read-your-writes**: after a session's transaction wrote something, the
  primary's WAL insert position (``pg_current_wal_insert_lsn()``) is stored in Redis for that
  session; its reads go to the primary until the replica has replayed past it.
  The same holds for the tenant's last load: the ETL stores the primary's
  position after it (``t:<slug>:data_lsn``) with each data version bump, so
  an answer cached under the new version is never computed from the data
  before it. A read must see the newer of the two, checked in the read
  transaction's first round trip (``read_opening.begin_read``, ``replay_check``).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import psycopg
import redis
import sqlalchemy.exc
import structlog
from sqlalchemy import Engine, text

from pulse_backend.replica_conflicts import reads_on_primary
from pulse_common.lsn import lsn_of, newest_lsn, record_end
from pulse_common.tenancy import TenantNames

if TYPE_CHECKING:
    from pulse_backend.metrics import Metrics
    from pulse_backend.settings import Settings
    from pulse_common.db import Engines

log = structlog.get_logger("pulse_backend.replica")

LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0.0) END"
)


def replay_check(lsn: str) -> str:
    """A statement answering whether this server has replayed ``lsn`` (a
    primary always has). ``lsn`` is interpolated: only ``lsn_of``'s values
    (a value from Redis that is not an LSN is ignored before it gets here)."""
    if lsn_of(lsn) is None:
        raise ValueError("not an LSN")
    end = record_end(lsn)
    return f"SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= '{end}'::pg_lsn"


# What a replica that has not replayed a tenant's creation (or a migration)
# answers the opening round trip, read with no position it must have
# replayed (no marker, or it expired): its login role does not exist (22023)
# or the backend is not yet its member (42501), its schema, a table or a
# function does not exist. The primary is asked once; there a real error of
# the same kind is answered as before.
NOT_REPLAYED = (
    psycopg.errors.InvalidParameterValue,
    psycopg.errors.InsufficientPrivilege,
    psycopg.errors.InvalidSchemaName,
    psycopg.errors.UndefinedTable,
    psycopg.errors.UndefinedFunction,
    psycopg.errors.UndefinedObject,
)


class TenantNotReplayed(Exception):
    """The replica lacks the tenant's objects: ``error`` is the driver
    error's class name (never its text)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class ReplicaRouter:
    def __init__(
        self, engines: Engines, cache: redis.Redis, metrics: Metrics, settings: Settings
    ) -> None:
        self.engines = engines
        self.redis = cache
        self.metrics = metrics
        self.max_lag = settings.replica_max_lag_seconds
        self.cache_seconds = settings.replica_lag_cache_seconds
        # After a write the primary is authoritative for at least this long.
        self.ryw_ttl = max(30, int(settings.replica_max_lag_seconds * 3))
        self._lock = threading.Lock()
        self._lag: tuple[float, float | None] | None = None  # (measured at, lag or None)

    @property
    def has_replica(self) -> bool:
        return self.engines.replica is not self.engines.primary

    def lag_seconds(self) -> float | None:
        """The replica's replay lag, or None when it cannot be measured."""
        now = time.monotonic()
        with self._lock:
            if self._lag is not None and now - self._lag[0] < self.cache_seconds:
                return self._lag[1]
        lag: float | None
        try:
            with self.engines.replica.connect() as conn:
                lag = float(conn.execute(LAG_SQL).scalar_one())
            self.metrics.replica_lag.observe(lag)
        except sqlalchemy.exc.SQLAlchemyError as exc:
            log.warning("replica lag not measurable", category="DB", error=type(exc).__name__)
            lag = None
        with self._lock:
            self._lag = (time.monotonic(), lag)
        return lag

    def forget_lag(self) -> None:
        with self._lock:
            self._lag = None

    @staticmethod
    def ryw_key(slug: str, session_id: int) -> str:
        return f"t:{slug}:ryw:{session_id}"

    def remember_write(self, slug: str, session_id: int, lsn: str) -> None:
        try:
            self.redis.set(self.ryw_key(slug, session_id), lsn, ex=self.ryw_ttl)
        except redis.RedisError:
            # Without the marker the next read might miss the write; the
            # replica usually replays within milliseconds, so log and go on.
            self.metrics.redis_errors.labels("ryw_not_recorded").inc()

    def pending_write(self, slug: str, session_id: int | None) -> str | bool | None:
        """The LSN this session must see (the newer of its own last write's
        and the tenant's last load's), None if none, False if unknown (Redis
        down). As the preflight's script reads them, for callers without it."""
        if session_id is None:
            return None
        try:
            values = self.redis.mget(self.ryw_key(slug, session_id), TenantNames(slug).data_lsn_key)
        except redis.RedisError:
            self.metrics.redis_errors.labels("ryw_primary").inc()
            return False
        return newest_lsn(*values)

    def engine_for_read(
        self, slug: str, session_id: int | None, pending: str | bool | None = True
    ) -> tuple[Engine, str | None]:
        """The engine to read from, and the LSN the replica must have replayed
        (checked on the replica connection itself, see ``replay_check``).
        ``pending``: the session's LSN if already fetched (None: none, False:
        Redis was down), True to fetch it here."""
        if not self.has_replica:
            return self.engines.primary, None
        if reads_on_primary():
            return self.fallback("replica_conflict"), None
        lag = self.lag_seconds()
        if lag is None:
            return self.fallback("replica_unreachable"), None
        if lag > self.max_lag:
            return self.fallback("lag"), None
        if pending is True:
            pending = self.pending_write(slug, session_id)
        if pending is False:
            return self.fallback("redis_down"), None
        return self.engines.replica, lsn_of(pending)

    def fallback(self, reason: str) -> Engine:
        """The primary, counted by why the replica was not used."""
        self.metrics.replica_fallbacks.labels(reason).inc()
        return self.engines.primary
