"""The DORA links derived after a load: ``pulse_common.dora.relink`` (one
definition for the ETL, the seed and the tests), which is synchronous
SQLAlchemy, so it runs in a worker thread on its own connection to the same
database as the tenant's login role. It is idempotent: the runner calls it
before the final checkpoint, and a run killed between the two derives again
when it resumes."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pulse_common.dora.link import RelinkReport, relink
from pulse_etl.jobs import locks


def _relink(database_url: str, tenant_id: int) -> RelinkReport:
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    # One short-lived connection per run: nothing to pool between syncs.
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.begin() as conn:
            # The tenant's integrations sync in parallel; their relinks take turns.
            conn.execute(text(locks.XACT_LOCK_SQL), {"tid": tenant_id, "k": locks.RELINK})
            return relink(conn, tenant_id)
    finally:
        engine.dispose()


async def derive_links(database_url: str, tenant_id: int) -> RelinkReport:
    return await asyncio.to_thread(_relink, database_url, tenant_id)
