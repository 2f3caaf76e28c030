"""Deleted Jira issues: the reconciliation pass of ids removes the work
items (with their changelogs and incidents) that Jira no longer has, at
most once per interval, and never empties a project Jira suddenly lists as
empty (what a lost permission looks like)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import Fault
from tests.etl.conftest import PAGE, EtlTenant

ALWAYS = dt.timedelta(0)


def _keys(t: EtlTenant) -> set[str]:
    return {r[0] for r in t.query("SELECT key FROM work_items")}


async def test_deleted_issues_are_swept(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira, org = t.integrations()["jira-main"], t.sources.jira_org
    assert (await run_job(t.context(sweep_interval=ALWAYS), jira)).state is JobState.succeeded
    assert _keys(t) == {i.key for i in org.issues}
    incident = next(i for i in org.issues if i.fields["issuetype"]["name"] == "Incident")
    plain = next(
        i for i in org.issues if i.fields["issuetype"]["name"] != "Incident" and i.histories
    )
    assert (
        t.query(
            "SELECT count(*) FROM incidents i JOIN work_items w ON w.id = i.work_item_id "
            "WHERE w.key = %s",
            incident.key,
        )[0][0]
        == 1
    )
    changelogs = t.query("SELECT count(*) FROM changelogs")[0][0]
    incidents = t.query("SELECT count(*) FROM incidents")[0][0]
    theirs = t.query(
        "SELECT count(*) FROM changelogs c JOIN work_items w ON w.id = c.work_item_id "
        "WHERE w.key = ANY(%s)",
        [incident.key, plain.key],
    )[0][0]
    assert theirs > 0
    for gone in (incident, plain):
        org.issues.remove(gone)

    # Within the interval: an incremental run does not see deletions.
    assert (await run_job(t.context(), jira)).state is JobState.succeeded
    assert {incident.key, plain.key} <= _keys(t)

    job = await run_job(t.context(sweep_interval=ALWAYS), jira)
    assert job.state is JobState.succeeded, job.last_error
    assert _keys(t) == {i.key for i in org.issues}
    assert t.query("SELECT count(*) FROM incidents")[0][0] == incidents - 1
    assert t.query("SELECT count(*) FROM changelogs")[0][0] == changelogs - theirs
    lines = t.redis_admin.xrange(f"{t.names.key_prefix}logs")
    swept = [e for _, e in lines if e["event"] == "deleted issues swept"]
    assert len(swept) == 1 and json.loads(swept[0]["fields"])["removed"] == 2


async def test_a_project_listed_empty_is_left_alone(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira, org = t.integrations()["jira-main"], t.sources.jira_org
    assert (await run_job(t.context(sweep_interval=ALWAYS), jira)).state is JobState.succeeded
    first = org.projects[0]["key"]
    before = _keys(t)
    org.issues[:] = [i for i in org.issues if i.project != first]
    job = await run_job(t.context(sweep_interval=ALWAYS), jira)
    assert job.state is JobState.succeeded, job.last_error
    assert _keys(t) == before
    lines = t.redis_admin.xrange(f"{t.names.key_prefix}logs")
    assert any(
        e["event"] == "sweep skipped: Jira lists no issue" and e["category"] == "ERROR"
        for _, e in lines
    )


async def test_an_id_listing_cut_short_deletes_nothing(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira = t.integrations()["jira-main"]
    assert (await run_job(t.context(sweep_interval=ALWAYS), jira)).state is JobState.succeeded
    before = _keys(t)

    def cut(body: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        issues = body["issues"]
        if len(issues) > PAGE:  # the sweep's id listing (5000 a page; the sync's are PAGE)
            # "Not the last page", yet no token to the next one.
            body = {"issues": issues[:5], "isLast": False}
        return body, headers

    t.sources.jira.plan.add(Fault("/search/jql$", "edit", times=99, edit=cut))
    job = await run_job(t.context(sweep_interval=ALWAYS), jira)
    assert job.state is JobState.failed
    assert job.last_error == "jira: search ids PRJA: isLast is false but no nextPageToken"
    assert _keys(t) == before
