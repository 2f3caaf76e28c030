"""The ``etl_jobs`` row of an integration: its state machine (``status``),
attempts, last error, watermark and checkpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, field_serializer

from pulse_common.errors import Conflict, NotFound
from pulse_common.models.enums import EtlJobStatus
from pulse_etl.integrations import Integration

# The ETL's name for the column's value set.
JobState = EtlJobStatus

_ENDED = {JobState.succeeded, JobState.failed, JobState.cancelled}
# running → running: a runner that died mid-run left it so; the next one resumes.
ALLOWED: dict[JobState, set[JobState]] = {
    JobState.queued: {JobState.running, JobState.paused, JobState.cancelled},
    JobState.running: {JobState.running, JobState.paused, *_ENDED},
    JobState.paused: {JobState.queued, JobState.running, JobState.cancelled},
    **{s: {JobState.queued, JobState.running} for s in _ENDED},
}


class Job(BaseModel):
    """What the job API shows; never a credential."""

    integration: str
    integration_id: int
    state: JobState
    attempts: int
    last_error: str | None
    # Where the next incremental run reads from (minus an overlap): the
    # start of the last successful run, not when it ended.
    watermark: dt.datetime | None
    # When the last successful run ended (the integration's last sync).
    last_success_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    cursor: dict[str, Any] | None
    control: str | None
    progress: dict[str, Any]

    @field_serializer("progress")
    def _shown_progress(self, progress: dict[str, Any]) -> dict[str, Any]:
        """A rate-limit wait only while the job runs and the wait lasts: a run
        that ended in one clears it, but a runner killed in it, or a failure
        shown from memory (``unrecorded.py``), left it stored, and the ETL
        page said "waiting until" a time long past."""
        until = progress.get("waiting_until")
        if until is None or (self.state is JobState.running and _ahead(until)):
            return progress
        return {**progress, "waiting_until": None}


def _ahead(when: object) -> bool:
    try:
        at = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(str(when))
    except ValueError:
        return False
    return at.tzinfo is not None and at > dt.datetime.now(dt.UTC)


_SELECT = (
    "SELECT j.job_name, j.integration_id, j.status, j.retry_count, j.error_message, "
    "j.last_success_watermark, j.last_run_started_at, j.last_run_finished_at, j.checkpoint, "
    "i.last_sync_at FROM etl_jobs j LEFT JOIN integrations i ON i.id = j.integration_id"
)


def _job(row: dict[str, Any]) -> Job:
    cp = row["checkpoint"] or {}
    return Job(
        integration=row["job_name"],
        integration_id=row["integration_id"],
        state=JobState(row["status"]),
        attempts=row["retry_count"],
        last_error=row["error_message"],
        watermark=row["last_success_watermark"],
        last_success_at=row["last_sync_at"],
        started_at=row["last_run_started_at"],
        finished_at=row["last_run_finished_at"],
        cursor=cp.get("cursor"),
        control=cp.get("control"),
        progress=cp.get("progress", {}),
    )


async def ensure(conn: AsyncConnection[Any], tenant_id: int, integration: Integration) -> int:
    """The integration's row and its job row; returns the integration id."""
    settings = integration.model_dump(
        mode="json", by_alias=True, exclude={"name", "type", "base_url"}
    )
    cur = await conn.execute(
        "INSERT INTO integrations (tenant_id, name, type, provider, base_url, settings) "
        "VALUES (%s, %s, 'data', %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
        "provider = EXCLUDED.provider, base_url = EXCLUDED.base_url, settings = EXCLUDED.settings, "
        "active = true, last_updated_at = now() RETURNING id",
        (tenant_id, integration.name, integration.type.value, integration.api_url, Jsonb(settings)),
    )
    row = await cur.fetchone()
    assert row is not None
    integration_id = int(row[0])
    await conn.execute(
        "INSERT INTO etl_jobs (tenant_id, job_name, integration_id, status, checkpoint) "
        "VALUES (%s, %s, %s, 'queued', '{}') ON CONFLICT (job_name) DO UPDATE SET "
        "integration_id = EXCLUDED.integration_id",
        (tenant_id, integration.name, integration_id),
    )
    return integration_id


async def get(
    conn: AsyncConnection[Any], name: str, *, lock: bool = False
) -> tuple[Job, dict[str, Any]]:
    """The job and its raw checkpoint; ``lock`` holds the row to the transaction's end."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            _SELECT + " WHERE j.job_name = %s" + (" FOR UPDATE OF j" if lock else ""), (name,)
        )
        row = await cur.fetchone()
    if row is None:
        raise NotFound(f"no ETL job for integration {name!r}")
    return _job(row), dict(row["checkpoint"] or {})


async def all_jobs(conn: AsyncConnection[Any]) -> list[Job]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_SELECT + " ORDER BY j.job_name")
        return [_job(r) for r in await cur.fetchall()]


async def transition(
    conn: AsyncConnection[Any],
    name: str,
    to: JobState,
    *,
    checkpoint: dict[str, Any] | None = None,
    error: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Job:
    """Moves the job to ``to`` (checked against ``ALLOWED``) inside the
    caller's transaction; ``checkpoint`` keys are merged into the stored one."""
    job, cp = await get(conn, name, lock=True)
    if to not in ALLOWED[job.state]:
        raise Conflict(f"job {name}: cannot go from {job.state} to {to}")
    cp |= checkpoint or {}
    sets = ["status = %(status)s", "checkpoint = %(cp)s", "last_updated_at = now()"]
    params: dict[str, Any] = {"status": to.value, "cp": Jsonb(cp), "name": name}
    if to in _ENDED or to is JobState.paused:
        sets += ["error_message = %(error)s", "last_run_finished_at = now()"]
        params["error"] = error
    for column, value in (extra or {}).items():
        sets.append(f"{column} = %({column})s")
        params[column] = value
    await conn.execute(f"UPDATE etl_jobs SET {', '.join(sets)} WHERE job_name = %(name)s", params)
    job, _ = await get(conn, name)
    return job


async def save_batch(conn: AsyncConnection[Any], name: str, updates: dict[str, Any]) -> str | None:
    """Merges the batch's checkpoint in the caller's transaction; returns a
    pending control request (pause/cancel) made meanwhile."""
    _, cp = await get(conn, name, lock=True)
    cp |= updates
    await conn.execute(
        "UPDATE etl_jobs SET checkpoint = %s, last_updated_at = now() WHERE job_name = %s",
        (Jsonb(cp), name),
    )
    control = cp.get("control")
    return str(control) if control else None


async def save_progress(conn: AsyncConnection[Any], name: str, progress: dict[str, Any]) -> None:
    """The run's progress alone, between batches (a rate-limit wait begins or
    ends): one statement in autocommit, which the run's session can take
    while the connector waits, as it takes the lease's pings."""
    await conn.execute(
        "UPDATE etl_jobs SET checkpoint = jsonb_set(checkpoint, '{progress}', %s) "
        "WHERE job_name = %s",
        (Jsonb(progress), name),
    )


async def request_control(conn: AsyncConnection[Any], name: str, control: str) -> Job:
    """Pause or cancel: a queued or paused job stops at once; a running one
    at its next checkpoint (whichever replica runs it)."""
    job, cp = await get(conn, name, lock=True)
    if job.state is JobState.running:
        cp["control"] = control
        await conn.execute(
            "UPDATE etl_jobs SET checkpoint = %s WHERE job_name = %s", (Jsonb(cp), name)
        )
        job, _ = await get(conn, name)
        return job
    if control == "cancel" and job.state in (JobState.queued, JobState.paused):
        return await transition(
            conn, name, JobState.cancelled, checkpoint={"cursor": None, "control": None}
        )
    if control == "pause" and job.state is JobState.queued:
        return await transition(conn, name, JobState.paused, checkpoint={"control": None})
    raise Conflict(f"job {name} is {job.state}: nothing to {control}")
