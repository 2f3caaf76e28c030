"""How a run's failure is worded and recorded: the message the job API and
the admin's ETL page show for each kind of error (a source's refusal, the
database's, a bug), and its write to the job row, through a new session
when the run's own is gone."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import AsyncConnection
from sqlalchemy.exc import DBAPIError

from pulse_common.errors import PulseError
from pulse_etl.errors import AuthFailed, FailureNotRecorded
from pulse_etl.integrations import Integration
from pulse_etl.jobs import locks, session, store
from pulse_etl.jobs.context import RunContext
from pulse_etl.jobs.events import Events
from pulse_etl.jobs.store import Job, JobState
from pulse_etl.jobs.tracker import Tracker
from pulse_etl.sources.http import SourceClient


def is_bug(exc: BaseException) -> bool:
    """Neither a source's nor the database's fault: recorded, then re-raised
    so that the log has the trace."""
    return not isinstance(exc, PulseError | psycopg.Error | DBAPIError)


def describe(exc: BaseException, integration: Integration, conn: AsyncConnection[Any]) -> str:
    """The failure as the job's last error says it."""
    if isinstance(exc, AuthFailed):
        # The admin reading this on the jobs page must learn where the refused
        # credentials live (the source only says "Bad credentials").
        ref = integration.credentials
        return (
            f"{exc}: the credentials in Secret {ref.name} (key {ref.key}) were refused "
            "or lack a permission; correct them there"
        )
    if isinstance(exc, PulseError):
        return str(exc)
    if isinstance(exc, psycopg.Error | DBAPIError):
        # The database refused a batch (or the relink, through SQLAlchemy); the
        # driver's first line names the constraint.
        if isinstance(conn, session.BoundedConnection) and conn.hung:
            return f"database: {conn.hung}"
        text = str(exc).strip()
        return f"database: {text.splitlines()[0] if text else type(exc).__name__}"
    # A bug, not a source problem: the job says so, the log has the trace.
    return f"internal error: {type(exc).__name__}"


async def fail(
    ctx: RunContext,
    conn: AsyncConnection[Any],
    holder: str,
    name: str,
    message: str,
    events: Events,
    exc: BaseException,
    tracker: Tracker,
    client: SourceClient | None,
) -> Job:
    """Records the failed run (``holder``: the run's mark on the job) and
    says so on the log stream; raises ``FailureNotRecorded`` when no session
    can write it."""
    if client is not None:
        # Whatever the message quotes of a page (a key, a source's words),
        # an upstream that echoes the credentials there does not publish them.
        message = client.scrub(message)
    tracker.waiting_until = None  # a wait the run failed in is over
    progress = tracker.summary()
    try:
        if conn.broken:
            job = await _record_elsewhere(ctx, holder, name, message, progress)
        else:
            job = await _record_failure(conn, name, message, progress)
    except psycopg.Error as err:
        # Nothing could record it (a read-only or unreachable database): the
        # job still says "running". The live event tells the ETL jobs page,
        # which shows a failed event's error at once.
        await events.progress(tracker.progress(JobState.failed, None, client, message))
        raise FailureNotRecorded(message) from err
    finally:
        await events.line(
            "ERROR", "run failed", integration=name, error=message, kind=type(exc).__name__
        )
    return job


async def _record_failure(
    conn: AsyncConnection[Any], name: str, message: str, progress: dict[str, Any]
) -> Job:
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        await conn.rollback()
    async with conn.transaction():
        return await store.transition(
            conn, name, JobState.failed, checkpoint={"progress": progress}, error=message[:2000]
        )


async def _record_elsewhere(
    ctx: RunContext, holder: str, name: str, message: str, progress: dict[str, Any]
) -> Job:
    """The run's session is gone (the server dropped it, or restarted): the
    failure is written through a new one, else the job would show "running"
    without an error until the next run. The dead session's advisory lock
    went with it, so it is taken again: a runner that has started since
    owns the job (it holds the lock, or has marked the job as its own and
    perhaps finished), and its state stays."""
    key = locks.integration_key(name)
    async with await AsyncConnection.connect(
        ctx.database_url, autocommit=True, connect_timeout=10
    ) as fresh:
        if not await locks.try_lock(fresh, ctx.tenant_id, key):
            job, _ = await store.get(fresh, name)
            return job
        try:
            job, cp = await store.get(fresh, name)
            if cp.get("holder") != holder:
                return job
            return await _record_failure(fresh, name, message, progress)
        finally:
            await locks.unlock(fresh, ctx.tenant_id, key)
