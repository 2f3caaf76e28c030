"""Drains the embedding queue when the ETL starts and then on a timer, not
only after a sync: rows that arrive without one (a tenant's demo seed, a
backlog left while the vector store was down, a tenant with no data
integration yet) get their vectors too. The queue's advisory lock keeps this
and a sync's drain from running at once."""

from __future__ import annotations

import asyncio

import psycopg
import structlog

from pulse_common.errors import PulseError
from pulse_etl.embed.queue import Target, drain

log = structlog.get_logger("pulse_etl.embed")

INTERVAL_SECONDS = 300.0


async def keep_drained(target: Target, interval: float = INTERVAL_SECONDS) -> None:
    while True:
        try:
            done = await asyncio.to_thread(drain, target)
        except (PulseError, psycopg.Error) as exc:
            log.warning("embedding deferred", category="EMBED", reason=str(exc)[:300])
        except Exception as exc:
            # A bug must not end the loop (nor the ETL): logged, tried again later.
            log.error("embedding failed", category="EMBED", error=type(exc).__name__)
        else:
            if done.embedded or done.removed:
                log.info("embeddings updated", category="EMBED", **done.model_dump())
        await asyncio.sleep(interval)
