"""One run per integration at a time, across processes (PostgreSQL advisory
lock), and the job's progress on the tenant's Redis channel."""

from __future__ import annotations

import asyncio
import json
import threading

import psycopg
import pytest
import redis
import redis.asyncio as aioredis

from pulse_backend import tenant_logs
from pulse_common.lsn import lsn_of
from pulse_etl.errors import JobAlreadyRunning
from pulse_etl.jobs import locks
from pulse_etl.jobs.events import DATA_VERSION_TTL, LOG_LINES, Events
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.sources.batch import Batch
from pulse_fakes.faults import Fault
from tests.etl.conftest import EtlTenant, TenantMaker
from tests.etl.zygote import Zygote


async def test_two_runners_never_run_one_integration(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    t.sources.jira.api.latency = 0.02  # long enough for the runs to meet
    jira = t.integrations()["jira-main"]
    results = await asyncio.gather(
        run_job(t.context(), jira), run_job(t.context(), jira), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, JobAlreadyRunning)]
    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(refused) == 1 and len(done) == 1 and done[0].state is JobState.succeeded
    # The lock went with the run: the next one starts.
    assert (await run_job(t.context(), jira)).state is JobState.succeeded


async def test_tenants_never_block_each_other(etl_tenant_factory: TenantMaker) -> None:
    """The lock key is (tenant id, hash of the integration): tenant A holding
    its ``jira-main`` leaves tenant B's ``jira-main`` free."""
    a = etl_tenant_factory(prefix="lk")
    b = etl_tenant_factory(a.sources, prefix="lk")
    held = await psycopg.AsyncConnection.connect(a.dsn, autocommit=True)
    try:
        assert await locks.try_lock(held, a.tenant_id, locks.integration_key("jira-main"))
        with pytest.raises(JobAlreadyRunning):
            await run_job(a.context(), a.integrations()["jira-main"])
        job = await run_job(b.context(), b.integrations()["jira-main"])
        assert job.state is JobState.succeeded
        with psycopg.connect(a.admin_dsn) as admin:
            keys = admin.execute(
                "SELECT classid::int, objid::int, objsubid FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid = %s",
                (held.info.backend_pid,),
            ).fetchall()
            (expected,) = admin.execute("SELECT hashtext('integration:jira-main')").fetchone() or ()
        assert keys == [(a.tenant_id, expected, 2)]
    finally:
        await held.close()


def _advisory_holders(t: EtlTenant) -> list[tuple[int]]:
    with psycopg.connect(t.admin_dsn) as admin:
        return admin.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::int = %s "
            "AND objid::int = hashtext('integration:github-main') AND granted",
            (t.tenant_id,),
        ).fetchall()


async def test_a_runner_in_another_process_holds_the_integration(
    etl_tenant: EtlTenant, etl_zygote: Zygote
) -> None:
    t = etl_tenant
    # The other process's first /pulls request is held by the local GitHub
    # until this test has tried its own run: the other runner is mid-sync,
    # holding the lock, however slowly a loaded machine starts or runs it.
    # (A fixed latency and a bounded wait used to leave that to timing.)
    release = threading.Event()
    held = t.sources.github.plan.add(
        Fault(r"/pulls$", kind="call", method="GET", action=lambda: release.wait(300))
    )
    # A real separate ETL process (forked with its imports done).
    proc = etl_zygote.fork(
        "pulse_etl.cli",
        ["sync", "github-main"],
        {**t.env(), "PULSE_ETL_HTTP_TIMEOUT": "300"},  # outlasts the held request
    )
    proc.start()
    communicated = asyncio.ensure_future(asyncio.to_thread(proc.communicate, 300))
    try:
        while not (held.fired and _advisory_holders(t)):
            if communicated.done():  # it must still be syncing: say why not
                raise AssertionError(communicated.result()[1].decode()[-3000:])
            await asyncio.sleep(0.05)
        try:
            job = await run_job(t.context(), t.integrations()["github-main"])
        except JobAlreadyRunning:
            pass
        else:
            raise AssertionError(f"a second runner ran ({job.state})")
        release.set()
        out, err = await communicated
    finally:
        release.set()
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert json.loads(out)["state"] == "succeeded"


async def test_progress_events_log_and_data_version(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    tenant_redis = redis.Redis.from_url(t.redis_url, decode_responses=True)
    pubsub = tenant_redis.pubsub()
    pubsub.subscribe(f"{t.names.key_prefix}events")
    pubsub.get_message(timeout=1)  # the subscription confirmation
    with psycopg.connect(t.admin_dsn) as db:
        start = db.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded
    # With the version, the primary's WAL position after the last load (the
    # backend reads on the replica only once it has replayed that far).
    lsn = lsn_of(tenant_redis.get(t.names.data_lsn_key))
    assert lsn is not None
    with psycopg.connect(t.admin_dsn) as db:
        (after_start,) = db.execute("SELECT %s::pg_lsn > %s", (lsn, start[0])).fetchone()
    assert after_start
    events = []
    while (m := pubsub.get_message(timeout=0.5)) is not None:
        events.append(json.loads(m["data"]))
    pubsub.close()
    assert events[0]["phase"] == "metadata"
    assert events[-1]["state"] == "succeeded"
    done = [e["done"] for e in events]
    assert done == sorted(done) and done[-1] == job.progress["done"]
    issues = [e for e in events if e["phase"].startswith("issues")]
    assert issues and all(
        e["estimated"] is not None and e["estimated"] >= e["done"] for e in issues[:1]
    )
    assert all({"rate", "eta_seconds", "rate_limit_waits"} <= e.keys() for e in events)
    assert int(tenant_redis.get(f"{t.names.key_prefix}data_version") or 0) == len(events)
    # Every key the ETL wrote (as the tenant's ACL user) expires or is capped.
    for key in t.redis_admin.scan_iter(f"{t.names.key_prefix}*"):
        if t.redis_admin.type(key) in (b"stream", "stream"):
            assert 0 < t.redis_admin.xlen(key) <= LOG_LINES
        else:
            assert 0 < t.redis_admin.ttl(key) <= DATA_VERSION_TTL, key
    # The log lines are in the stream the backend's log API reads, in its format.
    lines = [
        tenant_logs._entry(i, e) for i, e in tenant_redis.xrange(tenant_logs.stream_key(t.slug))
    ]
    assert [line.category for line in lines][:1] == ["ORCH"]
    done = [line for line in lines if line.event == "run succeeded"]
    assert done and done[0].level == "info" and done[0].fields["integration"] == "jira-main"
    # Another tenant's user can neither read these keys nor subscribe.
    tenant_redis.close()


def test_a_tenants_etl_cannot_reach_another_tenant(etl_tenant_factory: TenantMaker) -> None:
    a = etl_tenant_factory(prefix="iso")
    b = etl_tenant_factory(a.sources, prefix="iso")
    with psycopg.connect(a.dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f'SELECT count(*) FROM "{b.names.schema}".work_items')
    with psycopg.connect(a.dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            f"INSERT INTO \"{b.names.schema}\".etl_jobs (tenant_id, job_name) VALUES (1, 'x')"
        )
    as_a = redis.Redis.from_url(a.redis_url)
    with pytest.raises(redis.exceptions.NoPermissionError):
        as_a.incr(f"{b.names.key_prefix}data_version")
    with pytest.raises(redis.exceptions.NoPermissionError):
        as_a.publish(f"{b.names.key_prefix}events", "{}")
    as_a.close()


async def test_the_data_lsn_only_moves_forward(etl_tenant: EtlTenant) -> None:
    # Two integrations load at once: the runner that read the older WAL
    # position may bump last; the version moves, the recorded LSN does not
    # go back (as the tenant's own Redis user, which may WATCH but not EVAL).
    t = etl_tenant
    tenant_redis = aioredis.Redis.from_url(t.redis_url)
    t.redis_admin.set(t.names.data_lsn_key, "FFFFFFFF/0")
    try:
        async with await psycopg.AsyncConnection.connect(t.dsn, autocommit=True) as db:
            await Events(t.names, tenant_redis).data_changed(db)
    finally:
        await tenant_redis.aclose()
    assert t.redis_admin.get(t.names.data_lsn_key) in (b"FFFFFFFF/0", "FFFFFFFF/0")
    assert int(t.redis_admin.get(t.names.data_version_key) or 0) == 1
    assert 0 < t.redis_admin.ttl(t.names.data_lsn_key) <= DATA_VERSION_TTL


async def test_cancel_reaches_a_running_job_at_its_next_checkpoint(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira = t.integrations()["jira-main"]
    batches: list[Batch] = []

    def cancel_after_first(batch: Batch) -> None:
        batches.append(batch)
        if len(batches) == 1:  # another replica's API call, through the database
            with psycopg.connect(t.dsn) as conn:
                conn.execute(
                    'UPDATE etl_jobs SET checkpoint = checkpoint || \'{"control": "cancel"}\' '
                    "WHERE job_name = 'jira-main'"
                )

    job = await run_job(t.context(on_batch=cancel_after_first), jira)
    assert job.state is JobState.cancelled and job.cursor is None and job.control is None
    assert len(batches) == 2  # stopped at the checkpoint after the request
    assert job.watermark is None  # a cancelled run moves no watermark
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded
    assert job.progress["done"] >= len(t.sources.jira_org.issues)
