"""The person a work-items question names, as Jira spells them: a work
item's assignee is the Jira user's display name ("Linus Torvalds", stored
by the ETL's Jira loader), never a GitHub login ("torvalds"), so a
person's work items are looked up among the assignees, not among the PR
authors (``narrowing`` keeps logins for PRs and reviews). A name matches
an assignee when it is one of the assignee's words ("linus", "Torvalds"),
any case, or the whole of it ("Linus Torvalds", said anywhere in the
question)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from pulse_backend.agent import name_words, narrowing
from pulse_backend.agent.narrowing import UnknownName
from pulse_backend.agent.toolkit import ToolContext
from pulse_backend.catalog import ASSIGNEE_NAMES
from pulse_backend.replica_conflicts import read_on_primary_once
from pulse_common.analytics import queries as q

# The distinct assignees first, then the match on those few names: a word
# of a name (split at "-" too, so "luc" is one of "Jean-Luc"'s), or a name
# of two words or more said whole in the question, spaced as ``_spaced``
# spaces it (a one-word name is matched as a word, where a name stands).
# The names are ``catalog.ASSIGNEE_NAMES``'s skip scan of the assignee index.
_NAMED = rf"""{ASSIGNEE_NAMES}SELECT name FROM names,
    LATERAL (SELECT btrim(regexp_replace(lower(name), '[^[:alnum:]_-]+', ' ', 'g')) AS spaced) s
WHERE name IS NOT NULL AND (regexp_split_to_array(s.spaced, ' ')
      || regexp_split_to_array(lower(name), '[^[:alnum:]_]+') && CAST(:words AS text[])
   OR (s.spaced LIKE '% %' AND strpos(:spaced, ' ' || s.spaced || ' ') > 0))
ORDER BY name
"""
# An assignee spelled exactly: stops at the first of their work items.
EXACT = "SELECT 1 FROM work_items WHERE assignee = :name LIMIT 1"
_WORD = re.compile(r"[\w-]+")
# ``pulse_replica_conflicts_total``'s outcome for local mode's lookup of the
# names a question says, read again on the primary after the replica
# cancelled it.
NAMES_RETRIED = "names_retried_on_primary"


def _spaced(text: str) -> str:
    """``text``'s words, lower-cased, one space apart and around."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _words_of(name: str) -> set[str]:
    return set(_WORD.findall(name.lower())) | set(re.findall(r"\w+", name.lower()))


def named_statement(words: Sequence[str], said: str) -> tuple[str, dict[str, Any]]:
    """The lookup of the assignees ``words`` are a word of, or whose whole
    name ``said`` says: the statement and its parameters."""
    return _NAMED, {"words": list(words), "spaced": _spaced(said)}


def _candidates(conn: Connection, words: Sequence[str], said: str) -> list[str]:
    sql, params = named_statement(words, said)
    return [r.name for r in q.rows(conn, sql, params)]


def _whole(names: list[str], said: str) -> list[str]:
    """The names said whole in ``said``, the longest only ("Linus
    Torvalds", not also an assignee "Linus")."""
    spaced = _spaced(said)
    whole = [n for n in names if " " in _spaced(n).strip() and _spaced(n) in spaced]
    longest = max((len(_spaced(n)) for n in whole), default=0)
    return [n for n in whole if len(_spaced(n)) == longest]


def _named(conn: Connection, question: str) -> str | None:
    """The assignee ``question`` names: one whose whole name it says, else
    one a word standing where a name stands (``name_words``) is a word of.
    ``AmbiguousName`` when that word is several assignees', ``UnknownName``
    when a name said explicitly ("what did Zed work on") is no one's."""
    people = name_words.people(question)[: narrowing.ASKED]
    names = _candidates(conn, [p.word for p in people], question)
    whole = _whole(names, question)
    if len(whole) == 1:
        return whole[0]
    for person in people:
        theirs = [n for n in names if person.word in _words_of(n)]
        if len(theirs) == 1:
            return theirs[0]
        if theirs:
            raise narrowing.ambiguous(person.word, theirs)
        if person.explicit:
            raise UnknownName(f"no work item here is assigned to anyone named “{person.word}”")
    return None


def named(ctx: ToolContext, question: str, by_assignee: bool) -> dict[str, str]:
    """What ``question`` narrows a tool to (local mode, ``narrowing.named``):
    for a tool ``by_assignee``, its person is an assignee, not a login."""
    # Read before the tool runs, outside ``Tool.run``: a read the replica
    # cancels runs once more on the primary as a tool's does, instead of
    # breaking the local answer's stream.
    return read_on_primary_once(
        ctx.clients.metrics, NAMES_RETRIED, lambda: _looked_up(ctx, question, by_assignee)
    )


def _looked_up(ctx: ToolContext, question: str, by_assignee: bool) -> dict[str, str]:
    if not by_assignee:
        return narrowing.named(ctx, question)
    out = narrowing.named(ctx, question, people=False)
    with ctx.read() as conn:
        who = _named(conn, question)
    return out if who is None else out | {"author": who}


def resolved(conn: Connection, name: str) -> str:
    """The one assignee ``name`` (a tool's argument: a full name, a first
    name, a surname) is: the one it spells whole, else the one with all
    its words."""
    if q.rows(conn, EXACT, {"name": name}):
        return name  # as local mode resolved it: no second look at every name
    words = sorted(_words_of(name))
    names = _candidates(conn, words, name)
    exact = [n for n in names if _spaced(n) == _spaced(name)]
    having = exact or [n for n in names if set(words) <= _words_of(n)]
    if len(having) == 1:
        return having[0]
    if having:
        raise narrowing.ambiguous(name, having)
    raise UnknownName(f"no work item here is assigned to anyone named “{name}”")
