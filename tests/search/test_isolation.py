"""Tenant A's searches never return B's rows: not through the API (forged
filters, B's collection named in the request, forged payloads in A's own
collection), and not through Qdrant (A's tokens are refused on B's
collection, by the server, over HTTP)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from qdrant_client import models
from qdrant_client.http.exceptions import UnexpectedResponse

from pulse_backend.search.vectors import TenantVectors
from pulse_common import vectorstore
from pulse_common.search.documents import point_id
from tests.backend.conftest import admin_session
from tests.search.conftest import SearchTenant, SearchTenantFactory, search

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _two(make: SearchTenantFactory) -> tuple[SearchTenant, SearchTenant, dict[str, int]]:
    a, b = make("a"), make("b")
    a.work_item(a.project("WEB"), "WEB-1", "Redesign the marketing landing page")
    b_ids = {
        "secret": b.work_item(
            b.project("SEC"), "SEC-9", "Rotate the leaked production database password"
        ),
        "pr": b.pull_request(b.repository("b/vault"), 3, "Encrypt customer backups at rest"),
    }
    assert a.drain().embedded == 1
    assert b.drain().embedded == 2
    return a, b, b_ids


def test_a_never_sees_b_rows(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    a, b, _ = _two(make_search_tenant)
    session = admin_session(search_client, a.info)
    queries = [
        {"q": "leaked database password"},
        {"q": "leaked database password", "project": "SEC"},  # B's project key
        {"q": "backups", "repository": "b/vault", "types": "pull_request"},
        {"q": "password", "limit": 50},
    ]
    for params in queries:
        r = search(search_client, session, **params)
        assert r.status_code == 200, r.text
        titles = [h["title"] for h in r.json()["results"]]
        assert all(t.startswith("WEB-1") for t in titles), (params, titles)
    # Naming B's collection is not a parameter at all.
    r = search(search_client, session, q="password", collection=b.names.collection)
    assert r.status_code == 422
    # The same holds in full-text mode.
    a.qdrant.stop()
    r = search(search_client, session, q="password")
    assert r.json()["mode"] == "fulltext" and r.json()["results"] == []


def test_forged_payload_in_a_collection_hydrates_only_a_rows(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    """Even a point in A's collection that claims one of B's row ids is read
    back from A's schema, under A's role: B's text cannot come out."""
    a, _b, b_ids = _two(make_search_tenant)
    [vector] = a.embedder.embed(["Rotate the leaked production database password"])
    forged = models.PointStruct(
        id=point_id("work_item", 999_999),
        vector=vector,
        payload={"type": "work_item", "row_id": b_ids["secret"], "title": "forged"},
    )
    client = a.etl_client()
    client.upsert(a.names.collection, [forged])
    client.close()
    session = admin_session(search_client, a.info)
    r = search(search_client, session, q="leaked database password")
    titles = [h["title"] for h in r.json()["results"]]
    assert not any("Rotate" in t or "forged" in t for t in titles), titles


def test_a_tokens_are_refused_on_b_collection(make_search_tenant: SearchTenantFactory) -> None:
    a, b, _ = _two(make_search_tenant)
    # The ETL's read-write token.
    etl = a.etl_client()
    with pytest.raises(UnexpectedResponse) as refused:
        etl.query_points(b.names.collection, query=[0.1] * 384, limit=1)
    assert refused.value.status_code == 403
    with pytest.raises(UnexpectedResponse) as refused:
        etl.upsert(b.names.collection, [models.PointStruct(id=1, vector=[0.1] * 384, payload={})])
    assert refused.value.status_code == 403
    with pytest.raises(UnexpectedResponse) as refused:
        etl.delete_collection(b.names.collection)
    assert refused.value.status_code == 403
    assert [c.name for c in etl.get_collections().collections] == [a.names.collection]
    etl.close()
    # The backend's read token for A: reads A, nothing else, and never writes.
    vectors = TenantVectors(a.qdrant.url, a.qdrant.app.api_key)
    reader = vectors.client(a.names)
    assert reader.count(a.names.collection).count == 1
    with pytest.raises(UnexpectedResponse) as refused:
        reader.count(b.names.collection)
    assert refused.value.status_code == 403
    with pytest.raises(UnexpectedResponse) as refused:
        reader.upsert(
            a.names.collection, [models.PointStruct(id=1, vector=[0.1] * 384, payload={})]
        )
    assert refused.value.status_code == 403
    vectors.close()


def test_revoked_tenant_searches_fall_back(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    """Revocation (the operator deleting the tenant's grant) stops the
    backend's read tokens too: the server refuses them at once."""
    a, _, _ = _two(make_search_tenant)
    session = admin_session(search_client, a.info)
    assert search(search_client, session, q="landing page").json()["mode"] == "semantic"
    admin = vectorstore.connect(a.qdrant.url, a.qdrant.app.api_key)
    vectorstore.revoke_tokens(admin, a.slug)
    admin.close()
    body = search(search_client, session, q="landing page").json()
    assert body["mode"] == "fulltext"
    assert "(vector store refused access)" in body["notice"] and "401" not in body["notice"]
    assert [h["title"] for h in body["results"]] == ["WEB-1 Redesign the marketing landing page"]
