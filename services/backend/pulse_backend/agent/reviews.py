"""Review questions answered with the engineering dashboard's figures, not
a second definition of them: a merged PR's review time is the engineering
flow's (``pulse_common.analytics.engineering``: from the first review by
someone else to the merge, PRs merged in the period, the scope's filters),
read per PR from the rows that statement aggregates (``merged_cte``,
``STEP_HOURS``; ``slowest`` serves the engineering flow's other steps
too); review load is the flow's reviewer table as it is, cited with the
PRs each listed reviewer's count is made of (``_REVIEWED``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection, text

from pulse_backend.agent import links
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.toolkit import Period, ToolContext
from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_common.analytics import queries as q
from pulse_common.analytics.engineering import (
    STEP_HOURS,
    ReviewerLoad,
    engineering,
    merged_cte,
)
from pulse_common.analytics.lead_time import pr_filter
from pulse_common.analytics.scope import Scope

TOP = 5
# PRs cited per listed reviewer: their latest first reviews, as lead time
# cites the rows that weigh most rather than every row it counts.
CITED_PER_REVIEWER = 3

# The merged PRs longest in one step (``STEP_HOURS``: review time here,
# pickup or coding for the engineering flow), with how many have that step
# and its median, the engineering statement's. The PR's reviewers: everyone
# but its author who reviewed it, first reviewer first (any time: who
# reviewed it, not only within the period).
_SLOWEST = """
, stepped AS MATERIALIZED (
    SELECT m.pr_id, {hours} AS hours FROM merged m
)
SELECT v.pr_id, v.hours, rp.full_name AS repository, pr.number, pr.title,
       ARRAY(SELECT rv.reviewer FROM prs_reviews rv
             WHERE rv.pr_id = pr.id AND rv.reviewer IS NOT NULL
               AND rv.reviewer IS DISTINCT FROM pr.author
             GROUP BY rv.reviewer ORDER BY min(rv.submitted_at), rv.reviewer) AS reviewers,
       (SELECT count(hours) FROM stepped) AS measured,
       (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY hours) FROM stepped) AS median
FROM stepped v JOIN prs pr ON pr.id = v.pr_id JOIN repositories rp ON rp.id = pr.repository_id
WHERE v.hours IS NOT NULL
ORDER BY v.hours DESC, v.pr_id
LIMIT :limit
"""


# The PRs a reviewer's load counts, as the engineering statement's
# ``reviewers`` counts them (a PR per reviewer whose first review of it by
# someone other than its author is in the period, none of theirs before
# it, the scope's PR filters), latest first review first, at most :per each.
_REVIEWED = """
SELECT reviewer, pr_id FROM (
    SELECT r.reviewer, r.pr_id,
           row_number() OVER (PARTITION BY r.reviewer ORDER BY r.first_at DESC, r.pr_id) AS nth
    FROM (SELECT rv.pr_id, rv.reviewer, min(rv.submitted_at) AS first_at FROM prs_reviews rv
          WHERE rv.submitted_at >= :start AND rv.submitted_at < :end
          GROUP BY rv.pr_id, rv.reviewer) r
    JOIN prs pr ON pr.id = r.pr_id
    WHERE r.reviewer IS DISTINCT FROM pr.author {pr_filter}
      AND NOT EXISTS (SELECT FROM prs_reviews b WHERE b.pr_id = r.pr_id
                      AND b.reviewer IS NOT DISTINCT FROM r.reviewer AND b.submitted_at < :start)
) counted WHERE nth <= :per
ORDER BY reviewer, nth
"""


@dataclass(frozen=True)
class SlowPr:
    pr_id: int
    repository: str
    number: int
    title: str
    hours: float
    reviewers: tuple[str, ...]


@dataclass(frozen=True)
class Slowest:
    """``measured``: the merged PRs with a time for the step;
    ``median_hours``: the dashboard's median over them."""

    prs: tuple[SlowPr, ...]
    measured: int
    median_hours: float | None


def slowest(conn: Connection, scope: Scope, limit: int, step: str = "review") -> Slowest:
    """The merged PRs longest in ``step`` (a key of ``STEP_HOURS``)."""
    merged, params = merged_cte(scope)
    sql = f"WITH {merged}{_SLOWEST.format(hours=STEP_HOURS[step])}"
    rows = list(conn.execute(text(sql), {**params, "limit": limit}))
    prs = tuple(
        SlowPr(r.pr_id, r.repository, r.number, r.title, r.hours, tuple(r.reviewers)) for r in rows
    )
    if not rows:
        return Slowest(prs, 0, None)
    return Slowest(prs, rows[0].measured, rows[0].median)


def review_load(conn: Connection, scope: Scope) -> tuple[ReviewerLoad, ...]:
    """The reviewers by PRs reviewed (most first), with their median first
    response: the engineering dashboard's review load."""
    return engineering(conn, scope).reviewers


def reviewed_prs(conn: Connection, scope: Scope, per: int) -> dict[str | None, list[int]]:
    """Per reviewer, the ids of up to ``per`` PRs their load counts, the
    latest first review first."""
    f = pr_filter(scope)
    sql = q.render(_REVIEWED, pr_filter=f.sql)
    params = {**f.params, "start": scope.start, "end": scope.end, "per": per}
    out: dict[str | None, list[int]] = {}
    for r in q.rows(conn, sql, params):
        out.setdefault(r.reviewer, []).append(r.pr_id)
    return out


def slowest_reviews_tool(ctx: ToolContext, args: Period) -> ToolOutput:
    """The merged PRs that spent longest in review (the engineering
    dashboard's review time) with their reviewers, the PRs cited."""
    with ctx.read() as conn:
        found = slowest(conn, args.scope(), TOP)
        cites = links.cite(conn, "pr", [p.pr_id for p in found.prs])
    median = fmt_value(found.median_hours, "hours")
    sample = fmt_count(found.measured, "reviewed PR", "reviewed PRs")
    return ToolOutput(
        summary=f"Review time over {args.days} days: median {median} (from {sample})",
        data={
            "median": median,
            "reviewed": sample,
            "prs": [
                {
                    "pr_id": p.pr_id,
                    "pr": f"{p.repository}#{p.number} {p.title}",
                    "review_hours": p.hours,
                    "review_time": fmt_value(p.hours, "hours"),
                    "reviewers": list(p.reviewers),
                }
                for p in found.prs
            ],
        },
        citations=cites,
    )


class ReviewLoadArgs(Period):
    order: Literal["reviewed", "response"] = Field(
        "reviewed",
        description="reviewed: most PRs reviewed first; response: fastest median first "
        "response first (who reviews fastest)",
    )
    reviewer: str | None = Field(
        None, min_length=1, max_length=255, description="only this reviewer (their login)"
    )


def _fastest(r: ReviewerLoad) -> tuple[bool, float, int]:
    # A reviewer without a measured response last; equal ones busiest first.
    hours = r.median_response_hours
    return (hours is None, hours or 0.0, -r.prs_reviewed)


# Reviews a reviewer needs in the period to be ranked by speed: one quick
# review is no median to rank by ("who reviews fastest?" put a reviewer
# with a single review first)...
ENOUGH_REVIEWS = 3


def enough_reviews(load: tuple[ReviewerLoad, ...]) -> int:
    """...or the median reviewer's count, when fewer than half the
    reviewers have that many (a small or quiet team is still ranked)."""
    counts = sorted(r.prs_reviewed for r in load)
    if not counts:
        return ENOUGH_REVIEWS
    return max(1, min(ENOUGH_REVIEWS, counts[(len(counts) - 1) // 2]))


def review_load_tool(ctx: ToolContext, args: ReviewLoadArgs) -> ToolOutput:
    """PRs reviewed per reviewer (the engineering dashboard's review load),
    most first or fastest first response first (every reviewer of the
    dashboard's table with enough reviews ranked, not only the busiest;
    those with too few said), each listed reviewer's latest PRs reviewed
    cited."""
    scope = args.scope()
    ranked: dict[str, Any] = {}
    with ctx.read() as conn:
        load = review_load(conn, scope)
        if args.reviewer is not None:
            # One reviewer's line of the dashboard's table ("what does bo review?").
            who = args.reviewer.lower()
            load = tuple(r for r in load if (r.reviewer or "").lower() == who)
        if args.order == "response":
            least = enough_reviews(load)
            few = [r for r in load if r.prs_reviewed < least]
            load = tuple(sorted((r for r in load if r.prs_reviewed >= least), key=_fastest))
            ranked = {
                "min_reviews": least,
                "left_out": [
                    {"reviewer": r.reviewer or "unknown", "prs_reviewed": r.prs_reviewed}
                    for r in few
                ],
            }
        load = load[:TOP]
        prs = reviewed_prs(conn, scope, CITED_PER_REVIEWER)
        # A PR two listed reviewers reviewed is cited once.
        cites = links.cite(conn, "pr", [i for r in load for i in prs.get(r.reviewer, [])])
    data = [
        {
            "reviewer": r.reviewer or "unknown",
            "reviewed": fmt_count(r.prs_reviewed, "PR", "PRs"),
            "prs_reviewed": r.prs_reviewed,
            "median_response": fmt_value(r.median_response_hours, "hours"),
            "latest_pr_ids": prs.get(r.reviewer, []),
        }
        for r in load
    ]
    top = f"most by {data[0]['reviewer']}: {data[0]['reviewed']}" if data else "no reviews"
    if data and args.order == "response":
        top = f"fastest first response by {data[0]['reviewer']}: {data[0]['median_response']}"
    return ToolOutput(
        summary=f"Review load over {args.days} days, {top}",
        data={
            "order": args.order,
            "reviewers": data,
            "narrowed": f" of {args.reviewer}" if args.reviewer else "",
            **ranked,
        },
        citations=cites,
    )
