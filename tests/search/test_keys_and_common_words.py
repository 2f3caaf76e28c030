"""The row a query names (an issue key, a pull request) comes first in both
modes, the full-text fallback included; a common word's full-text lookup
ranks a bounded set of candidates (``rows.RANKED``): the best-ranked of its
newest matches.

The fallback is the answer of a tenant whose index is still empty (nothing
drained): the same code path as Qdrant down, without stopping a server."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.search import ranking, rows
from pulse_backend.search.schemas import SearchHit
from tests.backend.conftest import admin_session
from tests.backend.support import wait_replica
from tests.search.conftest import SearchTenant, SearchTenantFactory, search

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

KEY, PR, SHORT_PR = "ENG-482", "acme/api#482", "#482"


def _keyed(t: SearchTenant, secret: str = "") -> dict[str, int]:
    """ENG-482 and acme/api#482, and rows whose text names them more often
    than their own does (a higher full-text rank for the key's words)."""
    eng, api = t.project("ENG"), t.repository("acme/api")
    t.repository("acme/web")
    return {
        "item": t.work_item(eng, KEY, f"{secret}Export job stalls on the mount"),
        "mention": t.work_item(eng, "ENG-7", f"{secret}Blocked by {KEY}", f"{KEY} {KEY} {KEY}"),
        "pr": t.pull_request(api, 482, f"{secret}Retry the flaky upload step"),
        "pr_mention": t.pull_request(
            api, 9, f"{secret}Follow-up to #482", "482 482 482, and see #999"
        ),
    }


def _results(client: TestClient, session: Any, mode: str, **params: Any) -> list[dict[str, Any]]:
    r = search(client, session, **params)
    assert r.status_code == 200, r.text
    assert r.json()["mode"] == mode, r.json()
    return list(r.json()["results"])


def _rows(results: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(h["type"], h["id"]) for h in results]


@pytest.mark.parametrize("mode", ["fulltext", "semantic"])
def test_the_named_row_comes_first_in_either_mode(
    mode: str,
    search_client: TestClient,
    make_search_tenant: SearchTenantFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = make_search_tenant("a")
    ids = _keyed(a)
    b = make_search_tenant("b")
    _keyed(b, secret="Secret ")
    if mode == "semantic":
        assert a.drain().embedded == len(ids)
        assert b.drain().embedded == len(ids)
    wait_replica(a.platform)
    session = admin_session(search_client, a.info)

    for q in (KEY, KEY.lower(), PR, SHORT_PR):
        got = _results(search_client, session, mode, q=q)
        named = ("pull_request", ids["pr"]) if "#" in q else ("work_item", ids["item"])
        assert _rows(got)[0] == named, (q, got)
        # Another tenant's row of the same key, and its words, never appear.
        assert not any(h["title"].startswith("Secret") for h in got), (q, got)

    # A key no row has: the ordinary answer, the same as with no key lookup.
    ordinary = {q: _results(search_client, session, mode, q=q) for q in ("ENG-999", "#999")}
    if mode == "fulltext":
        assert _rows(ordinary["#999"]) == [("pull_request", ids["pr_mention"])]

    def nothing_named(*_: Any) -> list[SearchHit]:
        return []

    monkeypatch.setattr(ranking, "named", nothing_named)
    for q, answer in ordinary.items():
        assert _results(search_client, session, mode, q=q) == answer, q


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
