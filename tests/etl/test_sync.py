"""Full and incremental syncs against the local Jira and GitHub servers, into
a real tenant schema as the tenant's login role."""

from __future__ import annotations

import datetime as dt

import psycopg

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_etl.sources.batch import Batch
from tests.etl.conftest import EMBEDDED, EtlTenant, snapshot


def _status_changes(t: EtlTenant) -> int:
    return sum(
        1
        for i in t.sources.jira_org.issues
        for h in i.histories
        if any(it["field"] == "status" for it in h["items"])
    )


async def test_jira_full_then_incremental(etl_tenant: EtlTenant) -> None:
    t, org = etl_tenant, etl_tenant.sources.jira_org
    jira = t.integrations()["jira-main"]
    # The tenant's mappings decide: Jira "Bug" counts as the canonical "Task" here.
    with psycopg.connect(t.dsn) as conn:
        conn.execute("UPDATE wit_mappings SET wit_to = 'Task' WHERE wit_from = 'Bug'")
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    assert job.cursor is None and job.watermark is not None
    types = dict(t.query("SELECT w.key, t.name FROM work_items w JOIN wits t ON t.id = w.wit_id"))
    for issue in org.issues:
        source = issue.fields["issuetype"]["name"]
        assert types[issue.key] == ("Task" if source == "Bug" else source)

    keys = {k for (k,) in t.query("SELECT key FROM work_items")}
    assert keys == {i.key for i in org.issues}
    assert t.query("SELECT count(*) FROM changelogs")[0][0] == _status_changes(t)
    long = [i for i in org.issues if len(i.histories) > EMBEDDED]
    assert long, "the generated data must need the changelog route"
    assert len(t.sources.jira.plan.served("/changelog$")) == len(long)
    incidents = {k for (k,) in t.query("SELECT external_id FROM incidents")}
    assert incidents == {i.key for i in org.issues if i.fields["issuetype"]["name"] == "Incident"}
    # Statuses keep Jira's category unless the tenant maps them ("QA" → Testing, in progress).
    cats = dict(t.query("SELECT name, category FROM statuses"))
    assert cats["Code Review"] == "in_progress" and cats["Done"] == "done"
    sample = org.issues[5]
    row = t.query(
        "SELECT w.summary, s.name, w.created FROM work_items w JOIN statuses s ON s.id = w.status_id "
        "WHERE w.key = %s",
        sample.key,
    )[0]
    assert row == (sample.fields["summary"], sample.fields["status"]["name"], sample.created)

    before = snapshot(t)
    stamps = dict(t.query("SELECT key, last_updated_at FROM work_items"))
    t.sources.jira.plan.clear()
    org.touch("PRJB-4", "Changed after the first sync")
    seen: list[Batch] = []
    job = await run_job(t.context(on_batch=seen.append), jira)
    assert job.state is JobState.succeeded, job.last_error

    fetched = {r[0] for b in seen for r in b.rows.get("work_items", [])}
    assert fetched == {"PRJB-4"}  # nothing else re-fetched
    after = snapshot(t)
    changed = [r for r in after["work_items"] if r not in before["work_items"]]
    assert [(r[0], r[3]) for r in changed] == [("PRJB-4", "Changed after the first sync")]
    assert {k: v for k, v in after.items() if k != "work_items"} == {
        k: v for k, v in before.items() if k != "work_items"
    }
    # Unchanged rows are not rewritten.
    restamped = dict(t.query("SELECT key, last_updated_at FROM work_items"))
    assert {k for k in stamps if stamps[k] != restamped[k]} == {"PRJB-4"}


async def test_github_full_then_incremental(etl_tenant: EtlTenant) -> None:
    t, org = etl_tenant, etl_tenant.sources.github_org
    gh = t.integrations()["github-main"]
    job = await run_job(t.context(), gh)
    assert job.state is JobState.succeeded, job.last_error

    prs = set(
        t.query(
            "SELECT r.full_name, p.number FROM prs p JOIN repositories r ON r.id = p.repository_id"
        )
    )
    assert prs == {(repo, p.data["number"]) for repo, ps in org.pulls.items() for p in ps}
    n_commits = sum(len(p.commits) for ps in org.pulls.values() for p in ps)
    assert t.query("SELECT count(*) FROM prs_commits")[0][0] == n_commits
    n_deploys = sum(len(d) for d in org.deployments.values())
    assert t.query("SELECT count(*) FROM deployments")[0][0] == n_deploys
    merged = t.query("SELECT count(*) FROM prs WHERE state = 'merged'")[0][0]
    assert merged == sum(1 for ps in org.pulls.values() for p in ps if p.data["merged_at"])
    # A deployment of a merge commit links to its PR.
    linked = t.query("SELECT count(*) FROM deployments WHERE pr_id IS NOT NULL")[0][0]
    assert linked == sum(
        1
        for repo, deps in org.deployments.items()
        for d in deps
        if any(p.data["merge_commit_sha"] == d["sha"] for p in org.pulls[repo])
    )

    before = snapshot(t)
    t.sources.github.plan.clear()
    org.touch("acme/service-1", 3, "Retitled after the first sync")
    seen: list[Batch] = []
    job = await run_job(t.context(on_batch=seen.append), gh)
    assert job.state is JobState.succeeded, job.last_error
    assert {(r[0], r[1]) for b in seen for r in b.rows.get("prs", [])} == {("acme/service-1", 3)}
    children = {s.path for s in t.sources.github.plan.served(r"/pulls/\d+/")}
    assert children == {
        f"/repos/acme/service-1/pulls/3/{p}" for p in ("commits", "reviews", "comments")
    }
    # Unchanged listings answer 304 to the conditional request.
    not_modified = {s.path for s in t.sources.github.plan.log if s.status == 304}
    assert "/repos/acme/service-0/pulls" in not_modified
    assert "/repos/acme/service-0/deployments" in not_modified
    after = snapshot(t)
    retitled = next(r for r in after["prs"] if r not in before["prs"])
    assert retitled[3] == "Retitled after the first sync"
    assert {k: v for k, v in after.items() if k != "prs"} == {
        k: v for k, v in before.items() if k != "prs"
    }


async def test_watermark_is_the_run_start_and_overlaps(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    jira = t.integrations()["jira-main"]
    started = dt.datetime.now(dt.UTC)
    job = await run_job(t.context(), jira)
    assert job.state is JobState.succeeded, job.last_error
    assert job.watermark is not None and started <= job.watermark <= dt.datetime.now(dt.UTC)
    # An edit stamped inside the overlap window before the watermark is still found.
    t.sources.jira_org.touch(
        "PRJA-2", "Edited during the previous run", at=job.watermark - dt.timedelta(minutes=2)
    )
    seen: list[Batch] = []
    await run_job(t.context(on_batch=seen.append), jira)
    assert {r[0] for b in seen for r in b.rows.get("work_items", [])} == {"PRJA-2"}
