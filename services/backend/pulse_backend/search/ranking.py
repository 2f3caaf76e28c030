"""A semantic answer's order: the rows the query names exactly (an issue
key, a pull request) first, then the hits above the model's relevance
cut-off, then the word matches, each group by semantic similarity. A named
row comes first even when its similarity is under the cut-off: "#482" names
a pull request whose text need not hold "482", and a row that mentions
#482 three times is nearer in meaning than the pull request itself.

Word matches and named rows are looked up among all the tenant's rows in
scope, by index (``rows.named``, ``rows.fulltext``), not only among the
nearest neighbours: MiniLM scores an issue key by its project's prefix, so
"ENG-1234" has a hundred other ENG items nearer than ENG-1234 itself in a
large tenant, and a rare word of a title may score under 0.1. Their score
is their semantic similarity (the neighbours' from the search, the others'
asked of the collection by point id; 0 for a row not embedded yet), so the
answer stays ranked by one measure within each group, and a row at or above
the cut-off is a ``meaning`` hit wherever it was found.

The full-text answer (``by_words``, no vector store) puts the named rows
first too, then the word matches by full-text rank: "ENG-482" is also in
the text of every item that mentions it, often more times than in its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from pulse_backend.search.rows import Scope, fulltext, hydrate, named
from pulse_backend.search.schemas import MatchedBy, SearchHit, SearchParams
from pulse_common.search import vectors
from pulse_common.search.documents import Kind

# Hits whose rows are gone are dropped at hydration: ask for a few more.
SPARE = 10

Row = tuple[Kind, int]


@dataclass
class Found:
    """The nearest points, the relevance cut-off of the model that embedded
    the query (None: every hit is shown), and a way to ask the similarity of
    other rows to the query."""

    hits: list[vectors.Hit]
    floor: float | None
    similarity: Callable[[Sequence[Row]], dict[Row, float]]


@dataclass
class Gathered:
    """A semantic answer's rows, read in one transaction (``gather``): the
    hits above the cut-off, the rows the query names, the word matches."""

    close: list[SearchHit]
    names: list[SearchHit]
    words: list[SearchHit]


def gather(conn: Connection, params: SearchParams, scope: Scope, found: Found) -> Gathered:
    """The hits above the cut-off hydrated from the tenant's rows within the
    filters; word matches are looked up only when those leave room, the
    named row always (one btree probe)."""
    floor = found.floor
    relevant = [h for h in found.hits if floor is None or h.score >= floor]
    close = hydrate(conn, relevant[: params.limit + SPARE], scope)
    names = named(conn, params.q, scope)
    words = fulltext(conn, params, scope, prefer=found.hits) if len(close) < params.limit else []
    return Gathered(close, names, words)


def ranked(params: SearchParams, found: Found, rows: Gathered) -> list[SearchHit]:
    """Up to ``params.limit`` results in the answer's order. The similarity
    of the named rows and word matches that were not among the hits is asked
    of the vector store here, after the transaction that read them."""
    floor = found.floor
    close = rows.close
    extra = _union([*rows.names, *rows.words], seen={(h.type, h.id) for h in close})
    score = {(h.kind, h.row_id): h.score for h in found.hits}
    score |= found.similarity([row for row in extra if row not in score])
    for row, h in extra.items():
        similarity = score.get(row, 0.0)
        near = floor is not None and similarity >= floor
        by = MatchedBy.meaning if near else MatchedBy.words
        extra[row] = h.model_copy(update={"score": round(similarity, 6), "matched_by": by})
    first = {(h.type, h.id) for h in rows.names}
    everything = [*close, *extra.values()]
    everything.sort(
        key=lambda h: ((h.type, h.id) in first, h.matched_by is MatchedBy.meaning, h.score),
        reverse=True,
    )
    return everything[: params.limit]


def by_words(conn: Connection, params: SearchParams, scope: Scope) -> list[SearchHit]:
    """The full-text answer: the rows the query names, then the rows holding
    its words by full-text rank; up to ``params.limit``. A named row that
    holds the words too keeps its rank as its score (0 otherwise)."""
    names = named(conn, params.q, scope)
    words = fulltext(conn, params, scope)
    return list(_union([*names, *words]).values())[: params.limit]


def _union(hits: Sequence[SearchHit], seen: set[Row] | None = None) -> dict[Row, SearchHit]:
    """Each row of ``hits`` not in ``seen`` once, where it first appears,
    with the best score it was found with."""
    out: dict[Row, SearchHit] = {}
    for h in hits:
        row = (h.type, h.id)
        if seen is not None and row in seen:
            continue
        if row not in out or h.score > out[row].score:
            out[row] = h  # an existing key keeps its place
    return out
