"""A run's progress: items done (resumed runs included), the phase, the
sources' estimates, the rate and ETA, a rate-limit wait while it lasts and
the notices for the admin, as the checkpoint's summary (what the job API and
the admin's ETL page read) and the ``etl.progress`` events report them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog
from psycopg import AsyncConnection

from pulse_etl.jobs import store
from pulse_etl.jobs.events import Events, Progress
from pulse_etl.jobs.store import Job, JobState
from pulse_etl.sources.batch import Batch
from pulse_etl.sources.http import OnWait, SourceClient

log = structlog.get_logger("pulse_etl")


@dataclass
class Tracker:
    integration: str
    done: int
    source: str = ""  # "github" / "jira": the page names whose rate limit a run waits for
    phase: str = "starting"
    estimated: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    in_run: int = 0
    # Items already counted in this run (by the batches' keys): an item the
    # source lists on two pages is stored once (an upsert) and counted once.
    seen: set[str] = field(default_factory=set)
    # Set while the source makes the run wait (its end), else None.
    waiting_until: dt.datetime | None = None
    notices: list[str] = field(default_factory=list)

    def add(self, batch: Batch, notices: Sequence[str] = ()) -> int:
        """Counts the batch's items not counted yet; returns how many. Keeps
        the batch's notices and ``notices`` (its load's), each once."""
        if batch.keys:
            new = {k for k in batch.keys if k not in self.seen}
            self.seen |= new
            items = len(new)
        else:
            items = batch.items
        self.done += items
        self.in_run += items
        self.phase = batch.phase
        for notice in [*batch.notices, *notices]:
            if notice not in self.notices:
                self.notices.append(notice)
        if batch.estimated is not None:
            self.estimated[batch.phase] = batch.estimated
        return items

    def summary(self) -> dict[str, Any]:
        waiting = self.waiting_until.isoformat() if self.waiting_until else None
        return {
            "phase": self.phase,
            "done": self.done,
            "estimated": self._estimated(),
            "source": self.source,
            "waiting_until": waiting,
            "notices": self.notices,
        }

    def _estimated(self) -> int | None:
        return max(self.done, sum(self.estimated.values())) if self.estimated else None

    def progress(
        self,
        state: JobState,
        batch: Batch | None,
        client: SourceClient | None,
        error: str | None = None,
    ) -> Progress:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.in_run / elapsed
        est = self._estimated()
        eta = (est - self.done) / rate if est is not None and rate > 0 else None
        stats = client.stats if client else None
        return Progress(
            integration=self.integration,
            state=state.value,
            phase=batch.phase if batch else self.phase,
            done=self.done,
            estimated=est,
            rate=round(rate, 2),
            rate_limit_waits=stats.rate_limit_waits if stats else 0,
            rate_limit_wait_seconds=round(stats.rate_limit_wait_seconds, 3) if stats else 0.0,
            eta_seconds=round(eta, 1) if eta is not None else None,
            error=error,
            source=self.source,
            waiting_until=self.waiting_until,
            notices=self.notices,
            at=dt.datetime.now(dt.UTC),
        )

    def final(self, job: Job, client: SourceClient | None) -> Progress:
        return self.progress(job.state, None, client, job.last_error)

    def waits(self, events: Events, client: SourceClient, conn: AsyncConnection[Any]) -> OnWait:
        """What the run says when the source makes it wait, and again when the
        wait is over: a log line, the job's stored progress (the ETL page
        reads it; a wait can outlast the page's live connection) and a
        progress event with the wait's end (within ``max_wait``, a real date)."""

        async def announce(seconds: float, until: float | None) -> None:
            at = None if until is None else dt.datetime.fromtimestamp(until, dt.UTC)
            self.waiting_until = at
            if at is not None:
                await events.line(
                    client.source.upper(),
                    "rate limited, waiting",
                    integration=self.integration,
                    seconds=round(seconds),
                    until=at.isoformat(timespec="seconds"),
                )
            try:
                await store.save_progress(conn, self.integration, self.summary())
            except psycopg.Error as exc:
                # The run goes on: its next batch meets the database's trouble.
                log.warning("wait not recorded", category="ETL", error=type(exc).__name__)
            await events.progress(self.progress(JobState.running, None, client))

        return announce
