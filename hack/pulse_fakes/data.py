"""A generated organisation: Jira projects with issues and changelogs, GitHub
repositories with pull requests, reviews, comments, deployments and releases.

Everything derives from ``OrgSpec.seed``; two calls with one spec give equal
data. Objects are kept in the API's own JSON shape (so the servers only page
and filter them), with parsed timestamps alongside for filtering."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

UTC = dt.UTC
JIRA_STATUSES = [
    # (id, name, category id, category key, category name)
    ("1", "To Do", 2, "new", "To Do"),
    ("3", "In Progress", 4, "indeterminate", "In Progress"),
    ("10001", "Code Review", 4, "indeterminate", "In Progress"),
    ("10002", "QA", 4, "indeterminate", "In Progress"),
    ("10003", "Done", 3, "done", "Done"),
]
JIRA_TYPES = [("10001", "Story", 0), ("10002", "Bug", 0), ("10003", "Task", 0)]
JIRA_TYPES += [("10004", "Epic", 1), ("10005", "Incident", 0)]
PRIORITIES = ["Highest", "High", "Medium", "Low"]
PEOPLE = ["ana", "bo", "chen", "dara", "eli", "fay", "gus", "hana"]


@dataclass(frozen=True)
class OrgSpec:
    seed: int = 1
    projects: int = 2
    issues_per_project: int = 40
    max_transitions: int = 6  # some issues exceed the embedded changelog page
    repos: int = 2
    prs_per_repo: int = 30
    deployments_per_repo: int = 12
    start: dt.datetime = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    time_zone: str = "America/New_York"  # the API user's zone (JQL dates use it)
    org: str = "acme"
    # Names matching a tenant's spec.integrations (make dev's sample
    # organisations); empty: PRJA, PRJB... and service-0, service-1...
    project_keys: tuple[str, ...] = ()
    repo_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.project_keys and len(self.project_keys) != self.projects:
            raise ValueError("OrgSpec.project_keys: one key per project")
        if self.repo_names and len(self.repo_names) != self.repos:
            raise ValueError("OrgSpec.repo_names: one name per repository")

    def project_key(self, p: int) -> str:
        return self.project_keys[p] if self.project_keys else "PRJ" + chr(ord("A") + p)

    def repo_name(self, r: int) -> str:
        return self.repo_names[r] if self.repo_names else f"service-{r}"


def jira_time(t: dt.datetime, tz: ZoneInfo) -> str:
    """Jira's format, in the user's zone: 2026-01-05T04:00:00.000-0500."""
    return t.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S.000%z")


def gh_time(t: dt.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha_of(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


@dataclass
class Issue:
    key: str
    project: str
    fields: dict[str, Any]
    histories: list[dict[str, Any]]
    id: str
    updated: dt.datetime
    created: dt.datetime


@dataclass
class JiraOrg:
    spec: OrgSpec
    tz: ZoneInfo
    projects: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    _index: dict[str, Issue] = field(default_factory=dict, repr=False)
    _index_size: int = -1

    def issue(self, key: str) -> Issue:
        """By key or id. An index, rebuilt when the list's length changed
        (tests add and remove issues; keys and ids never change)."""
        if self._index_size != len(self.issues):
            self._index = {i.key: i for i in self.issues} | {i.id: i for i in self.issues}
            self._index_size = len(self.issues)
        return self._index[key]

    def touch(self, key: str, summary: str, at: dt.datetime | None = None) -> None:
        """A user edits an issue: its summary and ``updated`` change."""
        at = at or dt.datetime.now(UTC)
        issue = self.issue(key)
        issue.fields["summary"] = summary
        issue.updated = at
        issue.fields["updated"] = jira_time(at, self.tz)

    def statuses(self) -> list[dict[str, Any]]:
        return [
            {
                "id": sid,
                "name": name,
                "statusCategory": {"id": cid, "key": ckey, "name": cname},
            }
            for sid, name, cid, ckey, cname in JIRA_STATUSES
        ]

    def issue_types(self) -> list[dict[str, Any]]:
        return [
            {"id": i, "name": n, "description": f"A {n}", "hierarchyLevel": h, "subtask": False}
            for i, n, h in JIRA_TYPES
        ]


@dataclass
class Pull:
    repo: str
    data: dict[str, Any]
    commits: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    updated: dt.datetime


@dataclass
class GithubOrg:
    spec: OrgSpec
    repos: list[dict[str, Any]] = field(default_factory=list)
    pulls: dict[str, list[Pull]] = field(default_factory=dict)
    deployments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    releases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    history: dict[str, list[str]] = field(default_factory=dict)  # main-branch shas, oldest first
    commit_times: dict[str, dt.datetime] = field(default_factory=dict)  # main-branch sha → time
    # Old full names of renamed or transferred repositories → their id.
    moved: dict[str, int] = field(default_factory=dict)
    _index: dict[str, tuple[int, dict[int, Pull]]] = field(default_factory=dict, repr=False)

    def pull(self, repo: str, number: int) -> Pull:
        """An index per repository, rebuilt when its list's length changed."""
        pulls = self.pulls[repo]
        size, index = self._index.get(repo, (-1, {}))
        if size != len(pulls):
            index = {p.data["number"]: p for p in pulls}
            self._index[repo] = (len(pulls), index)
        return index[number]

    def rename(self, old: str, new: str) -> None:
        """Renames (or, another owner in ``new``, transfers) a repository: its
        data moves to the new name and the old one redirects, as on GitHub."""
        repo = next(r for r in self.repos if r["full_name"] == old)
        owner, name = new.split("/")
        repo |= {"full_name": new, "name": name, "html_url": f"https://github.com/{new}"}
        repo["owner"] = {"login": owner}
        self.pulls[new] = self.pulls.pop(old)
        self.deployments[new] = self.deployments.pop(old)
        self.releases[new] = self.releases.pop(old)
        self.history[new] = self.history.pop(old)
        for p in self.pulls[new]:
            p.repo = new
        self._index.pop(old, None)
        self.moved[old] = repo["id"]

    def by_id(self, repo_id: int) -> str | None:
        return next((r["full_name"] for r in self.repos if r["id"] == repo_id), None)

    def touch(self, repo: str, number: int, title: str, at: dt.datetime | None = None) -> None:
        at = at or dt.datetime.now(UTC)
        p = self.pull(repo, number)
        p.data["title"] = title
        p.data["updated_at"] = gh_time(at)
        p.updated = at


def _jira(spec: OrgSpec, rnd: random.Random) -> JiraOrg:
    tz = ZoneInfo(spec.time_zone)
    org = JiraOrg(spec, tz)
    names = {s[1]: s for s in JIRA_STATUSES}
    flow = ["To Do", "In Progress", "Code Review", "QA", "Done"]
    for p in range(spec.projects):
        pkey = spec.project_key(p)
        org.projects.append(
            {
                "id": str(10000 + p),
                "key": pkey,
                "name": f"Project {pkey}",
                "projectTypeKey": "software",
            }
        )
        for n in range(1, spec.issues_per_project + 1):
            created = spec.start + dt.timedelta(hours=3 * n + 7 * p, minutes=rnd.randrange(60))
            steps = rnd.randrange(0, spec.max_transitions + 1)
            histories, t, at = [], created, 0
            for h in range(steps):
                t = t + dt.timedelta(hours=rnd.randrange(1, 48), minutes=rnd.randrange(60))
                # Forward through the flow, sometimes back (rework).
                to = max(0, min(len(flow) - 1, at + (1 if rnd.random() < 0.8 else -1)))
                src, dst = names[flow[at]], names[flow[to]]
                histories.append(
                    {
                        "id": str(100000 * (p + 1) + n * 100 + h),
                        "author": {
                            "accountId": rnd.choice(PEOPLE),
                            "displayName": rnd.choice(PEOPLE),
                        },
                        "created": jira_time(t, tz),
                        "items": [
                            {
                                "field": "assignee",
                                "fieldtype": "jira",
                                "fromString": None,
                                "toString": "x",
                            },
                            {
                                "field": "status",
                                "fieldtype": "jira",
                                "from": src[0],
                                "fromString": src[1],
                                "to": dst[0],
                                "toString": dst[1],
                            },
                        ],
                    }
                )
                at = to
            status = names[flow[at]]
            itype = rnd.choices(JIRA_TYPES, weights=[5, 3, 3, 1, 1])[0]
            updated = t + dt.timedelta(minutes=5)
            topic = rnd.choice(["login", "search", "billing", "api"])
            fields: dict[str, Any] = {
                "summary": f"{itype[1]} {pkey}-{n}: {topic}",
                "description": {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [{"type": "text", "text": f"Details of {pkey}-{n}"}],
                        }
                    ],
                },
                "issuetype": {"id": itype[0], "name": itype[1], "hierarchyLevel": itype[2]},
                "status": {
                    "id": status[0],
                    "name": status[1],
                    "statusCategory": {"id": status[2], "key": status[3], "name": status[4]},
                },
                "project": {"id": str(10000 + p), "key": pkey},
                "priority": {"name": rnd.choice(PRIORITIES)},
                "assignee": {"accountId": "a1", "displayName": rnd.choice(PEOPLE)},
                "reporter": {"accountId": "a2", "displayName": rnd.choice(PEOPLE)},
                "created": jira_time(created, tz),
                "updated": jira_time(updated, tz),
                "resolutiondate": jira_time(t, tz) if status[1] == "Done" else None,
            }
            org.issues.append(
                Issue(
                    f"{pkey}-{n}",
                    pkey,
                    fields,
                    histories,
                    str(20000 + len(org.issues)),
                    updated,
                    created,
                )
            )
    return org


def _github(spec: OrgSpec, rnd: random.Random) -> GithubOrg:
    org = GithubOrg(spec)
    for r in range(spec.repos):
        name = spec.repo_name(r)
        full = f"{spec.org}/{name}"
        org.repos.append(
            {
                "id": 500 + r,
                "name": name,
                "full_name": full,
                "private": True,
                "default_branch": "main",
                "language": rnd.choice(["Python", "Go", "TypeScript"]),
                "html_url": f"https://github.com/{full}",
                "owner": {"login": spec.org},
            }
        )
        pulls: list[Pull] = []
        root = sha_of(full, "root")
        org.commit_times[root] = spec.start - dt.timedelta(days=1)
        merges: list[tuple[dt.datetime, str]] = []
        for n in range(1, spec.prs_per_repo + 1):
            created = spec.start + dt.timedelta(hours=5 * n + r, minutes=rnd.randrange(60))
            author = rnd.choice(PEOPLE)
            commits = []
            for c in range(rnd.randrange(1, 4)):
                t = created - dt.timedelta(hours=c + 1)
                commits.append(
                    {
                        "sha": sha_of(full, n, c),
                        "commit": {
                            "author": {"name": author, "email": f"{author}@x", "date": gh_time(t)},
                            "committer": {
                                "name": author,
                                "email": f"{author}@x",
                                "date": gh_time(t),
                            },
                            "message": f"change {n}.{c}",
                        },
                        "author": {"login": author},
                    }
                )
            merged = (
                created + dt.timedelta(hours=rnd.randrange(1, 30)) if rnd.random() < 0.8 else None
            )
            closed = merged or (created + dt.timedelta(hours=9) if rnd.random() < 0.3 else None)
            reviewer = rnd.choice([p for p in PEOPLE if p != author])
            reviews = [
                {
                    "id": 900000 + r * 10000 + n * 10 + k,
                    "user": {"login": reviewer},
                    "state": rnd.choice(["APPROVED", "CHANGES_REQUESTED", "COMMENTED"]),
                    "submitted_at": gh_time(created + dt.timedelta(minutes=30 + 40 * k)),
                    "body": "",
                }
                for k in range(rnd.randrange(0, 3))
            ]
            comments = [
                {
                    "id": 700000 + r * 10000 + n * 10 + k,
                    "user": {"login": reviewer},
                    "body": f"nit {k}",
                    "created_at": gh_time(created + dt.timedelta(minutes=20 + 10 * k)),
                    "updated_at": gh_time(created + dt.timedelta(minutes=20 + 10 * k)),
                }
                for k in range(rnd.randrange(0, 3))
            ]
            merge_sha = sha_of(full, n, "merge") if merged else None
            if merge_sha and merged:
                merges.append((merged, merge_sha))
                org.commit_times[merge_sha] = merged
            updated = max(t for t in (created, merged, closed) if t) + dt.timedelta(minutes=1)
            data = {
                "id": 30000 + r * 1000 + n,
                "number": n,
                "state": "closed" if closed else "open",
                "title": f"PR {n} of {name}",
                "body": f"Implements {spec.project_key(0)}-{n}",
                "user": {"login": author},
                "created_at": gh_time(created),
                "updated_at": gh_time(updated),
                "closed_at": gh_time(closed) if closed else None,
                "merged_at": gh_time(merged) if merged else None,
                "merge_commit_sha": merge_sha,
                "head": {"ref": f"feature/{n}", "sha": commits[0]["sha"]},
                "base": {"ref": "main"},
                "draft": False,
            }
            pulls.append(Pull(full, data, commits, reviews, comments, updated))
        org.pulls[full] = pulls
        # The default branch's history is its merges in time order (as git has it).
        history = [root, *(sha for _, sha in sorted(merges))]
        org.history[full] = history
        deps, rels = [], []
        step = max(1, (len(history) - 1) // max(1, spec.deployments_per_repo))
        for d in range(spec.deployments_per_repo):
            idx = min(len(history) - 1, (d + 1) * step)
            # After its head was merged, and each deployment after the previous one.
            at = org.commit_times[history[idx]] + dt.timedelta(hours=2, minutes=d)
            did = 80000 + r * 1000 + d
            state = "success" if rnd.random() < 0.85 else "failure"
            deps.append(
                {
                    "id": did,
                    "sha": history[idx],
                    "ref": "main",
                    "environment": "production" if d % 4 else "staging",
                    "created_at": gh_time(at),
                    "updated_at": gh_time(at + dt.timedelta(minutes=7)),
                    "creator": {"login": "deploy-bot"},
                }
            )
            org.statuses[did] = [
                {
                    "id": did * 10 + 1,
                    "state": state,
                    "created_at": gh_time(at + dt.timedelta(minutes=7)),
                },
                {"id": did * 10, "state": "in_progress", "created_at": gh_time(at)},
            ]
            rels.append(
                {
                    "id": 60000 + r * 1000 + d,
                    "tag_name": f"v1.{d}.0",
                    "name": f"v1.{d}.0",
                    "target_commitish": history[idx],
                    "created_at": gh_time(at),
                    "published_at": gh_time(at),
                }
            )
        _supersede(org, deps)
        deps.reverse()  # GitHub lists newest first
        rels.reverse()
        org.deployments[full] = deps
        org.releases[full] = rels
    return org


def _supersede(org: GithubOrg, deps: list[dict[str, Any]]) -> None:
    """As GitHub does (``auto_inactive``): a successful deployment marks the
    previous successful one of its environment ``inactive``, newest first."""
    last: dict[str, dict[str, Any]] = {}
    for d in deps:  # oldest first
        if org.statuses[d["id"]][0]["state"] != "success":
            continue
        before = last.get(d["environment"])
        if before is not None:
            org.statuses[before["id"]].insert(
                0,
                {
                    "id": before["id"] * 10 + 2,
                    "state": "inactive",
                    "created_at": org.statuses[d["id"]][0]["created_at"],
                },
            )
        last[d["environment"]] = d


def generate(spec: OrgSpec) -> tuple[JiraOrg, GithubOrg]:
    rnd = random.Random(spec.seed)  # noqa: S311 - test data, not secrets
    return _jira(spec, rnd), _github(spec, rnd)
