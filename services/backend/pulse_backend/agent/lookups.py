"""The lookup tools: search by meaning, one PR, work item or incident by
its id or key, and the read-only SQL tool (``sql_tool``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import text

from pulse_backend.agent import links
from pulse_backend.agent.models import Citation, CitationType, ToolOutput
from pulse_backend.agent.sql_tool import run_sql
from pulse_backend.agent.toolkit import Args, ToolContext
from pulse_backend.search.schemas import SearchParams
from pulse_common.errors import InvalidInput, NotFound


class SearchUnavailable(InvalidInput):
    code = "search_unavailable"


class SearchArgs(Args):
    query: str = Field(min_length=1, max_length=500)
    limit: int = Field(5, ge=1, le=20)


class IdArgs(Args):
    id: int = Field(ge=1, le=2**63 - 1)


class KeyArgs(Args):
    key: str = Field(min_length=1, max_length=60)


class SqlArgs(Args):
    sql: str = Field(min_length=1, max_length=4000)


_CITED_AS: dict[str, CitationType] = {
    "pull_request": "pr",
    "work_item": "work_item",
    "incident": "incident",
}


def search(ctx: ToolContext, args: SearchArgs) -> ToolOutput:
    """The search service (semantic, or its full-text fallback)."""
    if ctx.search is None:
        raise SearchUnavailable("search is not available here")
    found = ctx.search(SearchParams(q=args.query, limit=args.limit))
    cites = [
        Citation(type=_CITED_AS[h.type.value], id=h.id, title=h.title, url=h.url)
        for h in found.results
    ]
    data = [
        {
            "type": h.type.value,
            "id": h.id,
            "title": h.title,
            "snippet": h.snippet,
            # "words": under the relevance cut-off, kept for holding the query's words.
            "matched_by": h.matched_by.value,
        }
        for h in found.results
    ]
    return ToolOutput(
        summary=f"{len(cites)} {found.mode.value} results for {args.query!r}",
        data=data,
        citations=cites,
    )


def _details(ctx: ToolContext, kind: str, sql: str, key: Any, label: str) -> ToolOutput:
    with ctx.read() as conn:
        row = conn.execute(text(sql), {"k": key}).mappings().first()
        if row is None:
            raise NotFound(f"no {label} {key}")
        cites = links.cite(conn, kind, [int(row["id"])])
    data = {k: (v if isinstance(v, int | float | str | None) else str(v)) for k, v in row.items()}
    return ToolOutput(summary=f"{label} {key}", data=data, citations=cites)


def pr_details(ctx: ToolContext, args: IdArgs) -> ToolOutput:
    sql = (
        "SELECT p.id, r.full_name AS repository, p.number, p.title, p.author, p.state, "
        "p.created, p.merged_at, p.additions, p.deletions, p.is_hotfix, p.is_revert "
        "FROM prs p JOIN repositories r ON r.id = p.repository_id WHERE p.id = :k"
    )
    return _details(ctx, "pr", sql, args.id, "pull request")


def work_item_details(ctx: ToolContext, args: KeyArgs) -> ToolOutput:
    sql = (
        "SELECT id, key, summary, priority, assignee, created, resolved_at "
        "FROM work_items WHERE key = :k"
    )
    return _details(ctx, "work_item", sql, args.key, "work item")


def incident_details(ctx: ToolContext, args: IdArgs) -> ToolOutput:
    sql = (
        "SELECT n.id, n.external_id, n.title, n.severity, n.status, n.detected_at, "
        "n.resolved_at, r.full_name AS repository FROM incidents n "
        "LEFT JOIN repositories r ON r.id = n.repository_id WHERE n.id = :k"
    )
    return _details(ctx, "incident", sql, args.id, "incident")


def sql_query(ctx: ToolContext, args: SqlArgs) -> ToolOutput:
    result = run_sql(ctx.clients, ctx.principal, args.sql)
    more = " (truncated)" if result.truncated else ""
    return ToolOutput(summary=f"{len(result.rows)} rows{more}", data=result.model_dump())
