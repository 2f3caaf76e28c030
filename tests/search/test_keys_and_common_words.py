"""A common word's full-text lookup ranks a bounded set of candidates
(``rows.RANKED``): the best-ranked of its newest matches.

The fallback is the answer of a tenant whose index is still empty (nothing
drained): the same code path as Qdrant down, without stopping a server."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.search import rows
from tests.backend.conftest import admin_session
from tests.backend.support import wait_replica
from tests.search.conftest import SearchTenantFactory, search

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _results(client: TestClient, session: Any, mode: str, **params: Any) -> list[dict[str, Any]]:
    r = search(client, session, **params)
    assert r.status_code == 200, r.text
    assert r.json()["mode"] == mode, r.json()
    return list(r.json()["results"])


def test_a_common_word_ranks_its_newest_matches(
    search_client: TestClient,
    make_search_tenant: SearchTenantFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A word in more rows than ``rows.RANKED``: the best-ranked of its
    ``RANKED`` newest matches, ties newest first, the same every time; an
    older row ranked higher is not among them, nor another tenant's rows."""
    monkeypatch.setattr(rows, "RANKED", 5)
    a = make_search_tenant("a")
    ops = a.project("OPS")
    times = [1, 1, 4, 1, 1, 1, 1, 1, 3, 1, 2, 1]  # how often each row says "deploy"
    made = [
        a.work_item(ops, f"OPS-{i}", " ".join(["deploy"] * n) + " the service")
        for i, n in enumerate(times)
    ]
    b = make_search_tenant("b")
    b_ops = b.project("OPS")
    for i in range(20):
        b.work_item(b_ops, f"OPS-{i}", "Secret deploy deploy deploy deploy deploy")
    wait_replica(a.platform)
    session = admin_session(search_client, a.info)

    newest = made[-5:]  # times 1, 3, 1, 2, 1
    expected = [newest[1], newest[3], newest[4], newest[2], newest[0]]
    for _ in range(2):
        got = _results(search_client, session, "fulltext", q="deploy")
        assert [h["id"] for h in got] == expected, got
        assert all(h["type"] == "work_item" for h in got)
        assert not any("Secret" in h["title"] for h in got), got
    got = _results(search_client, session, "fulltext", q="deploy", limit=2)
    assert [h["id"] for h in got] == expected[:2]
    # A word in fewer rows than RANKED: every match is ranked, as before.
    monkeypatch.setattr(rows, "RANKED", 50)
    got = _results(search_client, session, "fulltext", q="deploy", limit=3)
    assert [h["id"] for h in got] == [made[2], made[8], made[10]]
