"""Jira Cloud: projects, statuses, issue types, then per project the issues
updated since the watermark (``/search/jql`` with ``nextPageToken``), with
full changelogs (``/issue/{key}/changelog`` past the embedded page)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from pydantic import TypeAdapter

from pulse_common.dora import incidents as incidents_rule
from pulse_etl.errors import MalformedResponse, RequestRejected
from pulse_etl.integrations import Integration
from pulse_etl.sources import jira_models as jm
from pulse_etl.sources.batch import Batch, Row, Visited, resume_index
from pulse_etl.sources.http import SourceClient
from pulse_etl.sources.validate import parse

log = structlog.get_logger("pulse_etl.jira")
API = "/rest/api/3"
FIELDS = [
    "summary",
    "description",
    "issuetype",
    "status",
    "project",
    "priority",
    "assignee",
    "reporter",
    "parent",
    "created",
    "updated",
    "resolutiondate",
]
CATEGORY = {"new": "to_do", "indeterminate": "in_progress", "done": "done"}


def jql_for(project: str, since: dt.datetime | None, tz: ZoneInfo) -> str:
    """JQL dates have minute precision in the API user's zone: round down, so
    the boundary minute is included (upserts make the overlap harmless)."""
    clause = f'project = "{project}"'
    if since is not None:
        local = since.astimezone(tz).strftime("%Y/%m/%d %H:%M")
        clause += f' AND updated >= "{local}"'
    # By creation, not update: an issue updated mid-sync must not jump pages.
    return clause + " ORDER BY created ASC, key ASC"


def _next_token(visited: Visited, page: jm.SearchPage | jm.IdPage) -> str | None:
    """The next page's token; None after the last page. A page that says it
    is not the last yet gives no token would end the listing early: a gap in
    the sync and, for the sweep, live issues taken for deleted ones."""
    if page.is_last is False and not page.next_page_token:
        raise MalformedResponse("jira", f"{visited.what}: isLast is false but no nextPageToken")
    return None if page.is_last else visited.follow(page.next_page_token, len(page.issues))


def adf_text(node: Any) -> str | None:
    """Plain text of an Atlassian Document Format body."""
    if node is None or isinstance(node, str):
        return node
    parts: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            if isinstance(n.get("text"), str):
                parts.append(n["text"])
            for child in n.get("content", []) or []:
                walk(child)
            if n.get("type") == "paragraph":
                parts.append("\n")

    walk(node)
    return "".join(parts).strip() or None


class JiraConnector:
    def __init__(
        self,
        client: SourceClient,
        integration: Integration,
        incident_types: Iterable[str] | None = None,
    ) -> None:
        """``incident_types``: the tenant's DORA setting, when set; else the
        integration's ``incidentTypes`` option decides."""
        self.client, self.integration = client, integration
        self.incident_types = frozenset(
            integration.incident_types if incident_types is None else incident_types
        )
        self.base = integration.api_url + API
        self.categories: dict[str, str] = {}

    async def _get(self, what: str, model: Any, path: str, **params: Any) -> Any:
        page = await self.client.get(self.base + path, params=params or None)
        return parse("jira", what, model, page.body)

    async def batches(
        self, cursor: dict[str, Any], since: dt.datetime | None
    ) -> AsyncIterator[Batch]:
        me: jm.Myself = await self._get("myself", jm.Myself, "/myself")
        try:
            tz = ZoneInfo(me.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise MalformedResponse(
                "jira", f"myself: field timeZone: unknown zone {me.time_zone!r}"
            ) from None
        meta, projects = await self._metadata()
        yield meta
        keys = [p.key for p in projects]
        start = resume_index(keys, cursor.get("project"))
        for i in range(start, len(keys)):
            token = cursor.get("token") if keys[i] == cursor.get("project") else None
            async for batch in self._issues(keys[i], jql_for(keys[i], since, tz), token):
                if batch.cursor.get("done"):
                    nxt = keys[i + 1] if i + 1 < len(keys) else None
                    batch.cursor = {"project": nxt} if nxt else {"done": True}
                yield batch
        if start >= len(keys):
            yield Batch("issues", {}, {"done": True}, 0)

    async def _metadata(self) -> tuple[Batch, list[jm.Project]]:
        statuses = await self._get("status", TypeAdapter(list[jm.Status]), "/status")
        types = await self._get("issuetype", TypeAdapter(list[jm.IssueType]), "/issuetype")
        projects = [
            await self._get(f"project {key}", jm.Project, f"/project/{key}")
            for key in self.integration.projects
        ]
        self.categories = {s.name: s.status_category.key for s in statuses}
        rows: dict[str, list[Row]] = {
            "projects": [(p.key, p.id, p.name, p.project_type_key) for p in projects],
            "statuses": [
                (s.name, s.id, CATEGORY.get(s.status_category.key, "to_do")) for s in statuses
            ],
            "wits": [(t.name, t.id, t.description, t.hierarchy_level) for t in types],
        }
        batch = Batch("metadata", rows, {}, len(statuses) + len(types) + len(projects))
        return batch, sorted(projects, key=lambda p: p.key)

    async def _issues(self, project: str, jql: str, token: str | None) -> AsyncIterator[Batch]:
        count: jm.Count = parse(
            "jira",
            "approximate-count",
            jm.Count,
            (await self.client.post(self.base + "/search/approximate-count", {"jql": jql})).body,
        )
        visited = Visited("jira", f"search {project}", token)
        while True:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": FIELDS,
                "expand": "changelog",
                "maxResults": self.integration.page_size,
            }
            if token:
                body["nextPageToken"] = token
            try:
                raw = await self.client.post(self.base + "/search/jql", body)
            except RequestRejected:
                if not token:
                    raise
                # Page tokens expire (7 days): a long-paused job re-reads the
                # project from its start; upserts make that harmless.
                log.info("page token refused, restarting project", category="JIRA", project=project)
                token = None
                visited = Visited("jira", f"search {project}")  # the same tokens come again
                continue
            page = parse("jira", f"search {project}", jm.SearchPage, raw.body)
            histories = await asyncio.gather(*(self._histories(i) for i in page.issues))
            rows = self._rows(page.issues, histories)
            token = _next_token(visited, page)
            nxt = {"project": project, "token": token} if token else {"done": True}
            keys = [f"issue:{i.id}" for i in page.issues]
            yield Batch(f"issues {project}", rows, nxt, len(page.issues), count.count, keys=keys)
            if token is None:
                return

    async def all_ids(self, project: str) -> set[str]:
        """Every issue id the project has now (ids only: Jira pages these up
        to 5000 at a time), for the deleted-issue sweep."""
        ids: set[str] = set()
        token: str | None = None
        jql = jql_for(project, None, ZoneInfo("UTC"))
        visited = Visited("jira", f"search ids {project}")
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": ["id"], "maxResults": 5000}
            if token:
                body["nextPageToken"] = token
            raw = await self.client.post(self.base + "/search/jql", body)
            page = parse("jira", f"search ids {project}", jm.IdPage, raw.body)
            ids.update(i.id for i in page.issues)
            token = _next_token(visited, page)
            if token is None:
                return ids

    async def _histories(self, issue: jm.Issue) -> list[jm.History]:
        embedded = issue.changelog
        if (
            embedded is not None
            and embedded.start_at == 0
            and embedded.total <= len(embedded.histories)
        ):
            return embedded.histories
        out: list[jm.History] = []
        seen: set[str] = set()
        while True:
            page: jm.ChangelogPage = await self._get(
                f"changelog {issue.key}",
                jm.ChangelogPage,
                f"/issue/{issue.key}/changelog",
                startAt=len(out),
                maxResults=100,
            )
            # A source that ignores startAt hands the same histories again:
            # read until its total (the run stalled on a huge one), they were
            # stored twice and the load refused the page.
            again = next((h.id for h in page.values if h.id in seen), None)
            if again is not None:
                raise MalformedResponse(
                    "jira", f"changelog {issue.key}: history {again} again (a paging loop)"
                )
            seen.update(h.id for h in page.values)
            out.extend(page.values)
            if page.is_last or not page.values or len(out) >= page.total:
                return out

    def _rows(
        self, issues: list[jm.Issue], histories: list[list[jm.History]]
    ) -> dict[str, list[Row]]:
        items: list[Row] = []
        changes: list[Row] = []
        incidents: list[Row] = []
        for issue, hist in zip(issues, histories, strict=True):
            f = issue.fields
            started: dt.datetime | None = None
            previous = f.created
            for h in sorted(hist, key=lambda h: (h.created, h.id)):
                status = [it for it in h.items if it.field == "status"]
                if not status:
                    continue
                item = status[-1]
                if started is None and self.categories.get(item.to_string or "") == "indeterminate":
                    started = h.created
                seconds = int((h.created - previous).total_seconds())
                author = h.author.display_name if h.author else None
                changes.append(
                    (issue.key, h.id, item.from_string, item.to_string, h.created, author, seconds)
                )
                previous = h.created
            items.append(
                (
                    issue.key,
                    f.project.key,
                    issue.id,
                    f.summary[:500],
                    adf_text(f.description),
                    f.issuetype.name,
                    f.status.name,
                    f.priority.name if f.priority else None,
                    f.assignee.display_name if f.assignee else None,
                    f.reporter.display_name if f.reporter else None,
                    f.parent.key if f.parent else None,
                    f.created,
                    f.updated,
                    started,
                    f.resolutiondate,
                )
            )
            if f.issuetype.name in self.incident_types:
                # One derivation with relink's (pulse_common.dora.incidents).
                incidents.append(
                    (
                        issue.key,
                        f.summary[:500],
                        incidents_rule.severity(f.priority.name if f.priority else None).value,
                        issue.key,
                        f.created,
                        f.resolutiondate,
                        incidents_rule.status(f.resolutiondate).value,
                        f.created,  # raised = detected (DevLake's created_date)
                    )
                )
        return {"work_items": items, "changelogs": changes, "incidents": incidents}
