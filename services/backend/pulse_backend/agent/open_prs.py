"""Pull requests still open: opened in the period and open now (the
source's state: neither merged nor closed), oldest first, each with its
age, repository, author and who has reviewed it. A review by the PR's own
author is no review (as the engineering dashboard's review time counts
only reviews by someone else), so a PR only its author commented on is
still waiting for review. The repository and author narrow the PRs as the
dashboards' filters do (``pr_filter``); the answer also says how many
open PRs were opened before the period, which a stale-PR question is
after."""

from __future__ import annotations

import re

from pydantic import Field
from sqlalchemy import Connection

from pulse_backend.agent import links
from pulse_backend.agent.models import ToolOutput
from pulse_backend.agent.toolkit import Period, ToolContext
from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_common.analytics import queries as q
from pulse_common.analytics.lead_time import pr_filter
from pulse_common.analytics.scope import Scope
from pulse_common.errors import NotFound

# Listed and cited; the answer says how many more are open.
TOP = 10


class UnknownName(NotFound):
    """A repository or author the tenant's PRs do not have: "no open PR in
    it" would read as an answer about a real one."""

    code = "unknown_name"


class OpenPrArgs(Period):
    repository: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="only this repository: its full name (org/repo) or its name",
    )
    author: str | None = Field(
        None, min_length=1, max_length=255, description="only PRs by this author (their login)"
    )


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

_REPOSITORY = """
SELECT id, full_name FROM repositories
WHERE lower(full_name) = lower(:name) OR lower(split_part(full_name, '/', 2)) = lower(:name)
ORDER BY full_name
"""
_AUTHOR = "SELECT DISTINCT author FROM prs WHERE lower(author) = lower(:name) ORDER BY author"


# Every name a question may narrow by: the repositories and the PR authors.
_NAMES = (
    "SELECT 'repository' AS kind, full_name AS name FROM repositories "
    "UNION SELECT 'author', author FROM prs WHERE author IS NOT NULL"
)


def named(ctx: ToolContext, question: str) -> dict[str, str]:
    """The repository and author ``question`` names, as the tool's
    arguments (local mode): a repository by its full name or its name
    ("acme/api", "api"), an author by their login after "by", "from",
    "of" or "for", or with "'s" ("by ada", "ada's"), so a login that is
    also a word ("will") is not read as one elsewhere. Any case, whole
    words, the longest name first ("acme/api-gateway" before "acme/api")."""
    with ctx.read() as conn:
        rows = q.rows(conn, _NAMES, {})
    out: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: (-len(r.name), r.name)):
        if r.kind in out:
            continue
        if r.kind == "repository":
            spelled = "|".join(re.escape(n) for n in {r.name, r.name.rsplit("/", 1)[-1]})
            pattern = rf"(?<![\w/.-])(?:{spelled})(?![\w/-])"
        else:
            name = re.escape(r.name)
            pattern = rf"\b(?:by|from|of|for) {name}(?![\w/-])|(?<![\w/.-]){name}'s\b"
        if re.search(pattern, question, re.I):
            out[r.kind] = r.name
    return out


def _narrowed(conn: Connection, args: OpenPrArgs) -> tuple[Scope, str]:
    """The scope with the repository's ids and the author's login as the
    tenant's rows spell them, and those in words (" in acme/api by ada")."""
    repos: list[int] = []
    authors: list[str] = []
    words = ""
    if args.repository is not None:
        found = q.rows(conn, _REPOSITORY, {"name": args.repository})
        if not found:
            raise UnknownName(f"no repository named {args.repository!r}")
        repos = [r.id for r in found]
        words += " in " + ", ".join(r.full_name for r in found)
    if args.author is not None:
        authors = [r.author for r in q.rows(conn, _AUTHOR, {"name": args.author})]
        if not authors:
            raise UnknownName(f"no pull request by {args.author!r}")
        words += f" by {authors[0]}"
    return args.scope(repository_ids=tuple(repos), authors=tuple(authors)), words


def open_prs_tool(ctx: ToolContext, args: OpenPrArgs) -> ToolOutput:
    with ctx.read() as conn:
        scope, narrowed = _narrowed(conn, args)
        f = pr_filter(scope)
        params = {**f.params, "start": scope.start, "end": scope.end, "limit": TOP}
        listed = q.rows(conn, q.render(_LIST, pr_filter=f.sql), params)
        counts = q.one(conn, q.render(_COUNTS, pr_filter=f.sql), params)
        cites = links.cite(conn, "pr", [r.id for r in listed])
    total = fmt_count(counts.total, "open PR", "open PRs")
    return ToolOutput(
        summary=f"{total}{narrowed} opened over {args.days} days, "
        f"{counts.unreviewed} not reviewed yet",
        data={
            "total": counts.total,
            "unreviewed": counts.unreviewed,
            "older": counts.older,
            "narrowed": narrowed,
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
