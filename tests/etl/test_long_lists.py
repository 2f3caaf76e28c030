"""Children longer than one page: a Jira issue whose changelog runs past
the page the search embeds (the rest is paged from
``/issue/{id}/changelog``, 100 a page) and a GitHub PR with more than one
page of commits and of reviews (100 a page, ``Link``). Nothing is lost."""

from __future__ import annotations

import copy
import datetime as dt

from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from tests.etl.conftest import EtlTenant

HISTORIES = 250  # the embedded page (3) and three changelog pages
JIRA_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"
COMMITS, REVIEWS = 230, 130  # three and two pages; under GitHub's 250-commit cap


async def test_a_changelog_longer_than_its_pages_is_stored_whole(etl_tenant: EtlTenant) -> None:
    t = etl_tenant
    issue = next(
        i
        for i in t.sources.jira_org.issues
        if any(it["field"] == "status" for h in i.histories for it in h["items"])
    )
    model = next(h for h in issue.histories if any(it["field"] == "status" for it in h["items"]))
    at = dt.datetime.strptime(model["created"], JIRA_TIME)
    while len(issue.histories) < HISTORIES:
        more = copy.deepcopy(model)
        more["id"] = str(9_000_000 + len(issue.histories))
        at += dt.timedelta(minutes=1)
        more["created"] = at.strftime(JIRA_TIME)
        issue.histories.append(more)
    job = await run_job(t.context(), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    with_status = {
        h["id"] for h in issue.histories if any(it["field"] == "status" for it in h["items"])
    }
    stored = t.query(
        "SELECT c.external_id FROM changelogs c JOIN work_items w ON w.id = c.work_item_id "
        "WHERE w.key = %s",
        issue.key,
    )
    assert {e for (e,) in stored} == with_status
    assert len(with_status) > 200
    paged = t.sources.jira.plan.served(f"/issue/{issue.key}/changelog")
    assert len(paged) == 3


async def test_a_pull_request_with_pages_of_commits_and_reviews_is_stored_whole(
    etl_tenant: EtlTenant,
) -> None:
    t = etl_tenant
    repo = sorted(t.sources.github_org.pulls)[0]
    pr = t.sources.github_org.pulls[repo][0]
    for n in range(len(pr.commits), COMMITS):
        more = copy.deepcopy(pr.commits[0])
        more["sha"] = f"{n:040x}"
        pr.commits.append(more)
    model = {
        "id": 0,
        "user": {"login": "reviewer-x"},
        "state": "COMMENTED",
        "submitted_at": pr.data["created_at"],
        "body": "",
    }
    for n in range(len(pr.reviews), REVIEWS):
        pr.reviews.append({**model, "id": 5_000_000 + n})
    job = await run_job(t.context(), t.integrations()["github-main"])
    assert job.state is JobState.succeeded, job.last_error
    number = pr.data["number"]
    counted = (
        "SELECT count(*) FROM {} x JOIN prs p ON p.id = x.pr_id "
        "JOIN repositories r ON r.id = p.repository_id WHERE r.full_name = %s AND p.number = %s"
    )
    assert t.query(counted.format("prs_commits"), repo, number) == [(COMMITS,)]
    assert t.query(counted.format("prs_reviews"), repo, number) == [(REVIEWS,)]
