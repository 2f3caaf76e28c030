"""The document path for tenants whose collection needs their embedding
provider: the backend drains their embedding queue.

Why here and not in the ETL. The ETL embeds with the built-in MiniLM (384
dimensions). A collection of another size (``spec.vectorStore.vectorSize``)
needs the tenant's embedding provider, whose API key is sealed with the
platform key ring that only the backend holds. The options were:

(a) the backend drains such tenants' queue (chosen): no key leaves the
    backend, key rotation stays one operation (``/ai-providers/rotate``),
    and the ETL and the backend share one drain (``pulse_common.search.
    queue``) under one per-tenant lock, so they never race;
(b) the ETL decrypts its own tenant's keys with a per-tenant key derived
    from the platform key and mounted by the operator: it bounds the blast
    radius of a leaked ETL pod to one tenant, but every platform key rotation
    becomes a rollout of every tenant's Secret and ETL, and the ciphertext
    format and the operator would both change;
(c) the ETL asks the backend to embed texts over HTTP: the texts travel
    twice and the backend still carries the provider calls.

The cost of (a): embedding work for these tenants runs in the backend's
process (one tenant at a time, a bounded number of batches per round, in a
worker thread), and documents wait up to ``index_interval_seconds`` after a
sync. Tenants whose collection has the built-in model's size are left to
their ETL; the backend only looks at their queue count for the status.

Each run's outcome (embedded, removed, or the error: provider down, wrong
size answered) is kept in Redis for ``/api/v1/search/status``; a failed run
leaves every queued row in place (the drain deletes queue rows only in the
transaction that records their vectors).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import redis
import structlog
from pydantic import BaseModel, ValidationError
from qdrant_client.http.exceptions import UnexpectedResponse
from sqlalchemy import text

from pulse_backend.providers.routing import provider_entries
from pulse_backend.search.vectors import TenantVectors
from pulse_backend.state import AppClients
from pulse_backend.tx import write_transaction
from pulse_common import vectorstore
from pulse_common.ai import Embedder
from pulse_common.ai.collection import embedder_for_collection
from pulse_common.ai.metrics import SqlMetricsRecorder
from pulse_common.errors import PulseError
from pulse_common.search.queue import LazyLocalEmbedder, Target, drain
from pulse_common.tenancy import TenantNames

log = structlog.get_logger("pulse_backend.search.indexer")

# Batches per tenant and round: a large backlog must not starve other tenants.
MAX_BATCHES = 20
RUN_TTL = dt.timedelta(days=7)


class IndexRun(BaseModel):
    """The backend's last drain of a tenant's queue."""

    at: dt.datetime
    model: str | None = None
    embedded: int = 0
    removed: int = 0
    error: str | None = None


def _key(slug: str) -> str:
    return f"pulse:index-run:{slug}"


def last_run(cache: redis.Redis, slug: str) -> IndexRun | None:
    try:
        raw = cache.get(_key(slug))
    except redis.RedisError:
        return None
    if not raw:
        return None
    try:
        return IndexRun.model_validate_json(str(raw))
    except ValidationError:
        return None


def _remember(cache: redis.Redis, slug: str, run: IndexRun) -> None:
    try:
        cache.set(_key(slug), run.model_dump_json(), ex=int(RUN_TTL.total_seconds()))
    except redis.RedisError:
        log.warning("index run not recorded", category="EMBED", tenant=slug)


class Indexer:
    """Drains the queues of tenants whose collection needs a provider."""

    def __init__(self, clients: AppClients, builtin: Embedder | None = None) -> None:
        key = clients.settings.qdrant_api_key
        self._clients = clients
        self._vectors = TenantVectors(
            clients.settings.qdrant_url, key.get_secret_value() if key else None, access="rw"
        )
        # Only its name and size are needed unless a collection has its size,
        # and those are the ETL's: the model is never loaded here.
        self._builtin = builtin or LazyLocalEmbedder()

    def close(self) -> None:
        self._vectors.close()

    def tenants(self) -> list[tuple[str, int]]:
        with self._clients.engines.primary.connect() as conn:
            rows = conn.execute(
                text("SELECT slug, id FROM pulse.tenants WHERE state = 'active' ORDER BY id")
            ).all()
        return [(r.slug, int(r.id)) for r in rows]

    def sweep(self) -> dict[str, IndexRun]:
        done: dict[str, IndexRun] = {}
        for slug, tenant_id in self.tenants():
            try:
                run = self.drain_tenant(slug, tenant_id)
            except Exception as exc:
                # One tenant's trouble (its schema mid-migration, say) must
                # not stop the others' indexing.
                log.warning(
                    "indexing failed", category="EMBED", tenant=slug, error=type(exc).__name__
                )
                continue
            if run is not None:
                done[slug] = run
        return done

    def drain_tenant(self, slug: str, tenant_id: int) -> IndexRun | None:
        """None when there was nothing for the backend to do: an empty
        queue, no collection (yet) or no answer about it, a collection of the
        built-in model's size (the ETL's), or another drain holding the
        tenant's lock."""
        names = TenantNames(slug)
        clients = self._clients
        with write_transaction(clients.engines.primary, names) as conn:
            pending = conn.execute(text("SELECT count(*) FROM embedding_queue")).scalar_one()
        if not pending:
            return None
        client = self._vectors.client(names)
        try:
            size = vectorstore.collection_info(client, names.collection).vector_size
        except (PulseError, UnexpectedResponse) as exc:
            # Whose collection it is is unknown until it answers; the status
            # reports the vector store's trouble itself.
            log.debug("indexing skipped", category="EMBED", tenant=slug, reason=_reason(exc))
            return None
        if size == self._builtin.dimension:
            return None
        run = IndexRun(at=dt.datetime.now(dt.UTC))
        with write_transaction(clients.engines.primary, names) as conn:
            # Keys are decrypted only for tenants the backend indexes.
            entries = provider_entries(conn, clients.encryption, slug)
        try:
            recorder = SqlMetricsRecorder(
                tenant_id, lambda: write_transaction(clients.engines.primary, names), "backend"
            )
            embedder = embedder_for_collection(
                entries,
                collection=names.collection,
                size=size,
                context="etl",
                builtin=self._builtin,
                recorder=recorder,
            )
            run.model = embedder.name
            database = clients.settings.secret("database_url")
            target = Target(database, client, names.collection, embedder, tenant=names)
            result = drain(target, max_batches=MAX_BATCHES)
        except (PulseError, UnexpectedResponse) as exc:
            run.error = _reason(exc)
            log.warning("indexing deferred", category="EMBED", tenant=slug, reason=run.error)
        else:
            if result.skipped_locked:
                return None
            run.embedded, run.removed = result.embedded, result.removed
            log.info("indexed", category="EMBED", tenant=slug, **result.model_dump())
        _remember(clients.redis, slug, run)
        return run


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnexpectedResponse):
        return f"the vector store refused the write (HTTP {exc.status_code})"
    return str(exc)[:500]


async def keep_indexing(indexer: Indexer, interval: float) -> None:
    """The lifespan's task: ``interval`` seconds, then a sweep, forever (not
    a sweep at startup: replicas restarting together would all sweep at
    once, and the lock makes all but one skip anyway)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(indexer.sweep)
        except Exception as exc:
            log.warning("index sweep failed", category="EMBED", error=type(exc).__name__)
