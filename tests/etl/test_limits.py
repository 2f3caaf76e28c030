"""Rate limits: no request is sent before ``Reset`` (primary) or
``Retry-After`` (secondary), measured by the servers' own clocks."""

from __future__ import annotations

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import Fault
from pulse_fakes.app import RateLimit
from tests.etl.conftest import EtlTenant, TenantMaker, start_sources


async def test_primary_limit_is_never_exceeded(etl_tenant_factory: TenantMaker) -> None:
    # The sync sends ~140 requests: 30 a window makes it wait for the reset
    # four times or more (each wait is 1-2 s: GitHub's reset is in whole
    # seconds), which proves as much as nine times did.
    limit = RateLimit(limit=30, window=1.0)
    t = etl_tenant_factory(start_sources(github_limit=limit))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.succeeded, job.last_error
    served = t.sources.github.plan.log
    assert len(served) > 3 * limit.limit  # the sync needed several windows
    assert limit.early == 0  # nothing arrived after "remaining: 0" and before the reset
    assert all(s.status != 403 for s in served)


async def test_secondary_limits_wait_for_retry_after(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    t.sources.jira.plan.add(Fault("/search/jql$", "status", 429, after=1, retry_after=1))
    t.sources.github.plan.add(Fault("/pulls$", "status", 403, after=1, retry_after=1))
    for name, server, path in (
        ("jira-main", t.sources.jira, "/search/jql"),
        ("github-main", t.sources.github, "/pulls"),
    ):
        job = await run_job(t.context(), t.integrations()[name])
        assert job.state is JobState.succeeded, job.last_error
        log = server.plan.log
        refused = next(i for i, s in enumerate(log) if s.status in (403, 429))
        after = [s for s in log[refused + 1 :]]
        assert after, "the sync went on after the limit"
        assert min(s.at for s in after) >= log[refused].at + 1.0
        assert path in log[refused].path
