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
from pulse_common.ai.embeddings import LOCAL_MIN_SCORE
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
    assert top["matched_by"] == "meaning"
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
    # Queries with a meaning in the items: hits below the relevance cut-off
    # are left out ("money" scores 0.04 against the card payment item).
    r = search(search_client, session, q="payment", project="PAY", limit=10)
    got = {(h["type"], h["id"]) for h in r.json()["results"]}
    assert got == {("work_item", ids["checkout"]), ("incident", ids["outage"])}
    r = search(search_client, session, q="database connections", repository="acme/api")
    assert {h["type"] for h in r.json()["results"]} == {"pull_request"}
    r = search(search_client, session, q="payment", project="NOPE")
    assert r.json()["results"] == []
    assert "project NOPE" in r.json()["no_results"]["hint"]


def test_a_query_meaning_nothing_in_the_data_says_no_results(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    """Nearest neighbours always exist: below the model's relevance cut-off
    they are not results, and the answer says so for the page to show."""
    t = make_search_tenant()
    ids = _acme(t)
    session = admin_session(search_client, t.info)
    body = search(search_client, session, q="banana bread recipe").json()
    assert body["mode"] == "semantic" and body["notice"] is None
    assert body["results"] == [] and body["min_score"] == LOCAL_MIN_SCORE
    assert body["no_results"]["message"] == "No results for “banana bread recipe”."
    assert "other words" in body["no_results"]["hint"]
    assert "filter" not in body["no_results"]["hint"]
    body = search(search_client, session, q="xyzzy plugh", types="incident").json()
    assert (
        body["results"] == []
        and "without the filter (types incident)" in (body["no_results"]["hint"])
    )
    # A real query keeps its hits, all above the cut-off, and no empty state.
    body = search(search_client, session, q="purchase fails during billing").json()
    assert body["results"][0]["id"] == ids["checkout"] and body["no_results"] is None
    assert all(h["score"] >= LOCAL_MIN_SCORE for h in body["results"])


def test_a_hit_under_the_cut_off_holding_the_querys_words_is_kept_after_the_close_ones(
    search_client: TestClient, make_search_tenant: SearchTenantFactory, embedder: Embedder
) -> None:
    """MiniLM scores the word "library" 0.26 against "OPS-1 Upgrade the
    structured logging library": under the cut-off, yet the item holds the
    word. It is a result (why: its words), after the hits close in meaning."""
    t = make_search_tenant()
    ids = _acme(t)
    books = t.pull_request(t.repository("acme/web"), 8, "Add a books catalogue module")
    assert t.drain().embedded == 1
    [q, logging, catalogue] = embedder.embed(
        ["library", "OPS-1 Upgrade the structured logging library", "Add a books catalogue module"]
    )
    assert sum(a * b for a, b in zip(q, logging, strict=True)) < LOCAL_MIN_SCORE
    assert sum(a * b for a, b in zip(q, catalogue, strict=True)) >= LOCAL_MIN_SCORE
    session = admin_session(search_client, t.info)
    body = search(search_client, session, q="library").json()
    assert body["mode"] == "semantic" and body["no_results"] is None
    got = [(h["type"], h["id"], h["matched_by"]) for h in body["results"]]
    assert got == [
        ("pull_request", books, "meaning"),
        ("work_item", ids["logging"], "words"),
    ], body
    strong, weak = (h["score"] for h in body["results"])
    assert strong >= LOCAL_MIN_SCORE > weak == body["results"][1]["score"] > 0
    # The filters apply to word matches too.
    body = search(search_client, session, q="library", types="work_item").json()
    assert [(h["id"], h["matched_by"]) for h in body["results"]] == [(ids["logging"], "words")]
    body = search(search_client, session, q="library", project="PAY").json()
    assert body["results"] == [] and body["no_results"] is not None
    # Words in no document: the noise cut-off still answers "no results".
    body = search(search_client, session, q="banana bread recipe").json()
    assert body["results"] == [] and body["no_results"]["message"].startswith("No results")


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
    assert body["results"][0]["matched_by"] == "words"
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


def test_a_provider_of_another_size_fails_its_test_naming_both_sizes(
    search_client: TestClient, make_search_tenant: SearchTenantFactory
) -> None:
    """A 384-wide collection is served by the built-in model: an embedding
    provider of 1536 answers, but search and indexing never use it. The
    admin's "Test connection" says so instead of "ok"."""
    wide = serve_gateway(GatewayState(api_key="emb-key-wide", dimension=1536))
    narrow = serve_gateway(GatewayState(api_key="emb-key-wide", dimension=384))
    try:
        t = make_search_tenant()
        session = admin_session(search_client, t.info)
        ids = {}
        for name, server, dims in (("wide-emb", wide, 1536), ("vague-emb", narrow, None)):
            config = {
                "kind": "openai-compatible",
                "base_url": f"{server.url}/v1",
                "model": "pulse-embed-large",
                "dimensions": dims,
            }
            r = search_client.post(
                "/api/v1/ai-providers",
                json={
                    "name": name,
                    "type": "embedding",
                    "api_key": "emb-key-wide",
                    "config": config,
                },
                headers=session.headers,
            )
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]
        wait_replica(t.platform)
        r = search_client.post(
            f"/api/v1/ai-providers/{ids['wide-emb']}/test", headers=session.headers
        )
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["ok"] is False and got["dimensions"] == 1536
        assert "1536 dimensions" in got["detail"] and "expects 384" in got["detail"]
        assert "do not use it" in got["detail"] and "emb-key-wide" not in got["detail"]
        # Of the right size but undeclared: the row must say it to be considered.
        r = search_client.post(
            f"/api/v1/ai-providers/{ids['vague-emb']}/test", headers=session.headers
        )
        got = r.json()
        assert got["ok"] is False and got["dimensions"] == 384
        assert (
            "declares no dimensions" in got["detail"] and "set dimensions to 384" in got["detail"]
        )
    finally:
        wide.stop()
        narrow.stop()


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
        # PostgreSQL's full-text search cannot take U+0000 (a 500 before).
        ({"q": "a\x00b"}, "q"),
        ({"q": "x", "project": "\x00"}, "project"),
        ({"q": "x", "repository": "a/\x00"}, "repository"),
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
