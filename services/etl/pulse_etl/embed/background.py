"""Drains the embedding queue when the ETL starts and then on a timer, not
only after a sync: rows that arrive without one (a tenant's demo seed, a
backlog left while the vector store was down, a tenant with no data
integration yet) get their vectors too. The queue's advisory lock keeps this
and a sync's drain from running at once."""

from __future__ import annotations

import asyncio

import psycopg
import structlog

from pulse_common.ai.errors import DimensionMismatch
from pulse_common.errors import PulseError
from pulse_common.search.queue import BACKEND, DrainResult, Target, drain

log = structlog.get_logger("pulse_etl.embed")

# Short enough that an admin's re-index shows progress within a minute; an
# idle round costs one lock, one collection lookup and one query.
INTERVAL_SECONDS = 60.0


async def _drain_in_batches(target: Target) -> DrainResult:
    """One batch per thread call, so that stopping the ETL waits for one
    batch at most, not for a whole backlog."""
    total = DrainResult()
    while True:
        done = await asyncio.to_thread(drain, target, max_batches=1)
        total.embedded += done.embedded
        total.unchanged += done.unchanged
        total.removed += done.removed
        total.batches += done.batches
        if done.batches == 0 or done.skipped_locked:
            return total


async def keep_drained(target: Target, interval: float = INTERVAL_SECONDS) -> None:
    while True:
        try:
            done = await _drain_in_batches(target)
        except DimensionMismatch:
            log.info("embedding left to the backend", category="EMBED", reason=BACKEND)
        except (PulseError, psycopg.Error) as exc:
            log.warning("embedding deferred", category="EMBED", reason=str(exc)[:300])
        except Exception as exc:
            # E.g. the vector store refusing the token (a 4xx): as after a
            # sync, the queue keeps the rows and the next round tries again.
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("embedding deferred", category="EMBED", reason=reason)
        else:
            if done.embedded or done.removed:
                log.info("embeddings updated", category="EMBED", **done.model_dump())
        await asyncio.sleep(interval)
