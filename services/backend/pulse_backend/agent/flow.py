"""The engineering flow as the engineering dashboard shows it
(``pulse_common.analytics.engineering``, its statement run as it is): one
step's median (coding, pickup, review: "median of N PRs") or the
throughput (PRs merged, per week), over the period and over the previous
period of equal length, so that "is our review time getting better?" is
answered as the DORA summary answers it for its metrics. The repository
and author narrow it as the dashboard's filters do (``narrowing``). Cited:
the merged PRs longest in the step (``reviews.slowest``, on the rows the
statement aggregates), or the latest merged for the throughput."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection

from pulse_backend.agent import links
from pulse_backend.agent.date_ranges import DateRange, day_words, span_words
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.narrowing import NarrowedPeriod, narrowed
from pulse_backend.agent.reviews import slowest
from pulse_backend.agent.toolkit import Compared, ToolContext
from pulse_backend.analytics.summary import change
from pulse_backend.analytics.wording import fmt_count, fmt_hours
from pulse_common.analytics import queries as q
from pulse_common.analytics.engineering import Engineering, engineering, merged_cte
from pulse_common.analytics.results import Component
from pulse_common.analytics.scope import Scope

# PRs listed and cited.
TOP = 5

Measure = Literal["pickup", "review", "coding", "throughput"]


class FlowArgs(NarrowedPeriod, Compared):
    measure: Measure = Field(
        description="pickup: from opening to the first review by someone else; review: from "
        "that review to the merge; coding: from the first commit to the opening; throughput: "
        "PRs merged, per week"
    )


# Each step's name and span as the dashboard's cycle breakdown means it,
# and what its longest PRs were longest at.
STEPS = {
    "coding": ("Coding time", "from the first commit to the opening", "longest in coding"),
    "pickup": (
        "Pickup time",
        "from the opening to the first review by someone other than the author",
        "that waited longest for their first review",
    ),
    "review": (
        "Review time",
        "from the first review by someone else to the merge",
        "longest in review",
    ),
}

_LATEST = ", latest AS (SELECT pr_id FROM merged ORDER BY e_merged DESC, pr_id DESC LIMIT :limit)"


def _latest_merged(conn: Connection, scope: Scope) -> list[int]:
    merged, params = merged_cte(scope)
    sql = f"WITH {merged}{_LATEST} SELECT pr_id FROM latest"
    return [r.pr_id for r in q.rows(conn, sql, {**params, "limit": TOP})]


def _median(c: Component) -> str:
    """A step's figure as the dashboard's breakdown shows it ("8.8 h,
    median of 87 PRs"), or why there is none."""
    if not c.sample_size:
        return "no data (no merged PR with one)"
    prs = fmt_count(c.sample_size, "merged PR", "merged PRs")
    return f"{fmt_hours(c.median_hours)}, the median of {prs}"


def _step(conn: Connection, scope: Scope, measure: str, now: Engineering) -> dict[str, Any]:
    name, spans, longest = STEPS[measure]
    found = slowest(conn, scope, TOP, measure)
    c = getattr(now, measure)
    return {
        "name": name,
        "spans": spans,
        "longest": longest,
        "median_hours": c.median_hours,
        "figure": _median(c),
        "sample_size": c.sample_size,
        "prs": [
            {
                "pr_id": p.pr_id,
                "pr": f"{p.repository}#{p.number} {p.title}",
                "hours": p.hours,
                "time": fmt_hours(p.hours),
                "reviewers": list(p.reviewers),
            }
            for p in found.prs
        ],
    }


def previous_days(args: Compared) -> DateRange:
    """The period ``args``' is compared against, in words: by default the
    one of equal length before it (the summary's ``Scope.previous``)."""
    against = args.against()
    last = against.end or dt.datetime.now(dt.UTC).date()
    first = last - dt.timedelta(days=against.days - 1)
    if args.against_days is None and args.against_end is None:
        return DateRange(first, last, f"the {args.days} days before")
    return DateRange(first, last, span_words(first, last), dated=False)


def engineering_flow_tool(ctx: ToolContext, args: FlowArgs) -> ToolOutput:
    with ctx.read() as conn:
        scope, words = narrowed(conn, args)
        now, before = engineering(conn, scope), engineering(conn, args.against_scope(scope))
        if args.measure == "throughput":
            data: dict[str, Any] = {
                "name": "PRs merged",
                "merged_prs": now.merged_prs,
                "figure": fmt_count(now.merged_prs, "PR merged", "PRs merged"),
                "weeks": [
                    {"week": w.week.isoformat(), "label": day_words(w.week), "merged": w.merged_prs}
                    for w in now.throughput
                ],
                "previous_merged_prs": before.merged_prs,
                "previous": fmt_count(before.merged_prs, "PR merged", "PRs merged"),
                "prs": [{"pr_id": i} for i in _latest_merged(conn, scope)],
            }
        else:
            data = _step(conn, scope, args.measure, now)
            old = getattr(before, args.measure)
            data["previous_hours"] = old.median_hours
            data["previous"] = _median(old)
            data["change"] = change(args.measure, data["median_hours"], old.median_hours)
        cites = links.cite(conn, "pr", [p["pr_id"] for p in data["prs"]])
    data |= {
        "measure": args.measure,
        "narrowed": words,
        "previous_words": previous_days(args).words(),
    }
    return ToolOutput(
        summary=f"{data['name']}{words} over {args.days} days: {data['figure']} "
        f"({data['previous_words']}: {data['previous']})",
        data=data,
        citations=cites,
    )
