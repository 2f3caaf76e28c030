"""What narrows a tool's PRs as the dashboards' filters do (``pr_filter``):
a repository and an author, given by the model or read from a question in
local mode (``named``), resolved to the tenant's rows (``narrowed``) so the
answer names them as the tenant spells them. The open PRs and the
engineering flow take them."""

from __future__ import annotations

import re
from collections.abc import Collection

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
# repositories one of its words spells (full name or name), and the people
# (PR authors and reviewers) whose login one of the words that can name a
# person is, or begins with ("ada" for "ada-lovelace"). One query, whatever
# the tenant's size: no list of every login to match against the question,
# and no login that is also a common word read from anywhere else in it.
_NAMES = """
SELECT 'repository' AS kind, full_name AS name FROM repositories
WHERE lower(full_name) = ANY(:words) OR lower(split_part(full_name, '/', 2)) = ANY(:words)
UNION
SELECT 'person', who FROM (
    SELECT author AS who FROM prs UNION SELECT reviewer FROM prs_reviews
) AS people
WHERE lower(who) LIKE ANY(:prefixes)
"""
_REPOSITORIES = "SELECT full_name FROM repositories ORDER BY full_name"
# A word spelling a repository: letters, digits and "/._-", without the
# sentence's own trailing dot or dash ("in web.", "acme/api-gateway").
_WORD = re.compile(r"[\w/.-]*\w")
# Words that name a person for sure: after "by", with "'s", or in a question
# asking how many, what or which, between an auxiliary and a verb of making
# or reviewing PRs ("how many PRs did ada merge", "what does bo review"; not
# "did bo merge anything?", where "bo" may be a word): one nobody's login is
# said to be no one's...
_SURE_PERSON = re.compile(
    r"\bby ([\w-]+)|(?<![\w/.-])([\w-]+)['\u2019]s\b|"
    r"\b(?:how|what|which|who)\b[^?.!]*?\b(?:did|does|do|has|have|had|is|was) ([\w-]+) "
    r"(?:merg|review|ship|deploy|open|"
    r"author|writ|wrote|approv|fix|work)",
    re.I,
)
# ...and words that may name one: after "from", "of", "for" or "with"
# ("PRs from ada", but "lead time for changes").
_MAYBE_PERSON = re.compile(r"\b(?:from|of|for|with) ([\w-]+)", re.I)
# Words after those that name no person ("for the last month", "of our
# PRs", "by repository"): never looked up, though a login may spell one.
_NO_PERSON = frozenset(
    {
        *("a", "an", "the", "this", "that", "these", "those", "last", "next", "previous"),
        *("all", "any", "each", "every", "no", "one", "some", "more", "most", "what", "which"),
        *("me", "my", "us", "our", "ours", "we", "you", "your", "it", "its", "they", "them"),
        *("their", "her", "his", "who", "whom", "anyone", "someone", "everyone", "nobody"),
        *("i", "he", "she", "team", "repository", "repo", "service", "week", "month"),
        *("day", "quarter", "year", "author", "reviewer", "person", "people"),
        *("already", "ever", "also", "still", "just", "never", "really", "actually", "not"),
    }
)
# A repository named as one, whatever it is ("the payments repo", "in
# acme/payments"): a name the tenant has none of is said, not ignored.
_SAID_REPOSITORY = re.compile(
    r"\b(?:in|for|of|from|on) (?:the )?([\w.-]+) (?:repo|repository)\b|"
    r"\b(?:in|for|of|from|on) (?:the )?(?:repo|repository) ([\w.-]*\w)|"
    r"\b(?:in|for|of|from|on) (?:the )?([\w.-]+/[\w.-]*\w)",
    re.I,
)


# The people an ambiguous name is said to be, at most.
SHOWN = 5


class AmbiguousName(UnknownName):
    """A first name or login prefix more than one person's login begins with."""

    code = "ambiguous_name"


def _like(word: str) -> str:
    # A login's own "_" or "%" is no wildcard (backslash is LIKE's escape).
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _words(pattern: re.Pattern[str], question: str) -> set[str]:
    return {p.lower() for m in pattern.finditer(question) for p in m.groups() if p} - _NO_PERSON


# The person the intents' exemplars name ("what does ada review").
ANYONE = "ada"


def as_anyone(question: str) -> str:
    """``question`` with each person it names for sure ("did bo merge", "by
    Frank") as the exemplars' person: the embedding knows "bo" as no name,
    and "what does bo review?" reads as review time, not as bo's reviews."""
    for m in reversed(list(_SURE_PERSON.finditer(question))):
        for g in range(1, (m.lastindex or 0) + 1):
            who = m.group(g)
            if who and who.lower() not in _NO_PERSON:
                question = question[: m.start(g)] + ANYONE + question[m.end(g) :]
    return question


def named(ctx: ToolContext, question: str) -> dict[str, str]:
    """The repository and person ``question`` names, as the tool's
    arguments (local mode): a repository by its full name or its name
    ("acme/api", "api"), a person by their login or its beginning ("ada",
    "Ada" for "ada-l") after "by", "from", "of", "for" or "with", with "'s",
    or between an auxiliary and a verb ("did ada merge"), so a login that is
    also a word ("will") is not read as one elsewhere. Any case, whole
    words, the longest repository name first ("acme/api-gateway" before
    "acme/api"). Raises ``UnknownName`` for a repository named as one
    ("the payments repo") or a person named for sure ("by zed") that the
    tenant has none of, ``AmbiguousName`` for a person several logins begin
    with."""
    words = sorted({w.lower() for w in _WORD.findall(question)})
    sure, maybe = _words(_SURE_PERSON, question), _words(_MAYBE_PERSON, question)
    said = _words(_SAID_REPOSITORY, question)
    people = sorted(sure | maybe)
    with ctx.read() as conn:
        rows = q.rows(
            conn,
            _NAMES,
            {"words": sorted({*words, *said}), "prefixes": [_like(p) for p in people]},
        )
        repos = sorted((r.name for r in rows if r.kind == "repository"), key=lambda n: (-len(n), n))
        out = {"repository": repos[0]} if repos else {}
        if said and not repos:
            known = ", ".join(r.full_name for r in q.rows(conn, _REPOSITORIES, {}))
            raise UnknownName(
                f"this tenant has no repository named “{min(said)}” "
                f"(its repositories: {known or 'none yet'})"
            )
    logins = sorted({r.name for r in rows if r.kind == "person"})
    for word in people:
        if word in {n.lower() for n in repos} | {n.lower().split("/")[-1] for n in repos}:
            continue  # "of web": the repository, not a person
        exact = [n for n in logins if n.lower() == word]
        begun = exact or [n for n in logins if n.lower().startswith(word)]
        if len(begun) == 1:
            return out | {"author": begun[0]}
        if len(begun) > 1:
            listed = begun if len(begun) <= SHOWN else [*begun[: SHOWN - 1], "others"]
            raise AmbiguousName(
                f"“{word}” could be {', '.join(listed[:-1])} or {listed[-1]} "
                f"({len(begun)} people): which one do you mean?"
            )
        if word in sure:
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
