"""A repository renamed on GitHub: the old name answers 301 to
``/repositories/<id>`` (the fake does as GitHub does). The run follows the
redirect on the integration's own host, syncs the repository under its new
name in the same row, and tells the admin to update the tenant's list (a
row of another repository holding the new name is moved aside, never
overwritten); a redirect loop is a clear permanent failure. Also: the largest body read is a
setting, and a rate-limit wait is in the job's stored progress while it
lasts."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from pulse_etl.jobs.context import run_context
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.settings import SettingsInvalid, load_settings
from pulse_fakes import Fault
from tests.etl.conftest import SPEC, EtlTenant

OLD, NEW = f"{SPEC.org}/service-0", f"{SPEC.org}/service-zero"
NOTICE = f"{OLD} is now {NEW}; update the PulseTenant's repositories"
LISTED = {"github-main": {"organization": None, "repositories": [OLD, f"{SPEC.org}/service-1"]}}


def _repos(t: EtlTenant) -> list[tuple[Any, ...]]:
    return t.query("SELECT id, external_id, full_name, name FROM repositories ORDER BY external_id")


async def test_a_renamed_repository_is_synced_under_its_new_name_in_its_row(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    integration = t.integrations(**LISTED)["github-main"]
    first = await run_job(t.context(), integration)
    assert first.state is JobState.succeeded, first.last_error
    before, prs = _repos(t), t.query("SELECT count(*) FROM prs")[0][0]
    t.sources.github_org.rename(OLD, NEW)
    t.sources.github_org.touch(NEW, 1, "after the rename")
    t.sources.github.plan.clear()

    job = await run_job(t.context(), integration)

    assert job.state is JobState.succeeded, job.last_error
    after = _repos(t)
    assert [r[0] for r in after] == [r[0] for r in before]  # the same rows, no second one
    renamed = next(r for r in after if r[1] == str(500))
    assert renamed[2:] == (NEW, "service-zero")
    assert t.query("SELECT count(*) FROM prs")[0][0] == prs
    title = t.query(
        "SELECT p.title FROM prs p JOIN repositories r ON r.id = p.repository_id "
        "WHERE r.full_name = %s AND p.number = 1",
        NEW,
    )
    assert title == [("after the rename",)]
    # The notice stays with the job after the run (the admin's ETL page reads it).
    assert job.progress["notices"] == [NOTICE]
    served = t.sources.github.plan.served()
    assert [(s.path, s.status) for s in served[:2]] == [
        (f"/repos/{OLD}", 301),
        ("/repositories/500", 200),
    ]
    assert not [s for s in served[2:] if s.path.startswith(f"/repos/{OLD}")]


async def test_a_redirect_loop_is_a_clear_permanent_failure(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    url = t.sources.github.url
    loop = {"location": f"{url}/repos/{OLD}/pulls?again=1"}
    t.sources.github.plan.add(Fault("/pulls$", "status", 301, headers=loop, times=100))
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        f"github: /repos/{OLD}/pulls: more than 5 redirects in a row "
        f"(the last to /repos/{OLD}/pulls), not followed further"
    )
    assert len(t.sources.github.plan.served("/pulls$")) == 6
    assert "github-token" not in job.last_error


async def test_the_body_cap_is_a_setting(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    settings = t.settings(PULSE_ETL_MAX_BODY_MIB="2")
    ctx = run_context(settings, None)
    assert ctx.max_body == 2 << 20
    t.sources.github.plan.add(Fault("/pulls$", "flood", size=8 << 20))
    job = await run_job(ctx, t.integrations()["github-main"])
    assert job.state is JobState.failed
    assert job.last_error == (
        f"github: /repos/{OLD}/pulls: body larger than 2 MiB (PULSE_ETL_MAX_BODY_MIB), "
        "not read further"
    )


@pytest.mark.parametrize("value", ["0", "1025", "lots"])
def test_a_body_cap_out_of_range_stops_the_start_naming_it(
    etl_tenant: EtlTenant, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    for k, v in {**etl_tenant.env(), "PULSE_ETL_MAX_BODY_MIB": value}.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SettingsInvalid) as stopped:
        load_settings()
    text = str(stopped.value)
    assert text.startswith("invalid ETL settings:\n  PULSE_ETL_MAX_BODY_MIB: "), text
    assert text.endswith(f", got {value!r}"), text
    assert etl_tenant.dsn not in text


async def test_a_rate_limit_wait_is_in_the_stored_progress_while_it_lasts(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    seen: list[Any] = []

    async def look(seconds: float) -> None:
        # What the job API shows during the wait.
        async with await psycopg.AsyncConnection.connect(t.dsn, autocommit=True) as conn:
            cur = await conn.execute(
                "SELECT checkpoint->'progress' FROM etl_jobs WHERE job_name = 'github-main'"
            )
            row = await cur.fetchone()
            assert row is not None
            seen.append(row[0])
        await asyncio.sleep(seconds)

    t.sources.github.plan.add(Fault("/pulls$", "status", 429, after=1, retry_after=2))
    job = await run_job(t.context(sleep=look), t.integrations()["github-main"])
    assert job.state is JobState.succeeded, job.last_error
    waiting = [p for p in seen if p.get("waiting_until")]
    assert len(waiting) == 1 and waiting[0]["source"] == "github"
    assert job.progress["waiting_until"] is None  # cleared when the wait ended


async def test_a_new_name_another_row_holds_moves_that_row_aside(etl_tenant: EtlTenant) -> None:
    """acme/service-0 (GitHub id 500) is renamed to a name a row of another
    repository still holds (id 777: renamed away or deleted on GitHub since).
    That row is neither overwritten nor a crash: it moves aside with its
    data, 500's row takes the name, and the admin is told."""
    t = etl_tenant
    integration = t.integrations(**LISTED)["github-main"]
    first = await run_job(t.context(), integration)
    assert first.state is JobState.succeeded, first.last_error
    before = _repos(t)
    (other,) = t.query(
        "INSERT INTO repositories (tenant_id, integration_id, external_id, full_name, name) "
        "SELECT tenant_id, integration_id, '777', %s, 'service-zero' FROM repositories "
        "WHERE full_name = %s RETURNING id",
        NEW,
        OLD,
    )[0]
    t.query(
        "INSERT INTO prs (tenant_id, repository_id, number, title, state, created) "
        "VALUES (%s, %s, 1, 'of repository 777', 'merged', now()) RETURNING id",
        t.tenant_id,
        other,
    )
    t.sources.github_org.rename(OLD, NEW)

    job = await run_job(t.context(), integration)

    assert job.state is JobState.succeeded, job.last_error
    aside = f"{NEW} (moved aside, row {other})"
    after = {r[1]: r for r in _repos(t)}
    assert len(after) == len(before) + 1
    own = next(r[0] for r in before if r[1] == "500")
    assert after["500"] == (own, "500", NEW, "service-zero")  # its row, renamed
    assert after["777"] == (other, "777", aside, "service-zero")
    kept = t.query(
        "SELECT r.external_id, p.title FROM prs p JOIN repositories r ON r.id = p.repository_id "
        "WHERE r.id = %s",
        other,
    )
    assert kept == [("777", "of repository 777")]
    moved = (
        f"{NEW} is now the name of the repository with GitHub id 500; the row that had it "
        f"(GitHub id 777) keeps its data as {aside!r}"
    )
    assert job.progress["notices"] == [NOTICE, moved]
    # Once moved aside, it stays so: the next run has nothing new to say.
    again = await run_job(t.context(), integration)
    assert again.state is JobState.succeeded, again.last_error
    assert again.progress["notices"] == [NOTICE]
    assert t.query("SELECT full_name FROM repositories WHERE id = %s", other) == [(aside,)]
