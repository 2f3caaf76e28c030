"""ML monitoring runs after a sync's last data-version bump and writes
alerts and scored predictions, which the ML pages read through the response
cache: when it wrote, the run bumps the version once more (with the WAL
position after it), so no page keeps an answer computed before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import redis

from pulse_common.ml.monitor import MonitoringReport
from pulse_etl.jobs import runner
from pulse_etl.jobs.events import Events
from pulse_etl.jobs.store import Job, JobState
from tests.etl.conftest import EtlTenant
from tests.etl.test_database_faults import _drop_sessions


def _report(predictions_scored: int) -> MonitoringReport:
    day = dt.date(2026, 6, 1)
    return MonitoringReport(
        evaluated_from=day,
        evaluated_to=day,
        alerts=[],
        predictions_made=0,
        predictions_scored=predictions_scored,
    )


async def _run_monitored(
    t: EtlTenant,
    monkeypatch: pytest.MonkeyPatch,
    scored: int,
    during: Callable[[], None] = lambda: None,
) -> tuple[Job, int, int]:
    """A sync whose monitoring scored ``scored`` predictions (running
    ``during`` meanwhile): the job, and the data version while monitoring
    ran and after the run."""
    cache = redis.Redis.from_url(t.redis_url, decode_responses=True)
    key = f"{t.names.key_prefix}data_version"
    seen: list[int] = []

    async def monitoring(*_: Any, **__: Any) -> MonitoringReport:
        # Stands in for monitoring's own writes (tests/ml covers them): what
        # matters here is what the runner does with its report.
        seen.append(int(cache.get(key) or 0))
        during()
        return _report(scored)

    monkeypatch.setattr(runner, "monitor_after_sync", monitoring)
    job = await runner.run_job(t.context(), t.integrations()["jira-main"])
    assert len(seen) == 1
    return job, seen[0], int(cache.get(key) or 0)


@pytest.mark.parametrize(("scored", "bumps_after"), [(3, 1), (0, 0)])
async def test_monitoring_that_wrote_bumps_the_data_version(
    etl_tenant: EtlTenant, monkeypatch: pytest.MonkeyPatch, scored: int, bumps_after: int
) -> None:
    job, during, after = await _run_monitored(etl_tenant, monkeypatch, scored)
    assert job.state is JobState.succeeded
    assert after == during + bumps_after


async def test_a_session_lost_during_monitoring_leaves_the_run_succeeded(
    etl_tenant: EtlTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Monitoring takes its own session and can run for seconds; a restart or
    # failover in that time ends the run's session. The run had already
    # succeeded (recorded, "run succeeded" logged): the bump after
    # monitoring must not turn it into a failure (succeeded -> failed is no
    # transition the store allows: run_job raised Conflict).
    t = etl_tenant
    job, during, after = await _run_monitored(t, monkeypatch, 3, lambda: _drop_sessions(t))
    assert job.state is JobState.succeeded and job.last_error is None
    assert t.query("SELECT status FROM etl_jobs") == [("succeeded",)]
    assert after == during + 1  # the version moved all the same


async def test_a_session_lost_once_success_is_recorded_leaves_the_run_succeeded(
    etl_tenant: EtlTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same between the succeeded transition's commit and its bump: the
    # run's session ended there raised, and the runner tried succeeded ->
    # failed (Conflict out of run_job).
    t = etl_tenant
    original = Events.data_changed
    dropped: list[bool] = []

    async def data_changed(self: Events, db: Any) -> None:
        if not dropped and t.query("SELECT status FROM etl_jobs") == [("succeeded",)]:
            dropped.append(True)
            _drop_sessions(t)
        await original(self, db)

    monkeypatch.setattr(Events, "data_changed", data_changed)
    job, _, _ = await _run_monitored(t, monkeypatch, 0)
    assert dropped and job.state is JobState.succeeded and job.last_error is None
    assert t.query("SELECT status FROM etl_jobs") == [("succeeded",)]
