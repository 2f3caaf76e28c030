"""Runs that failed before the database could record anything: a start
while the tenant's database is read-only (a failover) or unreachable. The
job row cannot say why, so this process remembers the failed run and the
job API shows it in place of the row, until a run starts or the row moves
on (another replica ran it). The ETL jobs page also gets the failed
progress event and the ERROR log line at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import psycopg

from pulse_etl.errors import DatabaseUnavailable
from pulse_etl.jobs.events import Events
from pulse_etl.jobs.store import Job, JobState
from pulse_etl.jobs.tracker import Tracker

# The database's errors and the socket's (a refused or reset connection).
DATABASE_FAULTS = (psycopg.Error, OSError)


def describe(exc: BaseException) -> DatabaseUnavailable:
    """The driver's first line (it names the problem: "cannot execute INSERT
    in a read-only transaction", "connection refused"); never the DSN."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DatabaseUnavailable(
        f"database: {first} (the job could not be recorded; it can be started again "
        "once the database accepts writes)"
    )


@dataclass
class Unrecorded:
    failed: dict[str, Job] = field(default_factory=dict)
    # The last job read from the database, to show the failed run over.
    known: dict[str, Job] = field(default_factory=dict)

    async def fail(self, events: Events, name: str, exc: BaseException) -> Job:
        error = describe(exc)
        job = self.remember(name, str(error))
        await events.line(
            "ERROR", "run failed", integration=name, error=str(error), kind=type(exc).__name__
        )
        await events.progress(Tracker(name, 0).final(job, None))
        return job

    def remember(self, name: str, error: str) -> Job:
        """The failed run the job API shows until a run starts or the row
        moves on; tells nobody (``fail`` does, or the runner did)."""
        now = dt.datetime.now(dt.UTC)
        base = self.known.get(name) or Job(
            integration=name,
            integration_id=0,
            state=JobState.failed,
            attempts=0,
            last_error=None,
            watermark=None,
            last_success_at=None,
            started_at=None,
            finished_at=None,
            cursor=None,
            control=None,
            progress={},
        )
        job = base.model_copy(
            update={
                "state": JobState.failed,
                "last_error": error,
                "started_at": now,
                "finished_at": now,
                "control": None,
            }
        )
        self.failed[name] = job
        return job

    def started(self, name: str) -> None:
        self.failed.pop(name, None)

    def show(self, jobs: list[Job]) -> list[Job]:
        """The stored jobs, each replaced by its unrecorded failure unless a
        run has started or ended since (on any replica)."""
        out = []
        for job in jobs:
            self.known[job.integration] = job
            failed = self.failed.get(job.integration)
            if failed is not None and failed.finished_at is not None:
                moved = [t for t in (job.started_at, job.finished_at) if t is not None]
                if any(t > failed.finished_at for t in moved):
                    self.failed.pop(job.integration)
                    failed = None
            out.append(failed or job)
        return out

    def only(self, names: list[str], exc: BaseException) -> list[Job]:
        """The database cannot be read either: the unrecorded failures alone,
        when they cover every job asked for."""
        if all(n in self.failed for n in names):
            return [self.failed[n] for n in names]
        raise describe(exc) from None
