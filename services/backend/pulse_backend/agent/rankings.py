"""Who or which repository ranks first by a figure: "which repository has
the slowest lead time?", "which repo has the highest change failure rate?",
"who merged the most PRs last quarter?". Each candidate's figure is the
dashboards' for the same days filtered to it (the repository and author
filters), one query per candidate: a tenant has a handful of repositories,
and the authors are those who merged a PR in the period (in the repository
asked about: "who merged the most in web?"), counted by author in one
statement (PRs merged by author need no other). Ties are ranked together and
said as ties; "who merged the fewest?" is the same ranking lowest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Connection

from pulse_backend.agent import links
from pulse_backend.agent.dora_tools import FIGURES
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.narrowing import NarrowedPeriod, narrowed
from pulse_backend.agent.toolkit import ToolContext
from pulse_backend.analytics.summary import unresolved
from pulse_backend.analytics.wording import figure_words, fmt_count, metric_name
from pulse_backend.analytics_service import benchmarks
from pulse_common.analytics import queries as q
from pulse_common.analytics.engineering import engineering
from pulse_common.analytics.lead_time import pr_filter
from pulse_common.analytics.levels import Benchmarks
from pulse_common.analytics.scope import Scope
from pulse_common.dora.settings import DoraRules, load_rules

# Ranks said, ties at the last one included.
TOP = 3

Ranked = Literal["lead_time", "change_failure_rate", "recovery_time", "rework_rate", "merged_prs"]


class RankArgs(NarrowedPeriod):
    subject: Literal["repositories", "authors"] = Field(
        description="rank the tenant's repositories, or the authors of PRs merged in the period"
    )
    metric: Ranked = Field(
        description="the DORA metric (as the dashboard shows it filtered to each candidate) "
        "or merged_prs (the engineering dashboard's throughput)"
    )
    order: Literal["highest", "lowest"] = Field(
        "highest", description="highest: the highest figure first (slowest, most failures)"
    )


# The repositories that may have a figure over the days: a deployment
# finished in them, a PR merged in them or shipped by a deployment finished
# in them, an incident of theirs. The others have none for any metric, and
# each candidate costs the metric's statements: ranking every repository of
# a tenant of 2 000 took 8 s a question, for 2 000 without a figure.
_REPOSITORIES = """
SELECT r.id, r.full_name AS name FROM repositories r
WHERE EXISTS (SELECT 1 FROM deployments d WHERE d.repository_id = r.id
              AND d.finished_at >= :start AND d.finished_at < :end)
   OR EXISTS (SELECT 1 FROM prs p WHERE p.repository_id = r.id
              AND p.merged_at >= :start AND p.merged_at < :end)
   OR EXISTS (SELECT 1 FROM prs p JOIN deployments_prs dp ON dp.pr_id = p.id
              JOIN deployments d ON d.id = dp.deployment_id
              WHERE p.repository_id = r.id AND d.finished_at >= :start AND d.finished_at < :end)
   OR EXISTS (SELECT 1 FROM incidents i WHERE i.repository_id = r.id)
ORDER BY r.full_name
"""
_ALL_REPOSITORIES = "SELECT count(*) AS n FROM repositories"
# The names said as not ranked, at most.
UNRANKED_SHOWN = 10
# The authors of the PRs merged in the period, each with how many: the
# engineering dashboard's throughput filtered to them (its ``pr_filter``,
# without the author), so PRs merged need no statement per author.
_MERGED_BY_AUTHOR = """
SELECT pr.author AS name, count(*) AS n FROM prs pr
WHERE pr.merged_at >= :start AND pr.merged_at < :end AND pr.author IS NOT NULL {pr_filter}
GROUP BY pr.author ORDER BY pr.author
"""


def merged_by_author(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The statement of the authors (and their PRs merged) over ``scope``'s
    days and repositories."""
    f = pr_filter(scope.model_copy(update={"authors": ()}))
    sql = q.render(_MERGED_BY_AUTHOR, pr_filter=f.sql)
    return sql, {**f.params, "start": scope.start, "end": scope.end}


@dataclass(frozen=True)
class _Scored:
    name: str
    id: int | None
    value: float | None
    figure: str
    # What ranks it (None: not ranked): (0, value), or, for a recovery time
    # without a median because most incidents are still open, (1, the share
    # open): slower than any median, the most open the slowest.
    key: tuple[int, float] | None


def _figure(
    conn: Connection, metric: Ranked, scope: Scope, rules: DoraRules, bench: Benchmarks
) -> tuple[float | None, str, tuple[int, float] | None]:
    if metric == "merged_prs":
        return _merged(engineering(conn, scope).merged_prs)
    fig = FIGURES[metric](conn, scope, rules, bench)
    open_ = unresolved(fig)
    words = figure_words(metric, fig.value, fig.unit, fig.sample_size, unresolved=open_)
    if fig.value is None and open_:
        # Most incidents still open: slower than any median, the most open
        # (as a share of the sample) the slowest.
        return None, words, (1, open_ / fig.sample_size)
    return fig.value, words, None if fig.value is None else (0, fig.value)


def _merged(n: int) -> tuple[float | None, str, tuple[int, float] | None]:
    # None merged by them under the dashboard's rules: no figure to rank.
    return n or None, fmt_count(n, "PR merged", "PRs merged"), (0, n) if n else None


def rank_tool(ctx: ToolContext, args: RankArgs) -> ToolOutput:
    if args.subject == "repositories":
        # Each repository is a candidate: none narrows them.
        args = args.model_copy(update={"repository": None})
    with ctx.read() as conn:
        # A repository or author: the dashboards' filters, which each
        # candidate's own replaces.
        scope, words = narrowed(conn, args)
        if args.subject == "repositories":
            rows = q.rows(conn, _REPOSITORIES, {"start": scope.start, "end": scope.end})
            filters = [{"repository_ids": (r.id,)} for r in rows]
            idle = int(q.rows(conn, _ALL_REPOSITORIES, {})[0].n) - len(rows)
        else:
            rows = q.rows(conn, *merged_by_author(scope))
            filters = [{"authors": (r.name,)} for r in rows]
            idle = 0
        rules, bench = load_rules(conn), benchmarks(ctx.clients)
        scored = []
        for r, f in zip(rows, filters, strict=True):
            if args.subject == "authors" and args.metric == "merged_prs":
                # Counted by the authors' statement already.
                value, figure, key = _merged(r.n)
            else:
                one = scope.model_copy(update=f)
                value, figure, key = _figure(conn, args.metric, one, rules, bench)
            scored.append(_Scored(r.name, getattr(r, "id", None), value, figure, key))
        # Without a figure (no deployment, no merged PR): not ranked, said.
        counted = [(s, s.key) for s in scored if s.key is not None]
        sign = -1 if args.order == "highest" else 1
        # By figure, then name: the order of a tie is the alphabet's.
        counted.sort(key=lambda sk: (sign * sk[1][0], sign * sk[1][1], sk[0].name))
        places = _places([s for s, _ in counted])
        cites = links.cite(conn, "repository", [s.id for s, _ in places if s.id is not None])
    data = {
        "subject": args.subject,
        "metric": args.metric,
        "order": args.order,
        "narrowed": words,
        "ranked": [
            {"rank": rank, "name": s.name, "value": s.value, "figure": s.figure}
            for s, rank in places
        ],
        "unranked": [s.name for s in scored if s.key is None],
        # Repositories with nothing in the days, not asked (not ranked either).
        "idle": idle,
    }
    top = f", first {places[0][0].name}: {places[0][0].figure}" if places else ""
    return ToolOutput(
        summary=f"{args.subject}{words} by {_name(args.metric)} over {args.days} days{top}",
        data=data,
        citations=cites,
    )


def _places(ordered: list[_Scored]) -> list[tuple[_Scored, int]]:
    """The first ``TOP`` ranks, competition-ranked (1, 1, 3): equal values
    share a rank, and those tied with the last one shown are shown too."""
    out: list[tuple[_Scored, int]] = []
    for i, s in enumerate(ordered):
        rank = out[-1][1] if out and out[-1][0].key == s.key else i + 1
        if rank > TOP:
            break
        out.append((s, rank))
    return out


def _name(metric: str) -> str:
    return "PRs merged" if metric == "merged_prs" else metric_name(metric).lower()


# How a ranking's first is said, by the metric and the order.
_FIRST = {
    ("lead_time", "highest"): "slowest",
    ("lead_time", "lowest"): "fastest",
    ("recovery_time", "highest"): "slowest",
    ("recovery_time", "lowest"): "fastest",
    ("merged_prs", "highest"): "most",
    ("merged_prs", "lowest"): "fewest",
}


def _unranked(names: list[str], idle: int) -> str:
    """Those without a figure, the first few by name (a tenant may have
    thousands of repositories, most idle)."""
    more = len(names) - UNRANKED_SHOWN + idle if len(names) > UNRANKED_SHOWN else idle
    shown = ", ".join(names[:UNRANKED_SHOWN])
    if not shown and not more:
        return ""
    if not more:
        rest = ""
    elif shown:
        rest = f" and {more} more"
    else:  # only idle repositories
        rest = fmt_count(more, "repository", "repositories")
    return f"\nNot ranked, without a figure: {shown}{rest}."


def ranked_answer(out: ToolOutput, when: str) -> str:
    """The top of a ranking (``rankings.rank_tool``), ties on one line."""
    d = out.data
    what = _name(d["metric"])
    who = ("Repositories" if d["subject"] == "repositories" else "Authors") + d["narrowed"]
    first = _FIRST.get((d["metric"], d["order"]), d["order"])
    unranked = _unranked(d["unranked"], d.get("idle", 0))
    if not d["ranked"]:
        return f"No {who[0].lower()}{who[1:]} had a {what} figure {when}.{unranked}"
    places: dict[int, list[dict[str, Any]]] = {}
    for row in d["ranked"]:
        places.setdefault(row["rank"], []).append(row)
    # Tied ones on one line, each with its figure (the same value, perhaps
    # from samples of other sizes).
    lines = [
        f"{rank}. "
        + "; ".join(f"{r['name']}: {r['figure']}" for r in rows)
        + (f" ({len(rows)} tied)" if len(rows) > 1 else "")
        for rank, rows in places.items()
    ]
    return f"{who} by {what} {when}, {first} first:\n" + "\n".join(lines) + unranked
