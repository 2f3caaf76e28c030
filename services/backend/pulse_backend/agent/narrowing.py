"""What narrows a tool's PRs as the dashboards' filters do (``pr_filter``):
a repository and an author, given by the model or read from a question in
local mode (``named``), resolved to the tenant's rows (``narrowed``) so the
answer names them as the tenant spells them. The open PRs and the
engineering flow take them."""

from __future__ import annotations

import re

from pydantic import Field
from sqlalchemy import Connection

from pulse_backend.agent.toolkit import Period, ToolContext
from pulse_common.analytics import queries as q
from pulse_common.analytics.scope import Scope
from pulse_common.errors import NotFound


class UnknownName(NotFound):
    """A repository or author the tenant's PRs do not have: "no open PR in
    it" would read as an answer about a real one."""

    code = "unknown_name"


class NarrowedPeriod(Period):
    repository: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="only this repository: its full name (org/repo) or its name",
    )
    author: str | None = Field(
        None, min_length=1, max_length=255, description="only PRs by this author (their login)"
    )


_REPOSITORY = """
SELECT id, full_name FROM repositories
WHERE lower(full_name) = lower(:name) OR lower(split_part(full_name, '/', 2)) = lower(:name)
ORDER BY full_name
"""
_AUTHOR = "SELECT DISTINCT author FROM prs WHERE lower(author) = lower(:name) ORDER BY author"


# The names a question may narrow by, of those its words could be: the
# repositories one of its words spells (full name or name), and the PR
# authors one of the words that can name a person is (``_PERSON``). One
# query, whatever the tenant's size: no list of every author to match
# against the question, and no login that is also a common word read from
# anywhere else in it.
_NAMES = """
SELECT 'repository' AS kind, full_name AS name FROM repositories
WHERE lower(full_name) = ANY(:words) OR lower(split_part(full_name, '/', 2)) = ANY(:words)
UNION
SELECT DISTINCT 'author', author FROM prs WHERE lower(author) = ANY(:people)
"""
# A word spelling a repository: letters, digits and "/._-", without the
# sentence's own trailing dot or dash ("in web.", "acme/api-gateway").
_WORD = re.compile(r"[\w/.-]*\w")
# Words that can name a person: after "by", "from", "of", "for" or "with",
# or with "'s" ("by ada", "ada's"); a login has letters, digits and dashes.
_PERSON = re.compile(r"\b(?:by|from|of|for|with) ([\w-]+)|(?<![\w/.-])([\w-]+)['\u2019]s\b", re.I)
# Words after those that name no person ("for the last month", "of our
# PRs"): never looked up, though a login may spell one.
_NO_PERSON = frozenset(
    {
        *("a", "an", "the", "this", "that", "these", "those", "last", "next", "previous"),
        *("all", "any", "each", "every", "no", "one", "some", "more", "most", "what", "which"),
        *("me", "my", "us", "our", "ours", "we", "you", "your", "it", "its", "they", "them"),
        *("their", "her", "his", "who", "whom", "anyone", "someone", "everyone", "nobody"),
    }
)


def named(ctx: ToolContext, question: str) -> dict[str, str]:
    """The repository and author ``question`` names, as the tool's
    arguments (local mode): a repository by its full name or its name
    ("acme/api", "api"), an author by their login after "by", "from",
    "of", "for" or "with", or with "'s" ("by ada", "ada's"), so a login that
    is also a word ("will") is not read as one elsewhere. Any case, whole
    words, the longest name first ("acme/api-gateway" before "acme/api")."""
    words = sorted({w.lower() for w in _WORD.findall(question)})
    people = sorted(
        {p.lower() for m in _PERSON.finditer(question) for p in m.groups() if p} - _NO_PERSON
    )
    with ctx.read() as conn:
        rows = q.rows(conn, _NAMES, {"words": words, "people": people})
    out: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: (-len(r.name), r.name)):
        out.setdefault(r.kind, r.name)
    return out


def narrowed(conn: Connection, args: NarrowedPeriod) -> tuple[Scope, str]:
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
