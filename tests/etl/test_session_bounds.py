"""A run whose database session stops answering (a partition, a frozen
peer) used to keep the integration's advisory lock until its process died:
no rerun could start. The server now ends a session idle past its lease
(renewed while the run is alive), the client gives up on a round trip past
its deadline, and a stale run that wakes up later cannot record its failure
over the rerun's state."""

from __future__ import annotations

import asyncio
import dataclasses

from pulse_etl.errors import JobAlreadyRunning
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.session import SessionBounds
from pulse_etl.jobs.store import Job, JobState
from pulse_etl.sources.batch import Batch
from tests.etl.conftest import EtlTenant
from tests.etl.stall import StallingRelay

# Bounds, not timing assertions: a test that outlives them has failed.
BOUND = 90.0


async def _stalled_run(
    t: EtlTenant, relay: StallingRelay, bounds: SessionBounds
) -> asyncio.Task[Job]:
    """A Jira run through the relay, stalled after its first page of issues."""
    seen: list[str] = []
    stalled = asyncio.Event()

    def stall_after_first_issues(batch: Batch) -> None:
        seen.append(batch.phase)
        if batch.phase.startswith("issues") and len(seen) == 2:
            relay.stall()
            stalled.set()

    ctx = dataclasses.replace(
        t.context(on_batch=stall_after_first_issues, session=bounds), database_url=relay.dsn
    )
    task = asyncio.create_task(run_job(ctx, t.integrations()["jira-main"]))
    async with asyncio.timeout(BOUND):
        await stalled.wait()
    return task


async def test_a_hung_session_frees_the_lock_and_cannot_undo_the_rerun(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    relay = StallingRelay(t.dsn)
    try:
        # The client waits long: only the server's lease can free the lock.
        stale = await _stalled_run(t, relay, SessionBounds(lease=1.0, answer=BOUND * 2))
        jira = t.integrations()["jira-main"]
        async with asyncio.timeout(BOUND):
            while True:
                try:
                    job = await run_job(t.context(), jira)
                    break
                except JobAlreadyRunning:
                    await asyncio.sleep(0.2)
        assert job.state is JobState.succeeded, job.last_error
        # The stale run wakes up: its session is gone, the job is not its own any more.
        relay.release()
        async with asyncio.timeout(BOUND):
            await stale
        assert t.query("SELECT status, error_message FROM etl_jobs") == [("succeeded", None)]
        keys = [k for (k,) in t.query("SELECT key FROM work_items")]
        assert sorted(keys) == sorted(i.key for i in t.sources.jira_org.issues)
    finally:
        relay.close()


async def test_a_run_whose_session_never_answers_ends_failed(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    relay = StallingRelay(t.dsn)
    try:
        stale = await _stalled_run(t, relay, SessionBounds(lease=1.0, answer=3.0))
        # Never released: the run's own deadline ends it (its task no longer holds the job).
        async with asyncio.timeout(BOUND):
            job = await stale
        assert job.state is JobState.failed
        assert job.last_error == "database: the session did not answer in 3 s (closed)"
        assert "jira-token" not in job.last_error
    finally:
        relay.close()
