"""The ETL's sync drains the embedding queue after load and derive: every
synced work item and PR gets its vector (through the local Qdrant server,
with the tenant's collection-scoped token) and its ``embedding_id``; a sync
that changes nothing embeds nothing; a vector store that cannot take the
vectors defers them without failing the sync."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pulse_common import vectorstore
from pulse_common.ai import Embedder
from pulse_common.search.queue import Target
from pulse_etl.app import create_app
from pulse_etl.jobs.runner import run_job
from pulse_etl.jobs.store import JobState
from pulse_fakes.qdrant import QdrantServer, serve_qdrant
from tests.backend.support import wait_until
from tests.etl import conftest as etl
from tests.etl.conftest import EtlTenant

pytestmark = pytest.mark.postgres

etl_tenant_factory = etl.etl_tenant_factory
etl_tenant = etl.etl_tenant


@pytest.fixture
def qdrant_etl() -> Iterator[QdrantServer]:
    server = serve_qdrant(secrets.token_urlsafe(32))
    yield server
    server.stop()


def _target(t: EtlTenant, server: QdrantServer, embedder: Embedder, size: int = 384) -> Target:
    admin = vectorstore.connect(server.url, server.app.api_key)
    name = t.names.collection
    vectorstore.ensure_collection(
        admin, vectorstore.CollectionSpec(name, size, "Cosine", t.tenant_id)
    )
    token = vectorstore.issue_token(
        admin, server.app.api_key, name, t.slug, ttl=dt.timedelta(hours=1)
    )
    admin.close()
    return Target(t.dsn, vectorstore.connect(server.url, token), name, embedder)


async def test_sync_embeds_what_it_loaded(
    etl_tenant: EtlTenant, qdrant_etl: QdrantServer, embedder: Embedder
) -> None:
    t = etl_tenant
    target = _target(t, qdrant_etl, embedder)
    for name in ("jira-main", "github-main"):
        job = await run_job(t.context(embed=target), t.integrations()[name])
        assert job.state is JobState.succeeded, job.last_error
    rows = t.query(
        "SELECT count(*) FROM work_items WHERE active "
        "UNION ALL SELECT count(*) FROM prs UNION ALL SELECT count(*) FROM incidents"
    )
    expected = sum(n for (n,) in rows)
    assert expected > 0
    assert target.qdrant.count(t.names.collection).count == expected
    assert t.query("SELECT count(*) FROM work_items WHERE embedding_id IS NULL") == [(0,)]
    assert t.query("SELECT count(*) FROM prs WHERE embedding_id IS NULL") == [(0,)]
    assert t.query("SELECT count(*) FROM embedding_queue") == [(0,)]
    before = t.query("SELECT kind, row_id, embedded_at FROM embedding_state ORDER BY 1, 2")
    # Nothing changed at the source: the incremental sync re-embeds nothing.
    job = await run_job(t.context(embed=target), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    assert t.query("SELECT kind, row_id, embedded_at FROM embedding_state ORDER BY 1, 2") == before
    target.qdrant.close()


async def test_misconfigured_collection_defers_without_failing_the_sync(
    etl_tenant: EtlTenant, qdrant_etl: QdrantServer, embedder: Embedder
) -> None:
    t = etl_tenant
    target = _target(t, qdrant_etl, embedder, size=1536)
    job = await run_job(t.context(embed=target), t.integrations()["jira-main"])
    assert job.state is JobState.succeeded, job.last_error
    [(queued,)] = t.query("SELECT count(*) FROM embedding_queue")
    rows = t.query(
        "SELECT count(*) FROM work_items UNION ALL SELECT count(*) FROM prs "
        "UNION ALL SELECT count(*) FROM incidents"
    )
    assert queued == sum(n for (n,) in rows) > 0
    target.qdrant.close()


def test_the_etl_drains_at_start_without_a_sync(
    etl_tenant: EtlTenant, qdrant_etl: QdrantServer, embedder: Embedder
) -> None:
    """A demo seed (or any row written without a sync) is embedded when the
    ETL starts: no data integration needs to run first."""
    t = etl_tenant
    target = _target(t, qdrant_etl, embedder)
    [(project,)] = t.query(
        "INSERT INTO projects (tenant_id, key, name) VALUES (%s, 'DEMO', 'Demo') RETURNING id",
        t.tenant_id,
    )
    t.query(
        "INSERT INTO work_items (tenant_id, project_id, key, summary, created) "
        "VALUES (%s, %s, 'DEMO-1', 'Seeded without a sync', now()) RETURNING id",
        t.tenant_id,
        project,
    )
    assert t.query("SELECT count(*) FROM embedding_queue") != [(0,)]
    with TestClient(create_app(t.settings(), qdrant=target.qdrant)):
        # The queue is emptied in the transaction that records the vectors.
        wait_until(lambda: t.query("SELECT count(*) FROM embedding_queue") == [(0,)], timeout=120)
    assert target.qdrant.count(t.names.collection).count == 1
    assert t.query("SELECT count(*) FROM work_items WHERE embedding_id IS NULL") == [(0,)]
    target.qdrant.close()
