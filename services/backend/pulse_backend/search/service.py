"""Search: embed the query, ask the tenant's collection (scoped token), then
hydrate the hits from the tenant's own rows on the replica, so that a hit
whose row is gone, deactivated, outside the filters or (whatever a payload
says) not the tenant's never reaches the answer. When the vector store cannot
answer (down, token refused, collection missing or still empty, vector size
not the model's dimension) the same rows are searched with PostgreSQL full
text instead, and the answer says so in words meant for users; the
transport's detail goes to the log only (``unavailable``).

The query is embedded by the built-in MiniLM when the collection has its
size (384, the default), else by the tenant's embedding provider of the
collection's size (``pulse_common.ai.collection``). ``status`` reports that
choice, or the mismatch naming both sizes, to admins.

Relevance: a semantic search always has nearest neighbours, however
unrelated. Hits scoring below the model's cut-off
(``pulse_common.ai.collection.min_score``: 0.3 for the built-in MiniLM, a
provider's own ``min_score``) are left out, and an empty answer carries
``no_results``: "No results for …" with a hint, for the page to show.
A row below the cut-off whose text holds the query's words (full text, the
fallback's query) is still a result: an issue key or a word of a title is a
real match MiniLM may score at 0.2. Such rows are looked up among all the
tenant's rows in scope, by index, not only among the nearest neighbours, and
come after the hits above the cut-off, with ``matched_by`` ``words`` saying
why. A row the query names exactly (a work item key, ``org/repo#123`` or
``#123``) comes first (``ranking``), in the full-text answer too.

Filters: ``project`` (a project key) narrows work items and incidents,
``repository`` (``org/name``) pull requests and incidents; a kind without
that field is left out when its filter is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import psycopg
import structlog
from qdrant_client import QdrantClient
from qdrant_client.http.exceptions import UnexpectedResponse
from sqlalchemy import Connection, text

from pulse_backend.context import Principal
from pulse_backend.search import indexer
from pulse_backend.search.ranking import SPARE, Found, Row, by_words, gather, ranked
from pulse_backend.search.rows import Scope, scope_of
from pulse_backend.search.schemas import (
    Indexer,
    IndexRunOut,
    NoResults,
    ReindexResult,
    SearchMode,
    SearchParams,
    SearchResponse,
    SearchState,
    SearchStatus,
)
from pulse_backend.search.unavailable import Unavailable, unavailable
from pulse_backend.search.vectors import TenantVectors
from pulse_backend.state import AppClients
from pulse_backend.tx import read_transaction, write_transaction
from pulse_common import vectorstore
from pulse_common.ai import Embedder
from pulse_common.ai.collection import embedder_for_collection, min_score
from pulse_common.ai.errors import DimensionMismatch
from pulse_common.ai.routing import ProviderEntry
from pulse_common.errors import PulseError
from pulse_common.search import vectors
from pulse_common.search.queue import requeue_all

log = structlog.get_logger("pulse_backend.search")


# The tenant's embedding providers with their keys, read in the request's transaction.
ProviderLookup = Callable[[Connection, Principal], Sequence[ProviderEntry]]


@dataclass
class SearchDeps:
    embedder: Embedder  # the built-in model, for collections of its size
    vectors: TenantVectors
    providers: ProviderLookup | None = None


def search(
    clients: AppClients, principal: Principal, params: SearchParams, deps: SearchDeps
) -> SearchResponse:
    # No transaction stays open while the model embeds the query or the
    # vector store answers (seconds when the model loads, or the store is
    # slow): the replica would cancel it to replay a conflicting change, or
    # hold back its cleanup meanwhile (``replica_conflicts``). So the reads
    # come in turns: the scope and the providers, then the hits' rows.
    with _read(clients, principal) as conn:
        scope = scope_of(conn, params)
        entries = _providers(conn, deps, principal) if _searchable(scope) else []
    try:
        found = _semantic(deps, principal, params, scope, entries)
        with _read(clients, principal) as conn:
            rows = gather(conn, params, scope, found)
        results = ranked(params, found, rows)
    except Unavailable as why:
        log.warning("semantic search unavailable", tenant=principal.slug, reason=why.detail)
        with _read(clients, principal) as conn:
            results = by_words(conn, params, scope)
        return SearchResponse(
            mode=SearchMode.fulltext,
            notice=f"Semantic search is unavailable ({why.reason}); showing full-text results.",
            results=results,
            no_results=None if results else _no_results(params, SearchMode.fulltext),
        )
    return SearchResponse(
        mode=SearchMode.semantic,
        results=results,
        min_score=found.floor,
        no_results=None if results else _no_results(params, SearchMode.semantic),
    )


@contextmanager
def _read(clients: AppClients, principal: Principal) -> Iterator[Connection]:
    with read_transaction(
        clients.replica, principal.names, principal.session_id, principal.pending_lsn
    ) as conn:
        yield conn


def _providers(conn: Connection, deps: SearchDeps, principal: Principal) -> list[ProviderEntry]:
    return list(deps.providers(conn, principal)) if deps.providers else []


def _searchable(scope: Scope) -> bool:
    """Whether the filters leave anything to ask the vector store for."""
    return bool(scope.kinds) and scope.project_ids != [] and scope.repository_ids != []


def _no_results(params: SearchParams, mode: SearchMode) -> NoResults:
    filtered = [
        f"{name} {value}"
        for name, value in (
            ("types", params.types),
            ("project", params.project),
            ("repository", params.repository),
        )
        if value is not None
    ]
    if mode is SearchMode.fulltext:
        hint = "Full-text search matches words: try other words or a shorter query."
    else:
        hint = (
            "Nothing in this tenant's work items, pull requests or incidents is close in "
            "meaning: try describing the problem or change in other words."
        )
    if filtered:
        hint += f" Or search without the filter ({', '.join(filtered)})."
    return NoResults(message=f"No results for “{params.q}”.", hint=hint)


def _model(
    entries: Sequence[ProviderEntry], deps: SearchDeps, principal: Principal
) -> tuple[QdrantClient, vectorstore.CollectionInfo, Embedder]:
    """The tenant's client, its collection and the embedder fit for it
    (``entries``: the tenant's providers, read before)."""
    names = principal.names
    client = deps.vectors.client(names)
    info = vectorstore.collection_info(client, names.collection)
    embedder = embedder_for_collection(
        entries,
        collection=names.collection,
        size=info.vector_size,
        context="interactive",
        builtin=deps.embedder,
    )
    return client, info, embedder


def status(clients: AppClients, principal: Principal, deps: SearchDeps) -> SearchStatus:
    """What an admin needs to know about the tenant's semantic search."""
    names = principal.names
    out = SearchStatus(state=SearchState.ready, collection=names.collection)
    with _read(clients, principal) as conn:
        out.queued = int(conn.execute(text("SELECT count(*) FROM embedding_queue")).scalar_one())
        entries = _providers(conn, deps, principal)
    try:  # the vector store after the transaction (see ``search``)
        _, info, embedder = _model(entries, deps, principal)
    except (PulseError, UnexpectedResponse) as exc:
        why = unavailable(exc)
        out.state, out.message = why.state, why.reason
        if isinstance(exc, DimensionMismatch):
            out.vector_size, out.model, out.dimension = (
                exc.collection_size,
                exc.model,
                exc.model_size,
            )
            out.message = str(exc)
            out.indexed_by = Indexer.backend
        return out
    out.vector_size, out.points = info.vector_size, info.points
    out.model, out.dimension = embedder.name, embedder.dimension
    if info.vector_size == deps.embedder.dimension:
        out.indexed_by = Indexer.etl
    else:
        out.indexed_by = Indexer.backend
        run = indexer.last_run(clients.redis, principal.slug)
        out.last_run = None if run is None else IndexRunOut.model_validate(run.model_dump())
    if out.last_run is not None and out.last_run.error and out.queued:
        out.message = f"indexing is failing and will be retried: {out.last_run.error}"
    elif info.points == 0:
        out.state = SearchState.empty
        who = "the ETL embeds them" if out.indexed_by is Indexer.etl else "the backend embeds them"
        out.message = f"no document has been embedded yet: {who} after each sync"
    return out


def collection_size(deps: SearchDeps, principal: Principal) -> int | None:
    """The tenant's collection's vector size, or None when the store cannot
    say (unreachable, no collection yet): for checks that only inform."""
    try:
        client = deps.vectors.client(principal.names)
        return vectorstore.collection_info(client, principal.names.collection).vector_size
    except (PulseError, UnexpectedResponse) as exc:
        log.info("collection size unknown", tenant=principal.slug, reason=unavailable(exc).reason)
        return None


def reindex(clients: AppClients, principal: Principal) -> ReindexResult:
    """Queues every row for embedding again (see ``queue.requeue_all``)."""
    with write_transaction(clients.engines.primary, principal.names) as conn:
        # The queue's SQL is psycopg's (shared with the ETL): the same
        # connection and transaction, seen through the driver.
        raw = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
        count = requeue_all(raw)
    log.info("re-index queued", category="EMBED", tenant=principal.slug, queued=count)
    return ReindexResult(queued=count)


def _semantic(
    deps: SearchDeps,
    principal: Principal,
    params: SearchParams,
    scope: Scope,
    entries: Sequence[ProviderEntry],
) -> Found:
    if not _searchable(scope):
        return Found([], None, lambda rows: {})
    try:
        client, info, embedder = _model(entries, deps, principal)
        if info.points == 0:
            # An empty index would answer "nothing found" for everything.
            raise Unavailable(
                SearchState.empty, "the search index is still being built", "no points"
            )
        [vector] = embedder.embed([params.q])
        collection = principal.names.collection
        hits = vectors.search(
            client,
            collection,
            vector,
            kinds=scope.kinds,
            project_ids=scope.project_ids,
            repository_ids=scope.repository_ids,
            limit=params.limit + SPARE,
        )
    except (PulseError, UnexpectedResponse) as exc:
        # 401/403 (token refused, e.g. the tenant's grant revoked), 404 (no collection).
        raise unavailable(exc) from None

    def similarity(rows: Sequence[Row]) -> dict[Row, float]:
        try:
            return vectors.similarity(client, collection, vector, rows)
        except (PulseError, UnexpectedResponse) as exc:
            raise unavailable(exc) from None

    return Found(hits, min_score(embedder), similarity)
