"""What narrows a tool's PRs as the dashboards' filters do (``pr_filter``):
a repository and an author, given by the model or read from a question in
local mode (``named``), resolved to the tenant's rows (``narrowed``) so the
answer names them as the tenant spells them. The open PRs and the
engineering flow take them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pydantic import Field
from sqlalchemy import Connection

from pulse_backend.agent import name_words
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
# repositories it names where a repository's name stands (full name or
# name), and the people (PR authors and reviewers) whose login a word
# standing where a name stands is, or begins with ("ada" for
# "ada-lovelace"). One query, whatever the tenant's size, each side
# filtered before the union: no list of every login to match against the
# question; the people's side is not asked when no word may name one.
_REPOSITORIES_NAMED = """
SELECT 'repository' AS kind, full_name AS name FROM repositories
WHERE lower(full_name) = ANY(:full) OR lower(split_part(full_name, '/', 2)) = ANY(:bare)
"""
# One LIKE per pattern, ORed, not LIKE ANY(array): each is then a range of
# the lower-cased login indexes (ix_prs_author_lower,
# ix_prs_reviews_reviewer_lower), where LIKE ANY read every PR and review.
_PEOPLE_NAMED = """
SELECT DISTINCT 'person' AS kind, author AS name FROM prs WHERE {authors}
UNION
SELECT DISTINCT 'person', reviewer FROM prs_reviews WHERE {reviewers}
"""


def people_named(logins: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The people's side of the lookup, a statement of its own: the
    logins ``logins`` (LIKE patterns) match, authors and reviewers."""
    params = {f"login{i}": p for i, p in enumerate(logins)}

    def matched(column: str) -> str:
        return "(" + " OR ".join(f"lower({column}) LIKE :{k}" for k in params) + ")"

    sql = _PEOPLE_NAMED.format(authors=matched("author"), reviewers=matched("reviewer"))
    return sql, params


_REPOSITORIES = "SELECT full_name FROM repositories ORDER BY full_name"
# The repositories an unknown one's message lists, at most (a tenant may have hundreds).
LISTED = 10


# The people an ambiguous name is said to be, at most.
SHOWN = 5
# The words standing where a name stands that are looked up, the first said:
# each is a LIKE pattern tried on every author and reviewer row, and a
# 4 000-character question "by aa by ab …" made 659 of them, 37 µs a row
# (about 10 s of the database for a tenant of 100 000 PRs and their reviews,
# every time a member asked it). A question names one person, two at most.
ASKED = 8


class AmbiguousName(UnknownName):
    """A first name or login prefix more than one person's login begins with."""

    code = "ambiguous_name"


def ambiguous(word: str, names: Sequence[str]) -> AmbiguousName:
    """The question back when ``word`` is several people's name."""
    listed = list(names) if len(names) <= SHOWN else [*names[: SHOWN - 1], "others"]
    return AmbiguousName(
        f"“{word}” could be {', '.join(listed[:-1])} or {listed[-1]} "
        f"({len(names)} people): which one do you mean?"
    )


def _like(word: str, prefix: bool) -> str:
    # A login's own "_" or "%" is no wildcard (backslash is LIKE's escape).
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%" if prefix else escaped


# The person the intents' exemplars name ("what does ada review").
ANYONE = "ada"


def as_anyone(question: str) -> str:
    """``question`` with each person it names for sure ("did bo merge", "by
    Frank") as the exemplars' person: the embedding knows "bo" as no name,
    and "what does bo review?" reads as review time, not as bo's reviews."""
    for start, end in reversed(name_words.sure_spans(question)):
        question = question[:start] + ANYONE + question[end:]
    return question


def _unknown_repository(conn: Connection, name: str) -> UnknownName:
    known = [r.full_name for r in q.rows(conn, _REPOSITORIES, {})]
    listed = ", ".join(known[:LISTED]) or "none yet"
    if len(known) > LISTED:
        listed += f" and {len(known) - LISTED} more"
    return UnknownName(f"this tenant has no repository named “{name}” (its repositories: {listed})")


def named(ctx: ToolContext, question: str, people: bool = True) -> dict[str, str]:
    """The repository and person ``question`` names, as the tool's
    arguments (local mode): a repository by its full name anywhere, or by
    its name where a repository's stands ("in api", "api's", "the api
    repo"); a person by their login, or its beginning ("ada", "Ada" for
    "ada-l") when the word is none of the questions' vocabulary, where a
    name stands (``name_words``), so a login that is also a word ("will")
    is not read as one elsewhere. Any case, whole words, the longest
    repository name first ("acme/api-gateway" before "acme/api"). Raises
    ``UnknownName`` for a repository named as one ("the payments repo") or
    a person named explicitly ("by Zed", "@zed") that the tenant has none
    of, ``AmbiguousName`` for a person several logins begin with.
    ``people`` False: the repository only (a work item's person is no
    login: ``assignees``)."""
    said = name_words.people(question)[:ASKED] if people else []
    where = name_words.repositories(question)
    sql = _REPOSITORIES_NAMED
    params: dict[str, Any] = {"full": sorted(where.full), "bare": sorted(where.bare)}
    if said:
        who, patterns = people_named([_like(p.word, p.prefix) for p in said])
        sql, params = f"{sql} UNION {who}", {**params, **patterns}
    with ctx.read() as conn:
        rows = q.rows(conn, sql, params)
        repos = sorted((r.name for r in rows if r.kind == "repository"), key=lambda n: (-len(n), n))
        out = {"repository": repos[0]} if repos else {}
        if where.said and not repos:
            raise _unknown_repository(conn, min(where.said))
    logins = sorted({r.name for r in rows if r.kind == "person"})
    repo_words = {n.lower() for n in repos} | {n.lower().split("/")[-1] for n in repos}
    for person in said:
        word = person.word
        if word in repo_words:
            continue  # "of web": the repository, not a person
        exact = [n for n in logins if n.lower() == word]
        begun = exact or [n for n in logins if person.prefix and n.lower().startswith(word)]
        if len(begun) == 1:
            return out | {"author": begun[0]}
        if len(begun) > 1:
            raise ambiguous(word, begun)
        if person.explicit:
            raise UnknownName(f"no one named “{word}” authored or reviewed a pull request here")
    return out


def as_arguments(names: dict[str, str], fields: Collection[str]) -> dict[str, str]:
    """The repository and person a question names, as the arguments of a
    tool that narrows by them (a DORA metric, open PRs, the engineering
    flow: the author; the review load: the reviewer)."""
    out = {k: v for k, v in names.items() if k in fields and k != "author"}
    if "author" in names:
        for field in ("author", "reviewer"):
            if field in fields:
                out[field] = names["author"]
                break
    return out


def not_narrowed(names: dict[str, str], fields: Collection[str], tool: str) -> str:
    """What the answer could not narrow to: said, not silently ignored (a
    ranking by repository names every repository anyway)."""
    left = []
    if "repository" in names and "repository" not in fields and not tool.endswith("repository"):
        left.append(f"the repository {names['repository']}")
    if "author" in names and not {"author", "reviewer"} & set(fields):
        left.append(names["author"])
    if not left:
        return ""
    return (
        f"\n(These figures are the whole tenant's: I cannot narrow them to {' and '.join(left)}.)"
    )


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
