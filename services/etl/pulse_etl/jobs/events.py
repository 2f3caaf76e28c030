"""Progress events on the tenant's Redis channel ``t:<slug>:events``, the
job's log lines in ``t:<slug>:logs`` (the capped stream the backend's log
API reads, also published on the channel of that name for live viewers; its
contract is ``pulse_common.tenant_log``), and the tenant's data
version (``t:<slug>:data_version``), which the backend's caches key on, with
the primary's WAL position after the load (``t:<slug>:data_lsn``): the
backend reads on the replica only once it has replayed that far, so an
answer cached under the new version is never computed from the old data.
Redis being down never fails a sync: events are best effort, the database
is the record."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import psycopg
import redis.asyncio as aioredis
import structlog
from psycopg import AsyncConnection
from pydantic import BaseModel

from pulse_common import tenant_log
from pulse_common.lsn import newest_lsn
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_etl")
LOG_LINES = tenant_log.STREAM_MAXLEN
# Every key the ETL writes expires or is capped. The data version lives this
# long after its last bump: a tenant with no sync for that long starts again
# at 1, which is safe as long as cached results (keyed on the version) live
# far shorter, as they do (minutes).
DATA_VERSION_TTL = 30 * 24 * 3600


class Progress(BaseModel):
    type: str = "etl.progress"
    integration: str
    state: str
    phase: str
    done: int
    estimated: int | None
    rate: float  # items per second in this run
    rate_limit_waits: int
    rate_limit_wait_seconds: float
    eta_seconds: float | None
    error: str | None = None
    source: str = ""  # "github" / "jira"
    # Set while the run waits for the source's rate limit, till when.
    waiting_until: dt.datetime | None = None
    # For the admin to act on (a repository renamed on GitHub).
    notices: list[str] = []
    at: dt.datetime


@dataclass
class Events:
    names: TenantNames
    redis: aioredis.Redis | None

    @property
    def channel(self) -> str:
        return self.names.events_channel

    @property
    def version_key(self) -> str:
        return self.names.data_version_key

    @property
    def log_key(self) -> str:
        return tenant_log.stream_key(self.names.slug)

    async def progress(self, p: Progress) -> None:
        await self._safe("publish", self._publish(p.model_dump_json()))

    @property
    def lsn_key(self) -> str:
        return self.names.data_lsn_key

    async def data_changed(self, db: AsyncConnection[Any]) -> None:
        """Bumps the data version after a load committed on ``db`` (the
        primary, in autocommit), with the WAL position the load ends before."""
        if self.redis is None:
            return
        # The insert position, as the backend's read-your-writes records it:
        # read after the commit, so at or past the commit record.
        lost: psycopg.Error | None = None
        try:
            cur = await db.execute("SELECT pg_current_wal_insert_lsn()::text")
            row = await cur.fetchone()
        except psycopg.Error as exc:
            # The load is committed: the version moves all the same, and the
            # last recorded position (older) stays as a lower bound.
            log.warning("wal position unreadable", category="ETL", error=type(exc).__name__)
            row = None
            # A session the server ended: the run fails with the server's
            # words ("terminating connection due to administrator command"),
            # not the driver's "the connection is lost" at the next statement.
            lost = exc if db.broken else None
        await self._safe("data version", self._bump(self.redis, str(row[0]) if row else None))
        if lost is not None:
            raise lost

    async def _bump(self, cache: aioredis.Redis, lsn: str | None) -> None:
        """The version and the LSN in one MULTI. The LSN only moves forward:
        two integrations load at once, and the runner that read the older
        position may bump last. WATCH rather than a script: a tenant's Redis
        user may not run scripts (``pulse_common.cache``)."""
        async with cache.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(self.lsn_key)
                    furthest = newest_lsn(lsn, await pipe.get(self.lsn_key))
                    pipe.multi()
                    pipe.incr(self.version_key)
                    pipe.expire(self.version_key, DATA_VERSION_TTL)
                    if furthest is not None:
                        pipe.set(self.lsn_key, furthest, ex=DATA_VERSION_TTL)
                    await pipe.execute()
                    return
                except aioredis.WatchError:
                    continue

    async def line(self, category: str, message: str, **fields: Any) -> None:
        """A job log line: to structlog (stderr) and to the tenant's stream."""
        level = "error" if category == "ERROR" else "info"
        getattr(log, level)(message, category=category, tenant=self.names.slug, **fields)
        if self.redis is not None:
            entry = tenant_log.entry(
                timestamp=dt.datetime.now(dt.UTC).isoformat(),
                level=level,
                category=category,
                event=message,
                fields={"source": "etl", **fields},
            )
            pipe = self.redis.pipeline(transaction=False)
            pipe.xadd(self.log_key, entry, maxlen=LOG_LINES, approximate=True)  # type: ignore[arg-type]
            pipe.publish(self.log_key, json.dumps(entry))
            await self._safe("log", pipe.execute())

    async def _publish(self, payload: str) -> None:
        if self.redis is not None:
            await self.redis.publish(self.channel, payload)

    async def _safe(self, what: str, op: Any) -> None:
        try:
            await op
        except (aioredis.RedisError, OSError) as exc:
            log.warning("redis unavailable", category="ETL", what=what, error=type(exc).__name__)
