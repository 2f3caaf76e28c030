"""Job control for this replica: start (or resume) runs as background tasks,
pause and cancel through the database (so they reach a run on any replica),
and an optional cron schedule."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import structlog
from psycopg import AsyncConnection

from pulse_common.errors import Conflict, NotFound, PulseError
from pulse_etl.errors import FailureNotRecorded, JobAlreadyRunning
from pulse_etl.integrations import Integration
from pulse_etl.jobs import locks, store
from pulse_etl.jobs.context import RunContext
from pulse_etl.jobs.events import Events
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.schedule import next_run
from pulse_etl.jobs.store import Job, JobState
from pulse_etl.jobs.unrecorded import DATABASE_FAULTS, Unrecorded

log = structlog.get_logger("pulse_etl.jobs")

# How long a start/resume waits for a run that has already recorded its end
# (paused, succeeded, ...) to unwind: release its lock, close its connection.
FINISHING_SECONDS = 10.0


@dataclass
class JobManager:
    ctx: RunContext
    integrations: dict[str, Integration]
    tasks: dict[str, asyncio.Task[Job]] = field(default_factory=dict)
    registered: bool = False
    unrecorded: Unrecorded = field(default_factory=Unrecorded)

    def _integration(self, name: str) -> Integration:
        if name not in self.integrations:
            raise NotFound(f"no integration named {name!r}")
        return self.integrations[name]

    async def _conn(self) -> AsyncConnection[Any]:
        return await AsyncConnection.connect(
            self.ctx.database_url, autocommit=True, connect_timeout=10
        )

    async def sync_registry(self) -> None:
        """The integrations table and a job row for each configured integration."""
        conn = await self._conn()
        try:
            for integration in self.integrations.values():
                async with conn.transaction():
                    await store.ensure(conn, self.ctx.tenant_id, integration)
        finally:
            await conn.close()

    async def register(self) -> None:
        """``sync_registry`` once per process (at start-up, or at the first
        status call when the database was not reachable then)."""
        if not self.registered:
            await self.sync_registry()
            self.registered = True

    async def status(self, name: str | None = None) -> list[Job]:
        """Every configured integration has a job, even before its first run.
        A run that failed before the database could record it shows as such."""
        if name is not None:
            self._integration(name)
        try:
            await self.register()
            conn = await self._conn()
            try:
                if name is None:
                    jobs = await store.all_jobs(conn)
                else:
                    jobs = [(await store.get(conn, name))[0]]
            finally:
                await conn.close()
        except DATABASE_FAULTS as exc:
            return self.unrecorded.only([name] if name else sorted(self.integrations), exc)
        return self.unrecorded.show(jobs)

    async def start(self, name: str, *, resume_only: bool = False) -> Job:
        """Queues a run and starts it here; 409 when a run is already going
        (or, with ``resume_only``, when the job is not paused)."""
        integration = self._integration(name)
        task = self.tasks.get(name)
        try:
            if task is not None and not task.done() and not await self._finished(name, task):
                raise JobAlreadyRunning(f"integration {name} is already syncing on this replica")
            job = await self._queue(integration, resume_only=resume_only)
        except DATABASE_FAULTS as exc:
            # Read-only or unreachable: the run ends here, failed, with the
            # reason on the API and the page (nothing half-made is left).
            return await self.unrecorded.fail(self._events(), name, exc)
        self.unrecorded.started(name)
        self.tasks[name] = asyncio.create_task(self._run(integration), name=f"etl:{name}")
        return job

    def _events(self) -> Events:
        return Events(self.ctx.tenant, self.ctx.redis)

    async def _queue(self, integration: Integration, *, resume_only: bool) -> Job:
        name = integration.name
        conn = await self._conn()
        try:
            # A probe: a run elsewhere holds the lock (the task would find out too late for a 409).
            key = locks.integration_key(name)
            if not await locks.try_lock(conn, self.ctx.tenant_id, key):
                raise JobAlreadyRunning(f"integration {name} is being synced by another runner")
            await locks.unlock(conn, self.ctx.tenant_id, key)
            async with conn.transaction():
                await store.ensure(conn, self.ctx.tenant_id, integration)
                job, _ = await store.get(conn, name, lock=True)
                if resume_only and job.state is not JobState.paused:
                    raise Conflict(f"job {name} is {job.state}: nothing to resume")
                if job.state not in (JobState.running, JobState.queued):
                    job = await store.transition(conn, name, JobState.queued)
        finally:
            await conn.close()
        return job

    async def _finished(self, name: str, task: asyncio.Task[Job]) -> bool:
        """True when the task's run is over. A run commits its end state before
        its task has unwound, so a resume sent right after the job shows
        ``paused`` would otherwise be refused as "already syncing" (seen under
        load in tests/backend/test_etl_routes.py)."""
        conn = await self._conn()
        try:
            job, _ = await store.get(conn, name)
        finally:
            await conn.close()
        if job.state in (JobState.running, JobState.queued):
            return False
        await asyncio.wait({task}, timeout=FINISHING_SECONDS)
        return task.done()

    async def _run(self, integration: Integration) -> Job:
        try:
            return await run_job(self.ctx, integration)
        except JobAlreadyRunning:
            log.info("another runner holds the job", category="ORCH", integration=integration.name)
            raise
        except FailureNotRecorded as exc:
            # The run failed and could not record why; it told the page.
            return self.unrecorded.remember(integration.name, str(exc))
        except DATABASE_FAULTS as exc:
            # The database refused the run's first writes after the start
            # was queued: the API and the page learn of the failed run here.
            return await self.unrecorded.fail(self._events(), integration.name, exc)

    async def control(self, name: str, action: str) -> Job:
        self._integration(name)
        conn = await self._conn()
        try:
            async with conn.transaction():
                return await store.request_control(conn, name, action)
        finally:
            await conn.close()

    async def wait(self, name: str) -> Job | None:
        task = self.tasks.get(name)
        return await task if task else None

    async def schedule(self, cron: str, tz: zoneinfo.ZoneInfo) -> None:
        """Starts every integration at each cron tick (in the tenant's time
        zone, ``jobs/schedule.py``) until cancelled."""
        at = dt.datetime.now(dt.UTC)
        while True:
            at = next_run(cron, tz, at)
            await asyncio.sleep(max(0.0, (at - dt.datetime.now(dt.UTC)).total_seconds()))
            for name in self.integrations:
                try:
                    await self.start(name)
                    log.info("scheduled run", category="SCHED", integration=name)
                except (Conflict, PulseError) as exc:
                    log.info(
                        "scheduled run skipped", category="SCHED", integration=name, reason=str(exc)
                    )

    async def aclose(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
