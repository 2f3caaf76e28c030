"""Pull requests still open: opened in the period and open now (the
source's state: neither merged nor closed), oldest first, each with its
age, repository, author and who has reviewed it. A review by the PR's own
author is no review (as the engineering dashboard's review time counts
only reviews by someone else), so a PR only its author commented on is
still waiting for review. The repository and author narrow the PRs as the
dashboards' filters do (``narrowing``); the answer also says how many
open PRs were opened before the period, which a stale-PR question is
after."""

from __future__ import annotations

from pulse_backend.agent import links
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.narrowing import NarrowedPeriod, narrowed
from pulse_backend.agent.toolkit import ToolContext
from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_common.analytics import queries as q
from pulse_common.analytics.lead_time import pr_filter

# Listed and cited; the answer says how many more are open.
TOP = 10


class OpenPrArgs(NarrowedPeriod):
    """The period, and the repository and author the PRs are narrowed to."""


# The open PRs opened before the period's end, each with its reviewers
# other than its author, first reviewer first.
_OPEN = """
WITH open AS (
    SELECT pr.id, pr.created, pr.number, pr.title, pr.author, rp.full_name AS repository,
           ARRAY(SELECT rv.reviewer FROM prs_reviews rv
                 WHERE rv.pr_id = pr.id AND rv.reviewer IS NOT NULL
                   AND rv.reviewer IS DISTINCT FROM pr.author
                 GROUP BY rv.reviewer ORDER BY min(rv.submitted_at), rv.reviewer) AS reviewers
    FROM prs pr JOIN repositories rp ON rp.id = pr.repository_id
    WHERE pr.state = 'open' AND pr.created < :end {pr_filter}
)
"""
_LIST = (
    _OPEN + "SELECT o.*, extract(epoch FROM now() - o.created)::float8 / 3600 AS age "
    "FROM open o WHERE o.created >= :start ORDER BY o.created, o.id LIMIT :limit"
)
_COUNTS = (
    _OPEN + "SELECT count(*) FILTER (WHERE created >= :start) AS total, "
    "count(*) FILTER (WHERE created >= :start AND cardinality(reviewers) = 0) AS unreviewed, "
    "count(*) FILTER (WHERE created < :start) AS older FROM open"
)


def open_prs_tool(ctx: ToolContext, args: OpenPrArgs) -> ToolOutput:
    with ctx.read() as conn:
        scope, words = narrowed(conn, args)
        f = pr_filter(scope)
        params = {**f.params, "start": scope.start, "end": scope.end, "limit": TOP}
        listed = q.rows(conn, q.render(_LIST, pr_filter=f.sql), params)
        counts = q.one(conn, q.render(_COUNTS, pr_filter=f.sql), params)
        cites = links.cite(conn, "pr", [r.id for r in listed])
    total = fmt_count(counts.total, "open PR", "open PRs")
    return ToolOutput(
        summary=f"{total}{words} opened over {args.days} days, "
        f"{counts.unreviewed} not reviewed yet",
        data={
            "total": counts.total,
            "unreviewed": counts.unreviewed,
            "older": counts.older,
            "narrowed": words,
            "prs": [
                {
                    "pr_id": r.id,
                    "pr": f"{r.repository}#{r.number} {r.title}",
                    "author": r.author,
                    "age_hours": max(r.age, 0.0),
                    "age": fmt_value(max(r.age, 0.0), "hours"),
                    "reviewers": list(r.reviewers),
                }
                for r in listed
            ],
        },
        citations=cites,
    )
