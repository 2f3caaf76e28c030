"""A semantic answer's order: the hits above the model's relevance cut-off,
then the word matches, and in each group the rows the query names exactly
(an issue key, a pull request) first, then by semantic similarity.

Word matches and named rows are looked up among all the tenant's rows in
scope, by index (``rows.named``, ``rows.fulltext``), not only among the
nearest neighbours: MiniLM scores an issue key by its project's prefix, so
"ENG-1234" has a hundred other ENG items nearer than ENG-1234 itself in a
large tenant, and a rare word of a title may score under 0.1. Their score
is their semantic similarity (the neighbours' from the search, the others'
asked of the collection by point id; 0 for a row not embedded yet), so the
answer stays ranked by one measure within each group, and a row at or above
the cut-off is a ``meaning`` hit wherever it was found.
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


def ranked(conn: Connection, params: SearchParams, scope: Scope, found: Found) -> list[SearchHit]:
    """Up to ``params.limit`` results, hydrated from the tenant's rows within
    the filters; word matches are looked up only when the hits above the
    cut-off leave room, the named row always (one btree probe)."""
    floor = found.floor
    relevant = [h for h in found.hits if floor is None or h.score >= floor]
    close = hydrate(conn, relevant[: params.limit + SPARE], scope)
    names = named(conn, params.q, scope)
    words = fulltext(conn, params, scope, prefer=found.hits) if len(close) < params.limit else []
    seen = {(h.type, h.id) for h in close}
    extra: dict[Row, SearchHit] = {}
    for h in [*names, *words]:
        if (h.type, h.id) not in seen:
            extra.setdefault((h.type, h.id), h)
    score = {(h.kind, h.row_id): h.score for h in found.hits}
    score |= found.similarity([row for row in extra if row not in score])
    for row, h in extra.items():
        similarity = score.get(row, 0.0)
        near = floor is not None and similarity >= floor
        by = MatchedBy.meaning if near else MatchedBy.words
        extra[row] = h.model_copy(update={"score": round(similarity, 6), "matched_by": by})
    first = {(h.type, h.id) for h in names}
    everything = [*close, *extra.values()]
    everything.sort(
        key=lambda h: (h.matched_by is MatchedBy.meaning, (h.type, h.id) in first, h.score),
        reverse=True,
    )
    return everything[: params.limit]
