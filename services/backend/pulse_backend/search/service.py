"""Search: embed the query, ask the tenant's collection (scoped token), then
hydrate the hits from the tenant's own rows on the replica, so that a hit
whose row is gone, deactivated, outside the filters or (whatever a payload
says) not the tenant's never reaches the answer. When the vector store cannot
answer (down, token refused, collection missing, vector size not the model's
dimension) the same rows are searched with PostgreSQL full text instead, and
the answer says so.

Filters: ``project`` (a project key) narrows work items and incidents,
``repository`` (``org/name``) pull requests and incidents; a kind without
that field is left out when its filter is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from qdrant_client.http.exceptions import UnexpectedResponse
from sqlalchemy import Connection, text

from pulse_backend.context import Principal
from pulse_backend.search.schemas import SearchHit, SearchMode, SearchParams, SearchResponse
from pulse_backend.search.vectors import TenantVectors
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction
from pulse_common.ai import Embedder
from pulse_common.errors import PulseError
from pulse_common.search import vectors
from pulse_common.search.documents import ALIAS, FTS_TEXT, SELECT, Kind

log = structlog.get_logger("pulse_backend.search")

SNIPPET = 240
# Hits whose rows are gone are dropped at hydration: ask for a few more.
SPARE = 10
FTS_CONFIG = "english"


@dataclass
class SearchDeps:
    embedder: Embedder
    vectors: TenantVectors


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


def search(
    clients: AppClients, principal: Principal, params: SearchParams, deps: SearchDeps
) -> SearchResponse:
    with read_transaction(
        clients.replica, principal.names, principal.session_id, principal.pending_lsn
    ) as conn:
        scope = _scope(conn, params)
        try:
            hits = _semantic(deps, principal, params, scope)
        except _Unavailable as why:
            log.warning("semantic search unavailable", tenant=principal.slug, reason=why.reason)
            return SearchResponse(
                mode=SearchMode.fulltext,
                notice=f"Semantic search is unavailable ({why.reason}); "
                "these results come from full-text search.",
                results=_fulltext(conn, params, scope),
            )
        return SearchResponse(
            mode=SearchMode.semantic, results=_hydrate(conn, hits, scope)[: params.limit]
        )


class _Unavailable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _scope(conn: Connection, params: SearchParams) -> Scope:
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


def _semantic(
    deps: SearchDeps, principal: Principal, params: SearchParams, scope: Scope
) -> list[vectors.Hit]:
    if not scope.kinds or scope.project_ids == [] or scope.repository_ids == []:
        return []
    names = principal.names
    try:
        client = deps.vectors.client(names)
        vectors.check_size(client, names.collection, deps.embedder.name, deps.embedder.dimension)
        [vector] = deps.embedder.embed([params.q])
        return vectors.search(
            client,
            names.collection,
            vector,
            kinds=scope.kinds,
            project_ids=scope.project_ids,
            repository_ids=scope.repository_ids,
            limit=params.limit + SPARE,
        )
    except PulseError as exc:
        raise _Unavailable(str(exc)) from None
    except UnexpectedResponse as exc:
        # 401/403 (token refused, e.g. the tenant's grant revoked), 404 (no collection).
        raise _Unavailable(f"vector store answered HTTP {exc.status_code}") from None


def _hydrate(conn: Connection, hits: Sequence[vectors.Hit], scope: Scope) -> list[SearchHit]:
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
            out.append(_hit(h.kind, row, h.score))
    return out


def _fulltext(conn: Connection, params: SearchParams, scope: Scope) -> list[SearchHit]:
    if scope.project_ids == [] or scope.repository_ids == []:
        return []
    found: list[SearchHit] = []
    query = f"websearch_to_tsquery('{FTS_CONFIG}', :q)"
    for kind in scope.kinds:
        vector = f"to_tsvector('{FTS_CONFIG}', {FTS_TEXT[kind]})"
        sql = (
            SELECT[kind].format(
                rank=f", ts_rank({vector}, {query}) AS rank",
                where=f"AND {vector} @@ {query} {scope.where(kind)}",
            )
            + " ORDER BY rank DESC LIMIT :limit"
        )
        for r in conn.execute(text(sql), {"q": params.q, "limit": params.limit, **scope.params()}):
            found.append(_hit(kind, r, float(r.rank)))
    found.sort(key=lambda h: h.score, reverse=True)
    return found[: params.limit]


def _hit(kind: Kind, row: Any, score: float) -> SearchHit:
    snippet = (row.body or row.title).strip()
    if len(snippet) > SNIPPET:
        snippet = snippet[: SNIPPET - 1].rstrip() + "…"
    return SearchHit(
        type=kind,
        id=row.id,
        title=row.title,
        snippet=snippet,
        score=round(score, 6),
        url=row.url,
        updated_at=row.updated_at,
    )
