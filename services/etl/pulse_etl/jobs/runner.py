"""One run of an integration's job: take the integration's advisory lock,
resume from the checkpoint or start from the watermark, then per batch one
transaction holding the rows and the new checkpoint; derive links and move
the watermark at the end. Any error fails the job with a clear message
(``failures.py``) and leaves every committed batch (and only those) in place."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import Any

import psycopg
from psycopg import AsyncConnection

from pulse_etl.errors import JobAlreadyRunning, JobCancelled
from pulse_etl.integrations import Integration, load_credentials
from pulse_etl.jobs import failures, locks, session, store, sweep
from pulse_etl.jobs.context import RunContext
from pulse_etl.jobs.derive import derive_links
from pulse_etl.jobs.embedding import embed_loaded
from pulse_etl.jobs.events import Events
from pulse_etl.jobs.monitor import monitor_after_sync
from pulse_etl.jobs.source import incident_types, make_client, make_connector, phases
from pulse_etl.jobs.store import Job, JobState
from pulse_etl.jobs.tracker import Tracker
from pulse_etl.load import bulk
from pulse_etl.load.targets import BY_SOURCE, load_rows
from pulse_etl.metrics import RunMeter
from pulse_etl.sources.batch import Batch
from pulse_etl.sources.http import SourceClient
from pulse_etl.sources.jira import JiraConnector

ISO = dt.datetime.fromisoformat


async def run_job(ctx: RunContext, integration: Integration) -> Job:
    """Runs (or resumes) the job; raises JobAlreadyRunning if another runner holds it."""
    events = Events(ctx.tenant, ctx.redis)
    conn = await session.connect(ctx.database_url, ctx.session)
    key = locks.integration_key(integration.name)
    locked = False
    try:
        locked = await locks.try_lock(conn, ctx.tenant_id, key)
        if not locked:
            raise JobAlreadyRunning(
                f"integration {integration.name} is being synced by another runner"
            )
        async with session.Lease(conn, ctx.session):
            return await _run_locked(ctx, conn, integration, events)
    finally:
        if locked and not conn.closed:
            # Explicitly: a closed session's locks go only when its backend exits, a moment later.
            with contextlib.suppress(psycopg.Error):
                await locks.unlock(conn, ctx.tenant_id, key)
        await conn.close()


async def _run_locked(
    ctx: RunContext, conn: AsyncConnection[Any], integration: Integration, events: Events
) -> Job:
    name = integration.name
    async with conn.transaction():
        integration_id = await store.ensure(conn, ctx.tenant_id, integration)
        job, cp = await store.get(conn, name, lock=True)
        run = _resume_or_start(job, cp, ctx.overlap)
        tracker = Tracker(name, int(run.get("done", 0)), integration.type.value)
        if "resumed" in run:
            tracker.notices = list(job.progress.get("notices", []))
        # This runner's mark: a stale runner whose session the server ended
        # must not record its failure over a later run's state.
        holder = uuid.uuid4().hex
        await store.transition(
            conn,
            name,
            JobState.running,
            checkpoint={
                "run": run,
                "cursor": job.cursor if "resumed" in run else None,
                "control": None,
                "holder": holder,
                # This run's own count from its start (the last run's stayed
                # until the first batch, then the API's count went back).
                "progress": tracker.summary(),
            },
            error=None,
            extra={"retry_count": job.attempts + 1, "last_run_started_at": ISO(run["started_at"])},
        )
    await events.line(
        "ORCH", "run started", integration=name, resumed="resumed" in run, since=run["since"]
    )
    client: SourceClient | None = None
    meter = RunMeter(ctx.metrics, integration.type.value)
    meter.start()
    try:
        creds = load_credentials(ctx.credentials_dir, integration)
        client = make_client(ctx, integration, creds)
        client.on_wait = tracker.waits(events, client, conn)
        connector = make_connector(client, integration, cp, await incident_types(conn))
        since = ISO(run["since"]) if run["since"] else None
        cursor = dict((job.cursor if "resumed" in run else None) or {})
        await bulk.stage(conn, BY_SOURCE[integration.type])
        for batches in phases(conn, connector, integration_id, cursor, since):
            async for batch in batches:
                control, items, notices = await _commit(
                    ctx, conn, integration_id, name, batch, run, tracker
                )
                meter.loaded(items, client)
                for notice in notices:
                    await events.line(integration.type.value.upper(), notice, integration=name)
                if ctx.on_batch is not None:
                    ctx.on_batch(batch)
                await events.data_changed(conn)
                await events.progress(tracker.progress(JobState.running, batch, client))
                if control:
                    raise JobCancelled("paused" if control == "pause" else "cancelled")
        swept_at = cp.get("swept_at")
        if isinstance(connector, JiraConnector) and sweep.due(
            swept_at, ctx.sweep_interval, dt.datetime.now(dt.UTC)
        ):
            await sweep.deleted_issues(conn, connector, integration_id, events)
            swept_at = dt.datetime.now(dt.UTC).isoformat()
        # Before the final checkpoint: a succeeded job always has its links.
        linked = await derive_links(ctx.database_url, ctx.tenant_id)
        await embed_loaded(ctx, events, name)
        async with conn.transaction():
            # The run's end, as the job's last_success_at reads it: first, so
            # that the job returned below carries it (now() is the same
            # transaction's time as the job's last_run_finished_at).
            await conn.execute(
                "UPDATE integrations SET last_sync_at = now() WHERE id = %s", (integration_id,)
            )
            etags = {**cp.get("etags", {}), **run.get("etags", {})}
            job = await store.transition(
                conn,
                name,
                JobState.succeeded,
                checkpoint={
                    "cursor": None,
                    "run": None,
                    "etags": etags,
                    "progress": tracker.summary(),
                    "swept_at": swept_at,
                },
                extra={"last_success_watermark": ISO(run["started_at"]), "retry_count": 0},
            )
        await _bump_after_success(events, conn)
        await events.line(
            "ORCH", "run succeeded", integration=name, items=tracker.done, **linked.model_dump()
        )
        report = await monitor_after_sync(ctx.database_url, ctx.tenant_id, events)
        if report is not None and report.wrote:
            # The ML pages are cached per data version too: without this bump
            # they kept the answer computed before monitoring, until the next load.
            await _bump_after_success(events, conn)
    except JobCancelled as stop:
        state = JobState.paused if stop.state == "paused" else JobState.cancelled
        keep = {} if state is JobState.paused else {"cursor": None, "run": None}
        tracker.waiting_until = None
        progress = {"control": None, "progress": tracker.summary(), **keep}
        async with conn.transaction():
            job = await store.transition(conn, name, state, checkpoint=progress)
        await events.line("ORCH", f"run {stop.state}", integration=name)
    except Exception as exc:
        message = failures.describe(exc, integration, conn)
        job = await failures.fail(ctx, conn, holder, name, message, events, exc, tracker, client)
        if failures.is_bug(exc):
            meter.end(job.state.value, client)
            raise
    finally:
        if client is not None:
            await client.aclose()
    meter.end(job.state.value, client)
    await events.progress(tracker.final(job, client))
    return job


async def _bump_after_success(events: Events, conn: AsyncConnection[Any]) -> None:
    """The data version bumped once the run's success is recorded (and
    again after ML monitoring wrote). A session the server ended by then
    (monitoring runs on its own and can take seconds) is logged, never the
    run's failure, which no store transition allows after success: run_job
    raised Conflict. ``data_changed`` has moved the version all the same."""
    try:
        await events.data_changed(conn)
    except psycopg.Error as exc:
        await events.line("ORCH", "session lost after the run", error=type(exc).__name__)


def _resume_or_start(job: Job, cp: dict[str, Any], overlap: dt.timedelta) -> dict[str, Any]:
    """A run left with a cursor (killed, paused or failed) resumes with its
    own window; otherwise a new run reads from the watermark minus the overlap."""
    previous = cp.get("run")
    if job.cursor and previous:
        return {**previous, "resumed": True}
    now = dt.datetime.now(dt.UTC)
    since = (job.watermark - overlap).isoformat() if job.watermark else None
    return {"started_at": now.isoformat(), "since": since, "done": 0, "etags": {}}


async def _commit(
    ctx: RunContext,
    conn: AsyncConnection[Any],
    integration_id: int,
    name: str,
    batch: Batch,
    run: dict[str, Any],
    tracker: Tracker,
) -> tuple[str | None, int, list[str]]:
    """Loads the batch with its checkpoint; returns a pending control request,
    how many of its items are new to this run, and the notices of the batch
    and of its load (a row moved aside for a renamed repository)."""
    async with conn.transaction():
        loaded: list[str] = []
        await load_rows(
            conn, batch.rows, tenant_id=ctx.tenant_id, integration_id=integration_id, notices=loaded
        )
        items = tracker.add(batch, loaded)
        run["done"] = tracker.done
        run["etags"] = {**run.get("etags", {}), **batch.etags}
        control = await store.save_batch(
            conn, name, {"cursor": batch.cursor, "run": run, "progress": tracker.summary()}
        )
        return control, items, [*batch.notices, *loaded]
