"""ML monitoring after a sync: ``pulse_common.ml.monitor.run_monitoring``
(one definition for the ETL and the backend's on-demand route) in a worker
thread on its own connection as the tenant's login role, then each new alert
published on the tenant's event channel for its browsers.

Monitoring is advice about the data, not part of it: a failure here is
logged and never fails the sync that has already committed. It is
idempotent, so parallel integrations finishing together raise each alert
once (the database's unique keys decide)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import redis.asyncio as aioredis
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from pulse_common.ml.monitor import MonitoringReport, event, run_monitoring
from pulse_etl.jobs.events import Events


def _run(database_url: str, tenant_id: int, now: dt.datetime) -> MonitoringReport:
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.begin() as conn:
            return run_monitoring(conn, tenant_id, now)
    finally:
        engine.dispose()


async def monitor_after_sync(
    database_url: str, tenant_id: int, events: Events, now: dt.datetime | None = None
) -> MonitoringReport | None:
    try:
        report = await asyncio.to_thread(
            _run, database_url, tenant_id, now or dt.datetime.now(dt.UTC)
        )
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        await events.line("ORCH", "monitoring failed", error=type(exc).__name__, detail=first)
        return None
    for alert in report.alerts:
        if events.redis is None:
            break
        try:
            await events.redis.publish(events.channel, json.dumps(event(alert)))
        except (aioredis.RedisError, OSError):
            # The alert is stored; the browser sees it on its next refresh.
            await events.line("ORCH", "alert not published", alert_id=alert.id)
    await events.line(
        "ORCH",
        "monitoring done",
        alerts=len(report.alerts),
        predictions_made=report.predictions_made,
        predictions_scored=report.predictions_scored,
    )
    return report
