"""The tools the agent may call, by name: the registry both modes run
from, and whose ``spec``s are the tool list an LLM provider sees. Each
tool parses its arguments with a pydantic model, reads on the tenant's
read transaction (the replica), and returns a ``ToolOutput`` with the
citations of the rows it used. What a tool is made of is ``toolkit``'s;
the tools themselves are ``dora_tools``, ``deployed``, ``lookups``, ``reviews``,
``flow``, ``open_incidents``, ``open_prs``, ``rankings`` and ``work_items``."""

from __future__ import annotations

from pulse_backend.agent import (
    deployed,
    dora_tools,
    flow,
    lookups,
    narrowing,
    open_incidents,
    open_prs,
    rankings,
    reviews,
    work_items,
)
from pulse_backend.agent.toolkit import Period, Tool, ToolContext

__all__ = ["TOOLS", "Period", "Tool", "ToolContext"]

TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool(
            "dora_summary",
            "DORA metrics of a period with the previous period",
            Period,
            dora_tools.dora_summary,
        ),
        Tool(
            "dora_metric",
            "One DORA metric with the rows behind it (slowest PRs, failed deployments, "
            "longest incidents); mean_time_to_restore counts every incident detected in the "
            "period (how many there were, how many are still open)",
            dora_tools.MetricArgs,
            dora_tools.dora_metric,
        ),
        Tool(
            "deployments_listed",
            f"What was deployed in a period: how many deployments (deployment frequency's), "
            f"the latest {deployed.LISTED} newest first, and the dashboard that lists them "
            "all; optionally of one repository or author",
            narrowing.NarrowedPeriod,
            deployed.deployed_tool,
        ),
        Tool(
            "incidents_by_repository",
            "Repositories ranked by the incidents they caused in a period",
            Period,
            dora_tools.incidents_by_repository,
        ),
        Tool(
            "deployments_by_repository",
            "Repositories ranked by the deployments they made in a period (most or least "
            "first), each with its deployment frequency",
            dora_tools.RankedArgs,
            dora_tools.deployments_by_repository,
        ),
        Tool(
            "engineering_flow",
            "The engineering dashboard's flow of merged PRs in a period: one step's median "
            "(pickup: opening to the first review by someone else; review: that review to the "
            "merge; coding: first commit to opening) with the PRs longest in it, or the "
            "throughput (PRs merged, per week) with the latest merged; each against the "
            "previous period of equal length (improved or worsened); optionally of one "
            "repository or author",
            flow.FlowArgs,
            flow.engineering_flow_tool,
        ),
        Tool(
            "open_incidents",
            "Incidents detected in a period that are still unresolved, oldest first, with "
            "their age, severity, status and linked deployment",
            Period,
            open_incidents.open_incidents_tool,
        ),
        Tool(
            "open_prs",
            "Pull requests opened in a period that are still open (neither merged nor "
            "closed), oldest first, with their age, repository, author and reviewers other "
            "than the author (none: waiting for review), how many are not reviewed yet and "
            "how many older ones are open; optionally of one repository or author",
            open_prs.OpenPrArgs,
            open_prs.open_prs_tool,
        ),
        Tool(
            "slowest_reviews",
            "Merged PRs that took longest in review (first review by someone else to the "
            "merge) with their reviewers, and the median review time",
            Period,
            reviews.slowest_reviews_tool,
        ),
        Tool(
            "review_load",
            "Reviewers ranked by PRs reviewed (or by their median first response, fastest "
            "first), with both",
            reviews.ReviewLoadArgs,
            reviews.review_load_tool,
        ),
        Tool(
            "rank",
            "Repositories (or the authors of PRs merged in a period) ranked by a DORA metric "
            "or PRs merged, each the dashboard's figure filtered to it; the top 3, ties "
            "ranked together",
            rankings.RankArgs,
            rankings.rank_tool,
        ),
        Tool(
            "work_items",
            "Work items (stories, tickets) resolved in a period, as the work-items dashboard "
            "counts them, with the weekly throughput and the latest resolved; optionally those "
            "assigned to one person",
            work_items.WorkItemArgs,
            work_items.work_items_tool,
        ),
        Tool(
            "search",
            "Find PRs, work items and incidents by meaning",
            lookups.SearchArgs,
            lookups.search,
        ),
        Tool("pr_details", "One pull request by id", lookups.IdArgs, lookups.pr_details),
        Tool(
            "work_item_details",
            "One work item by key (e.g. PAY-12)",
            lookups.KeyArgs,
            lookups.work_item_details,
        ),
        Tool("incident_details", "One incident by id", lookups.IdArgs, lookups.incident_details),
        Tool(
            "sql_query",
            "One read-only SELECT over the tables repositories, prs, deployments, incidents, "
            "work_items, projects and their link tables",
            lookups.SqlArgs,
            lookups.sql_query,
        ),
    )
}
