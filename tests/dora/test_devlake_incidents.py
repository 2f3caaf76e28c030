"""DevLake's own e2e data for incident → deployment linking
(apache/incubator-devlake, backend/plugins/dora/e2e/: the deployment commits
of ``prev_success_deployment_commit/cicd_deployment_commits_after.csv``, the
``project_mapping.csv`` scopes, the incidents of
``connect_incident_to_deployment/raw_tables/incidents.csv``, and the expected
``project_incident_deployment_relationships.csv``; Apache-2.0).

DevLake scopes deployments by CI/CD scope (cicd1, cicd2 in project1; cicd3 in
project2), so each (CI/CD scope, repository) pair becomes one Pulse
repository mapped to its project; each deployment commit row becomes one
Pulse deployment named ``<pipeline>/<row id>``.
"""

from __future__ import annotations

import datetime as dt

from tests.dora.conftest import Scenario

# id, result, finished_date, pipeline (cicd_deployment_id), cicd_scope, repo_url, environment
DEPLOYMENT_COMMITS = """
1,SUCCESS,2022-09-10T22:51:47,pipeline1,cicd1,REPO111,PRODUCTION
10,SUCCESS,2022-09-20T22:51:47,pipeline6,cicd1,REPO222,PRODUCTION
11,FAILURE,2022-09-21T22:51:47,pipeline7,cicd2,REPO111,PRODUCTION
12,SUCCESS,2022-09-22T22:51:47,pipeline7,cicd2,REPO333,PRODUCTION
13,SUCCESS,2022-09-23T22:51:47,pipeline7,cicd2,REPO111,PRODUCTION
14,FAILURE,2022-09-19T22:51:47,pipeline8,cicd3,REPO111,PRODUCTION
15,SUCCESS,2022-09-13T22:51:47,pipeline9,cicd3,REPO111,PRODUCTION
16,SUCCESS,2022-09-14T22:51:47,pipeline10,cicd3,REPO333,
2,SUCCESS,2022-09-11T22:51:47,pipeline1,cicd1,REPO222,PRODUCTION
3,SUCCESS,2022-09-13T22:51:47,pipeline2,cicd2,REPO111,PRODUCTION
4,SUCCESS,2022-09-14T22:51:47,pipeline2,cicd2,REPO333,PRODUCTION
5,SUCCESS,2022-09-15T22:51:47,pipeline4,cicd1,REPO111,PRODUCTION
6,SUCCESS,2022-09-16T22:51:47,pipeline4,cicd1,REPO222,PRODUCTION
7,SUCCESS,2022-09-17T22:51:47,pipeline5,cicd1,REPO111,STAGING
8,SUCCESS,2022-09-18T22:51:47,pipeline5,cicd1,REPO111,STAGING
9,SUCCESS,2022-09-19T22:51:47,pipeline6,cicd1,REPO111,PRODUCTION
"""
PROJECT_OF_SCOPE = {"cicd1": "project1", "cicd2": "project1", "cicd3": "project2"}
# incident id, created_date, scope (repos/boards of project1 except repo3)
INCIDENTS = """
github:GithubIssue:1:1367714738,2022-11-13 23:37:21,repo1
github:GithubIssue:1:1370816458,2022-11-13 01:07:21,repo1
github:GithubIssue:1:1371320153,2022-11-02 08:21:09,repo1
github:GithubIssue:1:1372381019,2022-11-28 01:46:47,repo2
github:GithubIssue:1:1372644519,2022-11-16 21:34:01,repo2
github:GithubIssue:1:1373792477,2022-09-15 01:56:06,repo3
github:GithubIssue:1:1373792478,2022-09-15 01:56:16,board1
"""
PROJECT1_SCOPES = {"repo1", "repo2", "board1"}
EXPECTED = {
    "github:GithubIssue:1:1367714738": "pipeline7",
    "github:GithubIssue:1:1370816458": "pipeline7",
    "github:GithubIssue:1:1371320153": "pipeline7",
    "github:GithubIssue:1:1372381019": "pipeline7",
    "github:GithubIssue:1:1372644519": "pipeline7",
    "github:GithubIssue:1:1373792478": "pipeline2",
}


def _utc(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace(" ", "T")).replace(tzinfo=dt.UTC)


def test_devlake_incident_linking_e2e(sc: Scenario) -> None:
    projects = {p: sc.project(p) for p in sorted(set(PROJECT_OF_SCOPE.values()))}
    repos: dict[tuple[str, str], int] = {}
    external: dict[int, str] = {}
    for line in DEPLOYMENT_COMMITS.strip().splitlines():
        row_id, result, finished, pipeline, scope, repo_url, env = line.split(",")
        key = (scope, repo_url)
        if key not in repos:
            repos[key] = sc.repo(f"{scope}-{repo_url}".lower())
            sc.conn.exec_driver_sql(
                "INSERT INTO projects_repositories (tenant_id, project_id, repository_id) "
                "VALUES (%(t)s, %(p)s, %(r)s)",
                {"t": sc.tenant_id, "p": projects[PROJECT_OF_SCOPE[scope]], "r": repos[key]},
            )
        dep = sc.deploy(
            repos[key],
            f"sha{row_id}",
            _utc(finished),
            env=env or "unknown",
            status="success" if result == "SUCCESS" else "failure",
        )
        external[dep] = f"{pipeline}/{row_id}"
    incident_ids: dict[int, str] = {}
    repo3 = sc.repo("repo3")  # an issue source outside project1 with no deployments
    for line in INCIDENTS.strip().splitlines():
        ext, created, scope = line.split(",")
        in_project = scope in PROJECT1_SCOPES
        i = sc.incident(
            _utc(created),
            project=projects["project1"] if in_project else None,
            repo=None if in_project else repo3,
        )
        incident_ids[i] = ext
    sc.link()
    got = {
        incident_ids[i]: external[d].split("/")[0]
        for i, d in sc.rows("SELECT incident_id, deployment_id FROM incidents_deployments")
    }
    assert got == EXPECTED
    # DevLake's deployment for the September incident is pipeline2's REPO333 commit (row 4)
    linked = {
        incident_ids[i]: external[d]
        for i, d in sc.rows("SELECT incident_id, deployment_id FROM incidents_deployments")
    }
    assert linked["github:GithubIssue:1:1373792478"] == "pipeline2/4"
    assert linked["github:GithubIssue:1:1367714738"] == "pipeline7/13"
