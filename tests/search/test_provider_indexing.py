"""The document path of a tenant whose collection is not the built-in
model's size: a 1536 collection, an embedding provider of 1536 dimensions
(the local gateway serving the real MiniLM lifted to 1536, cosines kept),
the real ETL syncing from the local Jira (its own drain leaves the rows: it
cannot use the provider), and the backend's indexer embedding them with the
provider. Then search is semantic with the right hit; provider faults and a
wrong answered size are a clear status and lose no queued row; the re-index
route queues everything again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from pulse_backend.search.indexer import Indexer
from pulse_common import cache
from pulse_common.search.queue import Target
from pulse_etl.integrations import parse_integrations
from pulse_etl.jobs.context import run_context
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes import Fault, GatewayState, serve_gateway
from pulse_fakes.data import OrgSpec
from pulse_fakes.qdrant import QdrantServer
from pulse_fakes.server import FakeServer
from tests.backend.conftest import Session, admin_session, invite_and_login
from tests.backend.etl_world import etl_settings
from tests.backend.support import wait_replica, wait_until
from tests.backend_platform import Platform
from tests.etl.conftest import Sources, start_sources, write_credentials
from tests.search.conftest import SearchTenant, SearchTenantFactory, search

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SIZE = 1536
KEY = "emb-key-1536"
# Small: every text goes through the real model.
ORG = OrgSpec(seed=11, projects=1, issues_per_project=10, repos=1, prs_per_repo=3)
THEME = "Dark mode colours for the dashboard"


@pytest.fixture
def gateway() -> Iterator[FakeServer]:
    server = serve_gateway(GatewayState(api_key=KEY, dimension=SIZE, embedder="local"))
    yield server
    server.stop()


@pytest.fixture
def sources() -> Iterator[Sources]:
    s = start_sources(ORG)
    yield s
    s.stop()


def _provider(client: TestClient, session: Session, gateway: FakeServer) -> None:
    config = {
        "kind": "openai-compatible",
        "base_url": f"{gateway.url}/v1",
        "model": "pulse-embed-large",
        "dimensions": SIZE,
    }
    body = {"name": "big-emb", "type": "embedding", "api_key": KEY, "config": config}
    r = client.post("/api/v1/ai-providers", json=body, headers=session.headers)
    assert r.status_code == 201, r.text


def _sync(t: SearchTenant, platform: Platform, sources: Sources, tmp_path: Path) -> None:
    """One Jira sync by the ETL's own wiring (``run_context``), its vector
    client holding the tenant's ETL token, as in its pod."""
    admin = redis.Redis.from_url(platform.redis_url)
    vectors = QdrantClient(url=t.qdrant.url, api_key=t.etl_token, https=False)
    cache.ensure_user(admin, t.names, t.login_password, t.info.tenant_id)
    write_credentials(tmp_path / "credentials")
    settings = etl_settings(platform, t.slug, t.info.tenant_id, t.login_password, sources, tmp_path)
    jira = {i.name: i for i in parse_integrations(settings.etl_integrations)}["jira-main"]

    async def go() -> None:
        tenant_cache = aioredis.Redis.from_url(settings.redis_url.get_secret_value())
        try:
            ctx = run_context(settings, tenant_cache, vectors)
            assert isinstance(ctx.embed, Target)
            job = await run_job(ctx, jira)
            assert job.state is JobState.succeeded, job.last_error
        finally:
            await tenant_cache.aclose()

    try:
        asyncio.run(go())
    finally:
        vectors.close()
        cache.delete_user_and_keys(admin, t.names, t.info.tenant_id)
        admin.close()
    wait_replica(platform)


def _status(client: TestClient, session: Session) -> Any:
    r = client.get("/api/v1/search/status", headers=session.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _count(t: SearchTenant, table: str) -> int:
    [(n,)] = t.sql(f"SELECT count(*) FROM {table}")
    return int(n)


def _world(
    make_client: Any,
    make_search_tenant: SearchTenantFactory,
    qdrant_server: QdrantServer,
    gateway: FakeServer,
    interval: float,
) -> tuple[TestClient, SearchTenant, Session]:
    """The backend (its indexer every ``interval`` s, 0: off), a 1536
    tenant, its admin, and its 1536 embedding provider on the gateway."""
    client = make_client(
        qdrant_url=qdrant_server.url,
        qdrant_api_key=qdrant_server.app.api_key,
        index_interval_seconds=interval,
    )
    t = make_search_tenant(vector_size=SIZE)
    session = admin_session(client, t.info)
    _provider(client, session, gateway)
    return client, t, session


def test_a_1536_tenant_with_a_provider_gets_semantic_search_after_a_sync(
    make_client: Any,
    make_search_tenant: SearchTenantFactory,
    qdrant_server: QdrantServer,
    gateway: FakeServer,
    sources: Sources,
    platform: Platform,
    tmp_path: Path,
) -> None:
    client, t, session = _world(make_client, make_search_tenant, qdrant_server, gateway, 0.2)
    themed = sources.jira_org.issues[4].key
    sources.jira_org.touch(themed, THEME)

    _sync(t, platform, sources, tmp_path)
    # Deactivated work items have no vector.
    issues = _count(t, "work_items WHERE active") + _count(t, "incidents")
    assert issues > 0

    # The backend's indexer empties the queue with the provider.
    wait_until(lambda: _status(client, session)["queued"] == 0, timeout=180, interval=0.3)
    status = _status(client, session)
    assert status["state"] == "ready", status
    assert (status["vector_size"], status["dimension"], status["points"]) == (SIZE, SIZE, issues)
    assert status["model"] == "big-emb/pulse-embed-large"
    assert status["indexed_by"] == "backend"
    assert status["last_run"]["error"] is None
    assert _count(t, "work_items WHERE embedding_id IS NULL") == 0
    # The provider's vectors, not the ETL's model (its drain refused the size).
    [(model,)] = t.sql("SELECT DISTINCT model FROM embedding_state")
    assert model == "big-emb/pulse-embed-large"
    # Only this tenant's collection received the vectors.
    admin = QdrantClient(url=qdrant_server.url, api_key=qdrant_server.app.api_key, https=False)
    try:
        assert admin.count(t.names.collection).count == issues
    finally:
        admin.close()

    # No word in common with the themed issue's summary.
    body = search(client, session, q="night theme palette for charts").json()
    assert body["mode"] == "semantic" and body["notice"] is None, body
    [wid] = [r for (r,) in t.sql("SELECT id FROM work_items WHERE key = :k", {"k": themed})]
    assert (body["results"][0]["type"], body["results"][0]["id"]) == ("work_item", wid)
    # The provider embedded the documents and the query (the ETL's model never did).
    inputs = [
        r["body"]["input"]
        for r in gateway.gateway_state.requests  # type: ignore[union-attr]
        if r["path"].endswith("/embeddings")
    ]
    assert ["night theme palette for charts"] in inputs
    assert sum(len(i) for i in inputs) >= issues + 1


def test_provider_faults_are_a_status_and_keep_the_queue(
    make_client: Any,
    make_search_tenant: SearchTenantFactory,
    qdrant_server: QdrantServer,
    gateway: FakeServer,
) -> None:
    client, t, session = _world(make_client, make_search_tenant, qdrant_server, gateway, 0)
    pay = t.project("PAY")
    t.work_item(pay, "PAY-1", "Checkout page crashes when paying by card")
    t.work_item(pay, "PAY-2", THEME)
    indexer = Indexer(client.app.state.clients)
    state = gateway.gateway_state
    assert state is not None
    try:
        # Down: every attempt answers 500.
        gateway.plan.add(Fault("/embeddings$", "status", 500, times=50))
        run = indexer.drain_tenant(t.slug, t.info.tenant_id)
        assert run is not None and run.error and run.embedded == 0
        assert KEY not in run.error
        assert _count(t, "embedding_queue") == 2
        wait_replica(t.platform)
        status = _status(client, session)
        assert status["queued"] == 2 and status["last_run"]["error"] == run.error
        assert "indexing is failing" in status["message"]
        gateway.plan.clear()

        # Up, but answering 768-dimension vectors for a 1536 config.
        state.dimension = 768
        run = indexer.drain_tenant(t.slug, t.info.tenant_id)
        assert run is not None and run.error and "768" in run.error and "1536" in run.error
        assert _count(t, "embedding_queue") == 2
        assert _count(t, "embedding_state") == 0

        # Fixed: the next run embeds both, the status says so.
        state.dimension = SIZE
        run = indexer.drain_tenant(t.slug, t.info.tenant_id)
        assert run is not None and (run.error, run.embedded) == (None, 2)
        assert _count(t, "embedding_queue") == 0
        wait_replica(t.platform)
        status = _status(client, session)
        assert (status["state"], status["queued"], status["points"]) == ("ready", 0, 2)

        # Re-index: admins only; everything queued again and embedded anew.
        member = invite_and_login(client, session, "member")
        r = client.post("/api/v1/search/reindex", headers=member.headers)
        assert r.status_code == 403
        r = client.post("/api/v1/search/reindex", headers=session.headers)
        assert r.status_code == 202, r.text
        assert r.json() == {"queued": 2}
        wait_replica(t.platform)
        assert _status(client, session)["queued"] == 2
        before = len(state.requests)
        run = indexer.drain_tenant(t.slug, t.info.tenant_id)
        assert run is not None and (run.error, run.embedded) == (None, 2)
        assert len(state.requests) > before
        assert indexer.drain_tenant(t.slug, t.info.tenant_id) is None  # nothing left
    finally:
        indexer.close()


def test_the_indexer_leaves_builtin_sized_collections_to_the_etl(
    make_client: Any, make_search_tenant: SearchTenantFactory, qdrant_server: QdrantServer
) -> None:
    client = make_client(
        qdrant_url=qdrant_server.url,
        qdrant_api_key=qdrant_server.app.api_key,
        index_interval_seconds=0,
    )
    t = make_search_tenant()
    t.work_item(t.project("PAY"), "PAY-1", "Checkout page crashes")
    indexer = Indexer(client.app.state.clients)
    try:
        assert indexer.drain_tenant(t.slug, t.info.tenant_id) is None
        assert _count(t, "embedding_queue") == 1
    finally:
        indexer.close()
    session = admin_session(client, t.info)
    status = _status(client, session)
    assert (status["indexed_by"], status["queued"], status["state"]) == ("etl", 1, "empty")
    assert "the ETL embeds them" in status["message"]
