"""The work items resolved in a period, as the work-items dashboard counts
them (``GET /analytics/work-items``: resolved, the weekly throughput), of
everyone or of the person they are assigned to ("what did linus work on
last week?"), with the latest resolved cited. "Stories" and "tickets" are
the tenant's work items whatever their type."""

from __future__ import annotations

from pydantic import Field

from pulse_backend.agent import assignees, links
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.toolkit import Period, ToolContext
from pulse_backend.analytics.work_items import work_item_flow
from pulse_common.analytics import queries as q

LATEST = 5


class WorkItemArgs(Period):
    by_assignee = True
    author: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="only work items assigned to this person: their name as Jira shows it "
        "(e.g. Linus Torvalds), or a word of it (a first name); not a GitHub login",
    )


# The dashboard's filter by person is the assignee (``work_items._item_filter``).
_LATEST = (
    "SELECT w.id FROM work_items w WHERE w.resolved_at >= :start AND w.resolved_at < :end "
    "AND (cardinality(CAST(:authors AS text[])) = 0 OR w.assignee = ANY(:authors)) "
    "ORDER BY w.resolved_at DESC, w.id DESC LIMIT :limit"
)


def work_items_tool(ctx: ToolContext, args: WorkItemArgs) -> ToolOutput:
    with ctx.read() as conn:
        # The assignee as Jira spells them ("linus": "Linus Torvalds").
        authors = () if args.author is None else (assignees.resolved(conn, args.author),)
        scope = args.scope(authors=authors)
        flow = work_item_flow(conn, scope)
        params = {"start": scope.start, "end": scope.end, "authors": list(authors)}
        ids = [r.id for r in q.rows(conn, _LATEST, {**params, "limit": LATEST})]
        cites = links.cite(conn, "work_item", ids)
    narrowed = "".join(f" assigned to {a}" for a in authors)
    return ToolOutput(
        summary=f"{flow.resolved} work items resolved{narrowed} over {args.days} days",
        data={
            "narrowed": narrowed,
            "resolved": flow.resolved,
            "per_week": flow.resolved / (args.days / 7),
            "weeks": [[week.isoformat(), n] for week, n in flow.throughput],
        },
        citations=cites,
    )
