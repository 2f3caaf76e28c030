"""GET /api/v1/search against the real primary/replica, the real model and
the local Qdrant server over HTTP (RBAC enforced)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pulse_common.ai import Embedder
from pulse_common.ai.collection import embedder_for_collection
from pulse_common.ai.config import ProviderConfig, ProviderType
from pulse_common.ai.routing import ProviderEntry
from pulse_fakes import GatewayState, serve_gateway
from pulse_fakes.qdrant import serve_qdrant
from tests.backend.conftest import Session, admin_session, invite_and_login
from tests.backend.support import wait_replica
from tests.backend_platform import Platform, clients
from tests.search.conftest import (
    SearchTenant,
    SearchTenantFactory,
    search,
    search_app,
    search_tenants,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def refusing(platform: Platform, embedder: Embedder) -> Iterator[tuple[TestClient, Session]]:
    """One search tenant's admin for the cases whose query is refused before
    anything is read or written (a provisioning, a first sign-in and a Qdrant
    server cost seconds per case). Its token outlives a slow module."""
    server = serve_qdrant(secrets.token_urlsafe(32))
    try:
        with search_tenants(platform, server, embedder) as make, clients(platform) as make_app:
            client = search_app(make_app, server, access_token_ttl_seconds=3600)
            yield client, admin_session(client, make().info)
    finally:
        server.stop()


def _acme(t: SearchTenant) -> dict[str, int]:
    pay = t.project("PAY")
    ops = t.project("OPS")
    repo = t.repository("acme/api")
    ids = {
        "checkout": t.work_item(
            pay,
            "PAY-1",
            "Checkout page crashes when the customer pays with a credit card",
            "Stack trace in the card form after submitting.",
        ),
        "logging": t.work_item(ops, "OPS-1", "Upgrade the structured logging library"),
        "colours": t.work_item(ops, "OPS-2", "Dark mode colours for the dashboard"),
        "pool": t.pull_request(repo, 7, "Reuse database connections through a pool"),
        "outage": t.incident("Payment provider outage in Europe", project_id=pay),
    }
    assert t.drain().embedded == len(ids)
    return ids


def test_finds_an_item_with_no_shared_words(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    t = make_search_tenant()
    ids = _acme(t)
    session = admin_session(search_client, t.info)
    r = search(search_client, session, q="purchase fails during billing")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "semantic" and body["notice"] is None
    top = body["results"][0]
    assert (top["type"], top["id"]) == ("work_item", ids["checkout"])
    assert top["title"].startswith("PAY-1 Checkout page crashes")
    assert "card form" in top["snippet"]
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)
    # The query had to go through the server (the fake counts requests).
    assert t.qdrant.app.requests > 0

    r = search(search_client, session, q="sql sessions reused", types="pull_request")
    assert [(h["type"], h["id"]) for h in r.json()["results"]] == [("pull_request", ids["pool"])]
    assert r.json()["results"][0]["url"] == "https://github.com/acme/api/pull/7"


def test_filters_by_project_and_repository(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    t = make_search_tenant()
    ids = _acme(t)
    session = admin_session(search_client, t.info)
    r = search(search_client, session, q="money", project="PAY", limit=10)
    got = {(h["type"], h["id"]) for h in r.json()["results"]}
    assert got == {("work_item", ids["checkout"]), ("incident", ids["outage"])}
    r = search(search_client, session, q="money", repository="acme/api")
    assert {h["type"] for h in r.json()["results"]} == {"pull_request"}
    r = search(search_client, session, q="money", project="NOPE")
    assert r.json()["results"] == []


def test_qdrant_down_falls_back_to_full_text(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    t = make_search_tenant()
    ids = _acme(t)
    session = admin_session(search_client, t.info)
    t.qdrant.stop()
    r = search(search_client, session, q="dashboard colours")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "fulltext"
    # Words for users; the transport's text ("[Errno 111] ...") stays in the log.
    assert body["notice"] == (
        "Semantic search is unavailable (vector store unreachable); showing full-text results."
    )
    assert [(h["type"], h["id"]) for h in body["results"]] == [("work_item", ids["colours"])]
    # Full text is about words: the semantic query above finds nothing here.
    r = search(search_client, session, q="purchase fails during billing")
    assert r.json()["results"] == []


def test_collection_size_mismatch_is_a_clear_fallback_and_admin_status(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    t = make_search_tenant(vector_size=1536)
    t.work_item(t.project("PAY"), "PAY-1", "Checkout page crashes")
    session = admin_session(search_client, t.info)
    r = search(search_client, session, q="checkout")
    body = r.json()
    assert body["mode"] == "fulltext"
    assert "size 1536" in body["notice"] and "produces 384" in body["notice"]
    assert "embedding provider with 1536 dimensions" in body["notice"]
    assert [h["title"] for h in body["results"]] == ["PAY-1 Checkout page crashes"]

    r = search_client.get("/api/v1/search/status", headers=session.headers)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["state"] == "dimension_mismatch" and got["collection"] == t.names.collection
    assert (got["vector_size"], got["dimension"]) == (1536, 384)
    assert got["model"] == "local/all-MiniLM-L6-v2"
    assert "provider with 1536 dimensions" in got["message"] and "re-index" in got["message"]
    member = invite_and_login(search_client, session, "member")
    assert search_client.get("/api/v1/search/status", headers=member.headers).status_code == 403


def test_an_embedding_provider_of_the_collections_size_is_the_way_out(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    state = GatewayState(api_key="emb-key-1536", dimension=1536)
    gateway = serve_gateway(state)
    try:
        t = make_search_tenant(vector_size=1536)
        item = t.work_item(t.project("PAY"), "PAY-1", "Checkout page crashes")
        session = admin_session(search_client, t.info)
        config = {
            "kind": "openai-compatible",
            "base_url": f"{gateway.url}/v1",
            "model": "pulse-embed-large",
            "dimensions": 1536,
        }
        r = search_client.post(
            "/api/v1/ai-providers",
            json={
                "name": "big-emb",
                "type": "embedding",
                "api_key": "emb-key-1536",
                "config": config,
            },
            headers=session.headers,
        )
        assert r.status_code == 201, r.text
        wait_replica(t.platform)
        # Before any document is embedded the index is empty: full text, said so.
        status = search_client.get("/api/v1/search/status", headers=session.headers).json()
        assert status["state"] == "empty" and status["dimension"] == 1536
        assert status["model"] == "big-emb/pulse-embed-large"
        body = search(search_client, session, q="checkout").json()
        assert body["mode"] == "fulltext" and "still being built" in body["notice"]

        # The documents embedded with the same provider (what the ETL's drain does).
        entry = ProviderEntry(
            "big-emb", ProviderType.embedding, ProviderConfig.model_validate(config), "emb-key-1536"
        )
        embedder = embedder_for_collection(
            [entry], collection=t.names.collection, size=1536, context="etl", builtin=t.embedder
        )
        t.embedder = embedder
        assert t.drain().embedded == 1
        body = search(search_client, session, q="payment failures").json()
        assert body["mode"] == "semantic" and body["notice"] is None
        assert [(h["type"], h["id"]) for h in body["results"]] == [("work_item", item)]
        inputs = [r["body"]["input"] for r in state.requests if r["path"].endswith("/embeddings")]
        assert ["payment failures"] in inputs
        status = search_client.get("/api/v1/search/status", headers=session.headers).json()
        assert (status["state"], status["vector_size"], status["points"]) == ("ready", 1536, 1)
    finally:
        gateway.stop()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "x", "limit": 0}, "limit"),
        ({"q": "x", "limit": 51}, "limit"),
        ({"q": "x", "types": "work_item,secrets"}, "types"),
        ({"q": "x", "collection": "tenant_other"}, "collection"),
    ],
)
def test_bad_parameters_are_problems_naming_the_field(
    refusing: tuple[TestClient, Session], params: dict[str, object], field: str
) -> None:
    client, session = refusing
    r = search(client, session, **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["field"] for e in r.json()["errors"]), r.json()


def test_requires_search_permission(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    from tests.backend.conftest import invite_and_login

    t = make_search_tenant()
    admin = admin_session(search_client, t.info)
    viewer = invite_and_login(search_client, admin, "viewer")
    assert search(search_client, viewer, q="x").status_code == 403
    assert search_client.get("/api/v1/search", params={"q": "x"}).status_code == 401
