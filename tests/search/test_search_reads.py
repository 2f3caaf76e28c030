"""Search holds no read transaction open while the model embeds the query or
the vector store answers (the collection's size, the nearest points, the
similarity of a row found by its name): its reads come in turns around those
calls (``search.service.search``: the scope, then ``ranking.gather``, then
``ranking.ranked`` asks the store). Held across them, the replica would
cancel the read to replay a conflicting change, or hold back its cleanup
meanwhile. Checked on the real servers at the moment the app is inside each
call (``tests.backend.open_reads``): the embedder and the local Qdrant server
look before they answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.providers.routing import provider_entries
from pulse_backend.search.service import SearchDeps
from pulse_backend.search.vectors import TenantVectors
from pulse_common.ai import Embedder
from tests.backend.conftest import Platform, admin_session
from tests.backend.open_reads import Checked, CheckingEmbedder, checking_hook
from tests.backend.support import wait_replica
from tests.backend.test_replica import all_fallbacks
from tests.search.conftest import SearchTenantFactory, search

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _check_embeddings(
    client: TestClient, platform: Platform, embedder: Embedder, checked: Checked
) -> None:
    """The app's search deps (as ``routes.search.search_deps`` builds them)
    with an embedder that checks before it embeds."""
    app: Any = client.app
    clients = app.state.clients
    key = clients.settings.qdrant_api_key
    app.state.search = SearchDeps(
        embedder=CheckingEmbedder(embedder, platform, checked),
        vectors=TenantVectors(clients.settings.qdrant_url, key.get_secret_value() if key else None),
        providers=lambda conn, p: provider_entries(conn, clients.encryption, p.slug),
    )


def test_no_read_is_held_open_across_the_model_or_the_vector_store(
    search_client: TestClient,
    platform: Platform,
    make_search_tenant: SearchTenantFactory,
    embedder: Embedder,
) -> None:
    t = make_search_tenant()
    ops = t.project("OPS")
    t.work_item(ops, "OPS-1", "Upgrade the structured logging library")
    assert t.drain().embedded == 1
    # Not embedded yet: found by its key, its similarity is asked of the
    # store by point id, after the rows were read.
    named = t.work_item(ops, "OPS-2", "Dark mode colours for the dashboard")
    session = admin_session(search_client, t.info)
    wait_replica(platform)  # the item and the sign-in: the reads go to the replica
    checked = Checked()
    _check_embeddings(search_client, platform, embedder, checked)
    t.qdrant.app.on_request = checking_hook(platform, checked)
    fallbacks = all_fallbacks(search_client)

    r = search(search_client, session, q="OPS-2")

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "semantic", body
    assert (body["results"][0]["type"], body["results"][0]["id"]) == ("work_item", named)
    calls = [what.split(" [")[0].rsplit("/", 1)[-1] for what, _ in checked.calls]
    # The embedding, the collection's size, the nearest points, the similarity.
    assert calls.count("embed") == 1 and calls.count("query") == 2, checked.calls
    assert checked.held() == []
    assert all_fallbacks(search_client) == fallbacks
