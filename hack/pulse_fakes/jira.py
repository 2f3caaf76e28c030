"""Jira Cloud REST v3, the part the ETL uses (see README.md for the docs each
route follows)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from typing import Any

from starlette.requests import Request

from pulse_fakes.app import FakeApi, Reply, int_param, page_of, route
from pulse_fakes.data import Issue, JiraOrg
from pulse_fakes.faults import FaultPlan

API = "/rest/api/3"
SEARCH_MAX = 100  # the enhanced search's page cap when fields are requested
CHANGELOG_MAX = 100
JQL_RE = re.compile(
    r'project\s*=\s*"?(?P<project>[A-Z][A-Z0-9_]*)"?'
    r'(?:\s+AND\s+updated\s*>=\s*"(?P<since>\d{4}[/-]\d{2}[/-]\d{2} \d{2}:\d{2})")?'
    r"\s+ORDER\s+BY\s+created\s+ASC(?:\s*,\s*key\s+ASC)?",
    re.IGNORECASE,
)


def _error(status: int, message: str) -> dict[str, Any]:
    return {"errorMessages": [message], "errors": {}}


class JiraState:
    def __init__(self, org: JiraOrg, embedded_changelog: int) -> None:
        self.org = org
        self.embedded_changelog = embedded_changelog
        self._sorted: dict[str, tuple[int, list[Issue]]] = {}

    def select(self, jql: str) -> list[Issue] | str:
        m = JQL_RE.fullmatch(jql.strip())
        if m is None:
            return f"Error in the JQL Query: cannot parse '{jql[:60]}'"
        project = m["project"].upper()
        if project not in {p["key"] for p in self.org.projects}:
            return f"The value '{project}' does not exist for the field 'project'."
        issues = self._by_project(project)
        if m["since"]:
            # Minute precision, in the API user's time zone.
            naive = dt.datetime.strptime(m["since"].replace("-", "/"), "%Y/%m/%d %H:%M")
            since = naive.replace(tzinfo=self.org.tz)
            issues = [i for i in issues if i.updated >= since]
        return issues

    def _by_project(self, project: str) -> list[Issue]:
        """The project's issues in search order, kept until the issue list's
        length changes: sorting every issue for each page made a large
        organisation's sync quadratic."""
        size, found = self._sorted.get(project, (-1, []))
        if size != len(self.org.issues):
            found = sorted(
                (i for i in self.org.issues if i.project == project),
                key=lambda i: (i.created, int(i.id)),
            )
            self._sorted[project] = (len(self.org.issues), found)
        return found

    def render(self, issue: Issue, changelog: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": issue.id,
            "key": issue.key,
            "self": f"{API}/issue/{issue.id}",
            "fields": dict(issue.fields),
        }
        if changelog:
            # Only the first page is embedded; the rest needs the changelog route.
            shown = issue.histories[: self.embedded_changelog]
            out["changelog"] = {
                "startAt": 0,
                "maxResults": len(shown),
                "total": len(issue.histories),
                "histories": shown,
            }
        return out


def _token(jql: str, offset: int) -> str:
    tag = hashlib.sha256(jql.encode()).hexdigest()[:10]
    return base64.urlsafe_b64encode(json.dumps({"q": tag, "o": offset}).encode()).decode()


def _offset(jql: str, token: str | None) -> int | None:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        ok = data["q"] == hashlib.sha256(jql.encode()).hexdigest()[:10]
        return int(data["o"]) if ok else None
    except (ValueError, KeyError, TypeError):
        return None


def build(
    org: JiraOrg,
    *,
    email: str,
    token: str,
    plan: FaultPlan,
    embedded_changelog: int = 100,
) -> tuple[FakeApi, JiraState]:
    state = JiraState(org, embedded_changelog)
    basic = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()

    def accepts(header: str | None) -> bool:
        return header in (basic, f"Bearer {token}")

    @route("GET", f"{API}/myself")
    async def myself(request: Request, m: re.Match[str]) -> Reply:
        tz = org.spec.time_zone
        return Reply(
            {"accountId": "etl-bot", "emailAddress": email, "timeZone": tz, "active": True}
        )

    @route("GET", f"{API}/project/(?P<key>[^/]+)")
    async def project(request: Request, m: re.Match[str]) -> Reply:
        for p in org.projects:
            if m["key"] in (p["key"], p["id"]):
                return Reply(p)
        return Reply(_error(404, f"No project could be found with key '{m['key']}'."), 404)

    @route("GET", f"{API}/status")
    async def statuses(request: Request, m: re.Match[str]) -> Reply:
        return Reply(org.statuses())

    @route("GET", f"{API}/issuetype")
    async def issue_types(request: Request, m: re.Match[str]) -> Reply:
        return Reply(org.issue_types())

    @route("POST", f"{API}/search/approximate-count")
    async def count(request: Request, m: re.Match[str]) -> Reply:
        body = await request.json()
        found = state.select(str(body.get("jql", "")))
        if isinstance(found, str):
            return Reply(_error(400, found), 400)
        return Reply({"count": len(found)})

    @route("POST", f"{API}/search/jql")
    async def search(request: Request, m: re.Match[str]) -> Reply:
        body = await request.json()
        jql = str(body.get("jql", ""))
        found = state.select(jql)
        if isinstance(found, str):
            return Reply(_error(400, found), 400)
        offset = _offset(jql, body.get("nextPageToken"))
        if offset is None:
            return Reply(_error(400, "The provided next page token is invalid or expired."), 400)
        size = max(1, min(SEARCH_MAX, int(body.get("maxResults", 50))))
        expand = "changelog" in str(body.get("expand", ""))
        page = [state.render(i, expand) for i in page_of(found, offset, size)]
        out: dict[str, Any] = {"issues": page, "isLast": offset + size >= len(found)}
        if not out["isLast"]:
            out["nextPageToken"] = _token(jql, offset + size)
        return Reply(out)

    @route("GET", f"{API}/issue/(?P<key>[^/]+)/changelog")
    async def changelog(request: Request, m: re.Match[str]) -> Reply:
        try:
            issue = org.issue(m["key"])
        except KeyError:
            return Reply(
                _error(404, "Issue does not exist or you do not have permission to see it."), 404
            )
        start = int_param(request, "startAt", 0, 0, 10**9)
        size = int_param(request, "maxResults", CHANGELOG_MAX, 1, CHANGELOG_MAX)
        values = page_of(issue.histories, start, size)
        return Reply(
            {
                "self": str(request.url),
                "startAt": start,
                "maxResults": size,
                "total": len(issue.histories),
                "isLast": start + size >= len(issue.histories),
                "values": values,
            }
        )

    routes = [myself, project, statuses, issue_types, count, search, changelog]
    return FakeApi(routes, accepts, _error, plan), state
