"""The embedding queue's consumer.

Triggers fill ``embedding_queue`` whenever a searchable row is inserted,
changed or deleted (migration 7a3c5e9d1f20). ``drain`` takes the queue a
batch at a time: rows whose text hash (``embedding_state``) is unchanged are
skipped, changed ones are embedded and upserted under their deterministic
point id, deleted (or deactivated) ones lose their vector; then the state,
``embedding_id`` and the queue are updated in one transaction.

Why this is safe to kill at any point: Qdrant is written before the
transaction commits and every write is idempotent (same ids, same vectors),
so a batch that dies is simply redone. A row queued again while its batch
runs gets a new queue id and survives the batch's delete (by seen id). One
drain at a time per tenant (advisory lock keyed by the tenant's schema), so
two replicas, or a tenant's ETL and the backend, never race.

Who drains: the tenant's ETL, with the built-in MiniLM, when the collection
has its size (384, the default); the backend (``pulse_backend.search.
indexer``) with the tenant's embedding provider when it has another size,
because only the backend can decrypt provider keys. ``Target.tenant`` is set
by the backend, which connects with its own role and becomes the tenant's for
the session (the connection is closed afterwards, never pooled).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from pydantic import BaseModel
from qdrant_client import QdrantClient

from pulse_common.ai import Embedder
from pulse_common.ai.embeddings import LOCAL_DIMENSION, LOCAL_NAME, local_embedder
from pulse_common.search import vectors
from pulse_common.search.documents import ALIAS, SELECT, TABLES, Document, Kind, document, point_id
from pulse_common.tenancy import TenantNames, quote_ident

BATCH = 64
# What the ETL says when the collection is not its model's size.
BACKEND = "the collection's size needs the tenant's embedding provider: the backend embeds"
# Tables whose rows carry the point id of their vector (incidents do not).
WITH_EMBEDDING_ID = {Kind.work_item, Kind.pull_request}


class DrainResult(BaseModel):
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0
    batches: int = 0
    skipped_locked: bool = False


class LazyLocalEmbedder:
    """The local model, loaded at the first text to embed (not when the ETL
    starts, nor when a drain finds the collection misconfigured)."""

    @property
    def name(self) -> str:
        return LOCAL_NAME

    @property
    def dimension(self) -> int:
        return LOCAL_DIMENSION

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return local_embedder().embed(texts)


@dataclass(frozen=True)
class Target:
    database_url: str
    qdrant: QdrantClient
    collection: str
    embedder: Embedder
    # Set when ``database_url`` is not the tenant's login role (the backend).
    tenant: TenantNames | None = None


# Per schema: tenants share the database, and one tenant's drain must not
# make another's skip its turn.
_LOCK = "hashtext('pulse-embed'), hashtext(current_schema())"


def connect(target: Target) -> psycopg.Connection[Any]:
    conn = psycopg.connect(target.database_url, autocommit=True, row_factory=namedtuple_row)
    if target.tenant is not None:
        try:
            conn.execute(
                f"SET ROLE {quote_ident(target.tenant.login_role)}; "
                f"SET search_path TO {quote_ident(target.tenant.schema)}"
            )
        except psycopg.Error:
            conn.close()
            raise
    return conn


def queued(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM embedding_queue").fetchone()
    return int(row[0]) if row else 0


def requeue_all(conn: psycopg.Connection[Any]) -> int:
    """Queues every searchable row again and forgets the text hashes, so the
    next drain embeds everything anew (a re-index: a new model or provider,
    a collection rebuilt empty). Vectors already in place keep answering
    until their replacement lands."""
    total = 0
    with conn.transaction():
        conn.execute("UPDATE embedding_state SET text_hash = '' WHERE text_hash <> ''")
        for kind, table in TABLES.items():
            cur = conn.execute(
                "INSERT INTO embedding_queue (tenant_id, kind, row_id) "
                f"SELECT tenant_id, %s, id FROM {table} "
                "ON CONFLICT (kind, row_id) DO UPDATE "
                "SET id = nextval(pg_get_serial_sequence('embedding_queue', 'id')), "
                "last_updated_at = now()",
                (kind.value,),
            )
            total += cur.rowcount
    return total


def drain(target: Target, *, batch: int = BATCH, max_batches: int | None = None) -> DrainResult:
    """Processes the queue until it is empty (or ``max_batches``)."""
    result = DrainResult()
    with connect(target) as conn:
        got = conn.execute(f"SELECT pg_try_advisory_lock({_LOCK})").fetchone()
        if not got or not got[0]:
            result.skipped_locked = True
            return result
        try:
            vectors.check_size(
                target.qdrant, target.collection, target.embedder.name, target.embedder.dimension
            )
            while max_batches is None or result.batches < max_batches:
                if not _one_batch(conn, target, batch, result):
                    break
                result.batches += 1
        finally:
            conn.execute(f"SELECT pg_advisory_unlock({_LOCK})")
    return result


def _one_batch(conn: psycopg.Connection[Any], target: Target, size: int, out: DrainResult) -> bool:
    queued = conn.execute(
        "SELECT id, kind, row_id FROM embedding_queue ORDER BY id LIMIT %s", (size,)
    ).fetchall()
    if not queued:
        return False
    ids: dict[Kind, list[int]] = defaultdict(list)
    for q in queued:
        ids[Kind(q.kind)].append(q.row_id)
    docs = [d for kind, rows in ids.items() for d in _documents(conn, kind, rows)]
    states = {
        (s.kind, s.row_id): s.text_hash
        for s in conn.execute(
            "SELECT kind, row_id, text_hash FROM embedding_state "
            "WHERE (kind, row_id) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))",
            ([q.kind for q in queued], [q.row_id for q in queued]),
        )
    }
    model = target.embedder.name
    hashes = {(d.kind.value, d.row_id): d.content_hash(model) for d in docs}
    changed = [
        d for d in docs if states.get((d.kind.value, d.row_id)) != hashes[(d.kind.value, d.row_id)]
    ]
    present = set(hashes)
    gone = [(Kind(q.kind), q.row_id) for q in queued if (q.kind, q.row_id) not in present]
    embedded = target.embedder.embed([d.text for d in changed]) if changed else []
    vectors.upsert(target.qdrant, target.collection, changed, embedded)
    vectors.delete(target.qdrant, target.collection, [point_id(k, r) for k, r in gone])
    with conn.transaction():
        _record(conn, changed, hashes, model)
        _forget(conn, gone)
        conn.execute("DELETE FROM embedding_queue WHERE id = ANY(%s)", ([q.id for q in queued],))
    out.embedded += len(changed)
    out.unchanged += len(docs) - len(changed)
    out.removed += len(gone)
    return True


def _documents(conn: psycopg.Connection[Any], kind: Kind, row_ids: Sequence[int]) -> list[Document]:
    sql = SELECT[kind].format(rank="", where=f"AND {ALIAS[kind]}.id = ANY(%(ids)s)")
    return [document(kind, r) for r in conn.execute(sql, {"ids": list(row_ids)})]


def _record(
    conn: psycopg.Connection[Any],
    docs: Sequence[Document],
    hashes: dict[tuple[str, int], str],
    model: str,
) -> None:
    for d in docs:
        conn.execute(
            "INSERT INTO embedding_state (tenant_id, kind, row_id, point_id, text_hash, model) "
            "SELECT tenant_id, %(kind)s, id, %(point)s, %(hash)s, %(model)s "
            f"FROM {TABLES[d.kind]} WHERE id = %(id)s "
            "ON CONFLICT (kind, row_id) DO UPDATE SET point_id = EXCLUDED.point_id, "
            "text_hash = EXCLUDED.text_hash, model = EXCLUDED.model, embedded_at = now(), "
            "last_updated_at = now()",
            {
                "kind": d.kind.value,
                "id": d.row_id,
                "point": d.point_id,
                "hash": hashes[(d.kind.value, d.row_id)],
                "model": model,
            },
        )
        if d.kind in WITH_EMBEDDING_ID:
            conn.execute(
                f"UPDATE {TABLES[d.kind]} SET embedding_id = %s "
                "WHERE id = %s AND embedding_id IS DISTINCT FROM %s",
                (d.point_id, d.row_id, d.point_id),
            )


def _forget(conn: psycopg.Connection[Any], gone: Sequence[tuple[Kind, int]]) -> None:
    for kind, row_id in gone:
        conn.execute(
            "DELETE FROM embedding_state WHERE kind = %s AND row_id = %s", (kind.value, row_id)
        )
        if kind in WITH_EMBEDDING_ID:
            # A deactivated work item still exists: it no longer has a vector.
            conn.execute(
                f"UPDATE {TABLES[kind]} SET embedding_id = NULL "
                "WHERE id = %s AND embedding_id IS NOT NULL",
                (row_id,),
            )
