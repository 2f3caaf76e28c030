"""The tenant's rows behind search: the filters' scope, the hydration of
vector hits from the replica (under the tenant's role, so a payload can
never point at another tenant's rows), the rows a query names exactly (an
issue key, a pull request) and PostgreSQL full text: the fallback when the
vector store cannot answer, and in semantic mode the word matches after the
hits above the relevance cut-off. Every lookup is an index scan: primary
keys, the unique keys' btrees, the GIN indexes of the searchable text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from pulse_backend.search.schemas import MatchedBy, SearchHit, SearchParams
from pulse_common.search import vectors
from pulse_common.search.documents import ALIAS, FTS_TEXT, SELECT, Kind

SNIPPET = 240
FTS_CONFIG = "english"  # the GIN indexes' (tenant migration e4c7a1f9b3d2)
# Full-text candidates ranked per kind (``fulltext``): ranking 200 rows costs
# about 2 ms, ranking every match of a word in 80,000 work items 650 ms
# (``benchmarks/search.py --words``).
RANKED = 200
# The newest rows of a kind read to tell whether the query's words are common
# enough to find their RANKED newest matches by reading the newest rows
# (``_newest``): 32 parses, about 0.3 ms.
PROBE = 32
_QUERY = f"websearch_to_tsquery('{FTS_CONFIG}', :q)"
# A Jira key (ENG-1234); a pull request (org/repo#123, #123: int4 numbers).
WORK_ITEM_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-[0-9]{1,18}")
PULL_REQUEST = re.compile(r"(?:(?P<repo>[^\s#/]+/[^\s#/]+))?#(?P<number>[0-9]{1,9})")


@dataclass(frozen=True)
class Scope:
    kinds: list[Kind]
    project_ids: list[int] | None
    repository_ids: list[int] | None

    def where(self, kind: Kind) -> str:
        a = ALIAS[kind]
        parts = []
        if self.project_ids is not None:
            parts.append(f"AND {a}.project_id = ANY(:project_ids)")
        if self.repository_ids is not None:
            parts.append(f"AND {a}.repository_id = ANY(:repository_ids)")
        return " ".join(parts)

    def params(self) -> dict[str, Any]:
        return {"project_ids": self.project_ids, "repository_ids": self.repository_ids}


def scope_of(conn: Connection, params: SearchParams) -> Scope:
    kinds = params.kinds()
    project_ids = repository_ids = None
    if params.project is not None:
        kinds = [k for k in kinds if k is not Kind.pull_request]
        project_ids = list(
            conn.execute(
                text("SELECT id FROM projects WHERE key = :k"), {"k": params.project}
            ).scalars()
        )
    if params.repository is not None:
        kinds = [k for k in kinds if k is not Kind.work_item]
        repository_ids = list(
            conn.execute(
                text("SELECT id FROM repositories WHERE full_name = :n"), {"n": params.repository}
            ).scalars()
        )
    return Scope(kinds, project_ids, repository_ids)


def hydrate(conn: Connection, hits: Sequence[vectors.Hit], scope: Scope) -> list[SearchHit]:
    by_kind: dict[Kind, list[int]] = {}
    for h in hits:
        by_kind.setdefault(h.kind, []).append(h.row_id)
    rows: dict[tuple[Kind, int], Any] = {}
    for kind, ids in by_kind.items():
        if kind in scope.kinds:
            where = f"AND {ALIAS[kind]}.id = ANY(:ids)"
            for r in _rows(conn, kind, scope, where, {"ids": ids}):
                rows[(kind, r.id)] = r
    out = []
    for h in hits:
        row = rows.get((h.kind, h.row_id))
        if row is not None:
            out.append(_hit(h.kind, row, h.score, MatchedBy.meaning))
    return out


def named(conn: Connection, q: str, scope: Scope) -> list[SearchHit]:
    """The rows the query names exactly, each found by its unique btree: a
    work item by its key (``ENG-1234``, any case), a pull request by
    ``org/repo#123`` or ``#123`` (in any of the tenant's repositories).
    Their ``score`` is 0: the caller ranks them."""
    out: list[SearchHit] = []
    if Kind.work_item in scope.kinds and WORK_ITEM_KEY.fullmatch(q):
        keys = sorted({q, q.upper()})
        for r in _rows(conn, Kind.work_item, scope, "AND w.key = ANY(:keys)", {"keys": keys}):
            out.append(_hit(Kind.work_item, r, 0.0, MatchedBy.words))
    pr = PULL_REQUEST.fullmatch(q)
    if Kind.pull_request in scope.kinds and pr is not None:
        where = "AND p.number = :number" + (" AND r.full_name = :repo" if pr["repo"] else "")
        bound = {"number": int(pr["number"]), "repo": pr["repo"]}
        for r in _rows(conn, Kind.pull_request, scope, where, bound):
            out.append(_hit(Kind.pull_request, r, 0.0, MatchedBy.words))
    return out


def fulltext(
    conn: Connection,
    params: SearchParams,
    scope: Scope,
    prefer: Sequence[vectors.Hit] = (),
) -> list[SearchHit]:
    """Up to ``params.limit`` rows of each kind whose text holds the query's
    words, found among all the tenant's rows in scope: those in ``prefer``
    first (the semantic neighbours), then by full-text rank, then newest
    first; of all kinds, up to ``params.limit`` again, in the same order.

    Only ``RANKED`` candidates of each kind are ranked: the matches in
    ``prefer``, then the newest (highest id), ``_newest``'s. ``ts_rank``
    parses each row's text again, so a word in most of a large tenant's rows
    cost a parse of every one of them. A word in more rows than ``RANKED``
    gets the best-ranked of its newest matches, not of all of them."""
    if scope.project_ids == [] or scope.repository_ids == []:
        return []
    found: list[SearchHit] = []
    preferred = {(h.kind, h.row_id) for h in prefer}
    for kind in scope.kinds:
        a = ALIAS[kind]
        first = [h.row_id for h in prefer if h.kind is kind]
        newest = _newest(conn, kind, scope, params.q)
        bound = {"q": params.q, "limit": params.limit, "first": first, "ranked": RANKED}
        if newest is None:
            # The planner told not to walk the primary key (``+ 0``): for a
            # word the probe found in few of the newest rows that walk
            # parses rows until enough match, 200 ms for one in 2 %.
            candidates = f"SELECT g.id FROM ({_matching(kind, scope)}"
            candidates += f" ORDER BY {a}.id + 0 DESC LIMIT :ranked) g"
        else:
            candidates, bound["newest"] = "SELECT unnest(CAST(:newest AS bigint[])) AS id", newest
        if first:  # the neighbours' matches, by primary key, however old
            candidates += f" UNION SELECT f.id FROM ({_matching(kind, scope)}"
            candidates += f" AND {a}.id = ANY(:first)) f"
        rows = _rows(
            conn,
            kind,
            scope,
            f"AND {a}.id IN (SELECT c.id FROM ({candidates}) c"
            " ORDER BY c.id = ANY(:first) DESC, c.id DESC LIMIT :ranked)",
            bound,
            rank=f", ts_rank({_vector(kind)}, {_QUERY}) AS rank",
            tail=f" ORDER BY {a}.id = ANY(:first) DESC, rank DESC, {a}.id DESC LIMIT :limit",
        )
        found += [_hit(kind, r, float(r.rank), MatchedBy.words) for r in rows]
    found.sort(key=lambda h: ((h.type, h.id) in preferred, h.score), reverse=True)
    return found[: params.limit]


def _vector(kind: Kind) -> str:
    return f"to_tsvector('{FTS_CONFIG}', {FTS_TEXT[kind]})"


def _matching(kind: Kind, scope: Scope) -> str:
    """``kind``'s rows in scope holding the words, by its GIN index."""
    return SELECT[kind].format(
        rank="", where=f"AND {_vector(kind)} @@ {_QUERY} {scope.where(kind)}"
    )


def _newest(conn: Connection, kind: Kind, scope: Scope, q: str) -> list[int] | None:
    """The ids of the ``RANKED`` newest rows in scope holding ``q``'s words,
    newest first, when they are common; else None (the GIN index finds
    them). The GIN index gives every match unordered: 80,000 for "fix" in
    80 % of 100k work items, each read from the table to sort by id. A word
    in half of the newest ``PROBE`` rows is in ``RANKED`` of the newest few
    hundred, so those are read newest first (a walk of the primary key,
    parsing each row's text) until that many rows; a walk that finds fewer
    among them than ``RANKED`` (the words are rarer further back) gives way
    to the index. Either way the same rows: the ``RANKED`` newest matches."""
    read, hits = _walk(conn, kind, scope, q, PROBE)
    if read == PROBE and len(hits) < RANKED:
        if 2 * len(hits) < PROBE:
            return None
        window = min(-(-5 * RANKED * PROBE // (4 * len(hits))), 4 * RANKED)
        read, hits = _walk(conn, kind, scope, q, window)
        if read == window and len(hits) < RANKED:
            return None
    return hits[:RANKED]


def _walk(conn: Connection, kind: Kind, scope: Scope, q: str, window: int) -> tuple[int, list[int]]:
    """How many of the newest ``window`` rows in scope there are, and the
    ids of those holding ``q``'s words, newest first."""
    a = ALIAS[kind]
    words = FTS_TEXT[kind]
    recent = SELECT[kind].format(rank=f", {words} AS words", where=scope.where(kind))
    sql = (
        f"SELECT c.id, to_tsvector('{FTS_CONFIG}', c.words) @@ {_QUERY} AS hit"
        f" FROM ({recent} ORDER BY {a}.id DESC LIMIT :window) c ORDER BY c.id DESC"
    )
    rows = conn.execute(text(sql), {"q": q, "window": window, **scope.params()}).all()
    return len(rows), [r.id for r in rows if r.hit]


def _rows(
    conn: Connection,
    kind: Kind,
    scope: Scope,
    where: str,
    bound: dict[str, Any],
    *,
    rank: str = "",
    tail: str = "",
) -> Sequence[Any]:
    """``kind``'s rows (``SELECT``) meeting ``where`` and the filters."""
    sql = SELECT[kind].format(rank=rank, where=f"{where} {scope.where(kind)}") + tail
    return conn.execute(text(sql), {**bound, **scope.params()}).all()


def _hit(kind: Kind, row: Any, score: float, matched_by: MatchedBy) -> SearchHit:
    snippet = (row.body or row.title).strip()
    if len(snippet) > SNIPPET:
        snippet = snippet[: SNIPPET - 1].rstrip() + "…"
    return SearchHit(
        type=kind,
        id=row.id,
        title=row.title,
        snippet=snippet,
        score=round(score, 6),
        matched_by=matched_by,
        url=row.url,
        updated_at=row.updated_at,
    )
