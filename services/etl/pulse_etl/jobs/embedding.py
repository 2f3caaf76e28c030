"""After a sync: the embedding queue the load filled is drained into the
tenant's collection. Its failures never fail the sync (the queue keeps the
rows for the next run or the background drain, ``embed/background.py``)."""

from __future__ import annotations

import asyncio

import psycopg

from pulse_common.ai.errors import DimensionMismatch
from pulse_common.errors import PulseError
from pulse_etl.jobs.context import RunContext
from pulse_etl.jobs.events import Events


async def embed_loaded(ctx: RunContext, events: Events, name: str) -> None:
    """Drains the embedding queue the load filled. Its failures never fail
    the sync: the queue keeps the rows for the next run."""
    if ctx.embed is None:
        return
    # Imported here: it loads qdrant-client, which a run without embedding
    # (the one-shot CLI) never needs.
    from pulse_common.search.queue import BACKEND, drain

    try:
        done = await asyncio.to_thread(drain, ctx.embed)
    except DimensionMismatch:
        # Not a fault: the backend embeds with the tenant's provider.
        await events.line(
            "EMBED", "embedding left to the backend", integration=name, reason=BACKEND
        )
        return
    except (PulseError, psycopg.Error) as exc:
        await events.line("EMBED", "embedding deferred", integration=name, reason=str(exc)[:300])
        return
    except Exception as exc:
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        await events.line("EMBED", "embedding deferred", integration=name, reason=reason)
        return
    await events.line("EMBED", "embeddings updated", integration=name, **done.model_dump())
