"""The assistant holds no read transaction open while it embeds: the
corrections' lookup reads the candidates, ends its transaction, and only
then compares their questions with the model (``memory.candidates`` then
``memory.relevant``). Held across the embedding (seconds when the model
loads), the replica would cancel the read to replay a conflicting change, or
hold back its cleanup meanwhile. Checked on the real servers at the moment
the app is inside the embedder's call (``tests.backend.open_reads``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_common.ai import Embedder
from tests.agent.conftest import API, local_runtime, parse_sse, use_runtime
from tests.backend.conftest import Platform, Session, TenantFactory, admin_session
from tests.backend.open_reads import Checked, CheckingEmbedder
from tests.backend.support import wait_replica
from tests.backend.test_replica import all_fallbacks

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ASKED = "How often do we deploy?"
CORRECTION = "Count only production deployments; staging runs are not releases."


def _ask(client: TestClient, s: Session, content: str) -> list[tuple[str, dict[str, Any]]]:
    r = client.post(f"{API}/conversations", headers=s.headers)
    assert r.status_code == 201, r.text
    r = client.post(
        f"{API}/conversations/{r.json()['id']}/messages",
        json={"content": content},
        headers=s.headers,
    )
    assert r.status_code == 200, r.text
    return parse_sse(r.text)


def test_no_read_is_held_open_while_the_corrections_are_compared(
    make_client: Callable[..., TestClient],
    platform: Platform,
    make_tenant: TenantFactory,
    embedder: Embedder,
) -> None:
    # No background indexer: only the request's own transactions are there.
    client = make_client(index_interval_seconds=0)
    s = admin_session(client, make_tenant("ago"))
    use_runtime(client, local_runtime(embedder))
    message_id = _ask(client, s, ASKED)[-1][1]["message_id"]
    r = client.post(
        f"{API}/messages/{message_id}/feedback",
        json={"rating": "down", "correction": CORRECTION},
        headers=s.headers,
    )
    assert r.status_code == 201, r.text
    wait_replica(platform)  # the correction and the session's write: read on the replica

    checked = Checked()
    # A name of its own: the questions are embedded again, not found in the
    # process's vector cache, so the comparison does call the embedder.
    name = f"{embedder.name}+checked-{uuid.uuid4().hex[:8]}"
    use_runtime(client, local_runtime(CheckingEmbedder(embedder, platform, checked, name)))
    fallbacks = all_fallbacks(client)
    events = _ask(client, s, "What is our deployment frequency?")

    assert CORRECTION in "".join(d.get("text", "") for e, d in events if e == "token")
    assert any(ASKED in what for what, _ in checked.calls), checked.calls
    assert checked.held() == []
    # The reads were the replica's: what was checked there is what they held.
    assert all_fallbacks(client) == fallbacks
