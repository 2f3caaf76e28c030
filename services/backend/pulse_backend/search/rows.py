"""The tenant's rows behind search: the filters' scope, the hydration of
vector hits from the replica (under the tenant's role, so a payload can
never point at another tenant's rows) and PostgreSQL full text: the fallback
when the vector store cannot answer, and the word check of the semantic hits
below the relevance cut-off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from pulse_backend.search.schemas import MatchedBy, SearchHit, SearchParams
from pulse_common.search import vectors
from pulse_common.search.documents import ALIAS, FTS_TEXT, SELECT, Kind

SNIPPET = 240
FTS_CONFIG = "english"


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
        if kind not in scope.kinds:
            continue
        sql = SELECT[kind].format(
            rank="", where=f"AND {ALIAS[kind]}.id = ANY(:ids) {scope.where(kind)}"
        )
        for r in conn.execute(text(sql), {"ids": ids, **scope.params()}):
            rows[(kind, r.id)] = r
    out = []
    for h in hits:
        row = rows.get((h.kind, h.row_id))
        if row is not None:
            out.append(_hit(h.kind, row, h.score, MatchedBy.meaning))
    return out


def fulltext(
    conn: Connection,
    params: SearchParams,
    scope: Scope,
    among: Sequence[vectors.Hit] | None = None,
) -> list[SearchHit]:
    """The rows whose text holds the query's words, best full-text rank
    first; ``among``: only these rows (by primary key, so without a scan)."""
    if scope.project_ids == [] or scope.repository_ids == []:
        return []
    found: list[SearchHit] = []
    query = f"websearch_to_tsquery('{FTS_CONFIG}', :q)"
    for kind in scope.kinds:
        ids = None if among is None else [h.row_id for h in among if h.kind is kind]
        if ids == []:
            continue
        only = "" if ids is None else f"AND {ALIAS[kind]}.id = ANY(:ids)"
        vector = f"to_tsvector('{FTS_CONFIG}', {FTS_TEXT[kind]})"
        sql = (
            SELECT[kind].format(
                rank=f", ts_rank({vector}, {query}) AS rank",
                where=f"AND {vector} @@ {query} {only} {scope.where(kind)}",
            )
            + " ORDER BY rank DESC LIMIT :limit"
        )
        bound = {"q": params.q, "limit": params.limit, "ids": ids, **scope.params()}
        for r in conn.execute(text(sql), bound):
            found.append(_hit(kind, r, float(r.rank), MatchedBy.words))
    found.sort(key=lambda h: h.score, reverse=True)
    return found[: params.limit]


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
