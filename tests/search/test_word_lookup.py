"""Rows named by the query (an issue key, a pull request) or holding its
words are found among all of a tenant's rows, not only among the nearest
neighbours: here many rows are nearer to the query than the one it names.

The vectors are written by the test, each at a chosen similarity to the
queries' own embeddings (the backend embeds the queries with the same
model), so which rows are nearest does not depend on MiniLM's quirks; the
rows, the filters and the tenants' isolation are the real PostgreSQL ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from qdrant_client import models
from sqlalchemy import event, text

from pulse_backend.search import rows
from pulse_backend.search.rows import scope_of
from pulse_backend.search.schemas import SearchParams
from pulse_common.ai import Embedder
from pulse_common.ai.embeddings import LOCAL_MIN_SCORE
from pulse_common.search.documents import Kind, point_id
from pulse_common.tenancy import quote_ident
from tests.backend.conftest import admin_session
from tests.search.conftest import SearchTenant, SearchTenantFactory, search

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

KEY, WORD, PR, SHORT_PR = "ENG-4821", "vatrix", "acme/api#77", "#77"
# How far the word check reached before: the default limit 10, 10 spare
# hits and the 40 nearest neighbours below the cut-off.
OLD_REACH = 60
DECOYS = 70


def _unit(v: np.ndarray) -> np.ndarray:
    out: np.ndarray = v / np.linalg.norm(v)
    return out


class Forger:
    """Vectors at a chosen similarity to the normalised mean of some query
    embeddings (each query's similarity is that times its own cosine to the
    mean), the rest of each vector random and orthogonal to the queries."""

    def __init__(self, embedder: Embedder, queries: list[str]) -> None:
        self.queries = np.array(embedder.embed(queries))
        self.mean = _unit(self.queries.mean(axis=0))
        self.basis, _ = np.linalg.qr(self.queries.T)
        self.rng = np.random.default_rng(7)

    def vector(self, similarity: float) -> list[float]:
        raw = self.rng.standard_normal(self.queries.shape[1])
        noise = _unit(raw - self.basis @ (self.basis.T @ raw))
        v = similarity * self.mean + np.sqrt(1 - similarity**2) * noise
        return [float(x) for x in v]

    def scale(self) -> float:
        """The largest similarity a query gets per unit of similarity to the mean."""
        return float((self.queries @ self.mean).max())


def _write(t: SearchTenant, points: list[tuple[Kind, int, list[float]]]) -> None:
    client = t.etl_client()
    try:
        client.upsert(
            t.names.collection,
            [
                models.PointStruct(
                    id=point_id(kind, row_id),
                    vector=vector,
                    payload={"type": kind.value, "row_id": row_id, "title": ""},
                )
                for kind, row_id, vector in points
            ],
        )
    finally:
        client.close()


def _nearest(t: SearchTenant, embedder: Embedder, q: str, limit: int) -> list[tuple[str, int]]:
    [vector] = embedder.embed([q])
    client = t.etl_client()
    try:
        found = client.query_points(t.names.collection, query=vector, limit=limit).points
    finally:
        client.close()
    return [(str((p.payload or {})["type"]), int((p.payload or {})["row_id"])) for p in found]


def _got(client: TestClient, session: Any, **params: Any) -> list[tuple[str, int, str]]:
    r = search(client, session, **params)
    assert r.status_code == 200, r.text
    assert r.json()["mode"] == "semantic", r.json()
    return [(h["type"], h["id"], h["matched_by"]) for h in r.json()["results"]]


def _tenant(t: SearchTenant) -> tuple[int, int, list[int]]:
    """ENG-4821 and acme/api#77, and DECOYS other ENG items; no vectors yet."""
    eng = t.project("ENG")
    t.project("OPS")
    api = t.repository("acme/api")
    t.repository("acme/web")
    item = t.work_item(eng, KEY, "Export job stalls behind the vatrix mount")
    pr = t.pull_request(api, 77, "Retry the flaky upload step")
    decoys = [
        t.work_item(eng, f"ENG-{5000 + i}", f"Quarterly planning note {i}") for i in range(DECOYS)
    ]
    return item, pr, decoys


def test_a_named_or_worded_row_beyond_the_nearest_neighbours_is_found(
    search_client: TestClient, make_search_tenant: SearchTenantFactory, embedder: Embedder
) -> None:
    a = make_search_tenant("a")
    item, pr, decoys = _tenant(a)
    forger = Forger(embedder, [KEY, WORD, PR, SHORT_PR])
    # Every decoy is nearer than the named rows, all under the cut-off.
    top = (LOCAL_MIN_SCORE - 0.01) / forger.scale()
    _write(
        a,
        [(Kind.work_item, d, forger.vector(top - 0.001 * i)) for i, d in enumerate(decoys)]
        + [(Kind.work_item, item, forger.vector(0.0)), (Kind.pull_request, pr, forger.vector(0.0))],
    )
    for q in (KEY, WORD, PR, SHORT_PR):
        nearest = _nearest(a, embedder, q, OLD_REACH)
        assert ("work_item", item) not in nearest and ("pull_request", pr) not in nearest

    # Another tenant's row with the same key and word never appears.
    b = make_search_tenant("b")
    secret = b.work_item(b.project("ENG"), KEY, "Secret vatrix rotation")
    _write(b, [(Kind.work_item, secret, forger.vector(0.9))])

    session = admin_session(search_client, a.info)
    for q in (KEY, KEY.lower(), WORD):
        assert _got(search_client, session, q=q) == [("work_item", item, "words")], q
    for q in (PR, SHORT_PR):
        assert _got(search_client, session, q=q)[0] == ("pull_request", pr, "words"), q

    # The filters narrow word and key matches as they narrow the rest.
    assert _got(search_client, session, q=KEY, project="ENG") == [("work_item", item, "words")]
    assert _got(search_client, session, q=KEY, project="OPS") == []
    assert _got(search_client, session, q=WORD, types="pull_request,incident") == []
    assert _got(search_client, session, q=PR, repository="acme/api")[0][1] == pr
    assert _got(search_client, session, q=PR, repository="acme/web") == []
    assert _got(search_client, session, q=SHORT_PR, types="work_item") == []

    for q in (KEY, WORD, SHORT_PR):
        titles = [h["title"] for h in search(search_client, session, q=q).json()["results"]]
        assert not any("Secret" in title for title in titles), titles


def test_the_named_row_comes_first_of_the_hits_above_the_cut_off(
    search_client: TestClient, make_search_tenant: SearchTenantFactory, embedder: Embedder
) -> None:
    """MiniLM scores "ENG-4821" 0.55-0.75 against other ENG items and 0.3-0.5
    against ENG-4821 itself: in a large tenant the item the user named is
    close in meaning, yet not among the nearest. It still comes first."""
    t = make_search_tenant()
    item, _, decoys = _tenant(t)
    forger = Forger(embedder, [KEY])
    _write(
        t,
        [(Kind.work_item, d, forger.vector(0.7 - 0.001 * i)) for i, d in enumerate(decoys)]
        + [(Kind.work_item, item, forger.vector(0.4))],
    )
    assert ("work_item", item) not in _nearest(t, embedder, KEY, OLD_REACH)
    session = admin_session(search_client, t.info)
    got = _got(search_client, session, q=KEY)
    assert got[0] == ("work_item", item, "meaning")
    assert got[1:] == [("work_item", d, "meaning") for d in decoys[:9]]


def test_the_word_and_key_lookups_are_index_scans(
    make_search_tenant: SearchTenantFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each statement the lookups send can be planned on an index, the word
    lookups on their GIN index: told to neither scan a table nor walk an
    index whole (tiny tables would otherwise be read either way), the
    planner still chooses a scan when no index has a condition to match,
    e.g. when the GIN index's expression and the query's differ. (Which of
    two fitting btrees a key lookup uses is a matter of statistics: see
    ``benchmarks/search.py --words`` for the plans on a sizeable tenant.)"""
    # A probe of one row: with tables this small a longer one reads every
    # row, which answers without the GIN index this test is about.
    monkeypatch.setattr(rows, "PROBE", 1)
    t = make_search_tenant()
    _tenant(t)
    t.incident("Vatrix mount outage")
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    names = t.names
    with t.platform.engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(names.owner_role)}"))
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(names.schema)}"))
        for plan in ("seqscan", "indexscan", "indexonlyscan"):
            conn.execute(text(f"SET LOCAL enable_{plan} = off"))
        event.listen(conn, "before_cursor_execute", seen)
        # No filters: on tables this small a filter's own index is as good.
        for q in (WORD, KEY, PR, SHORT_PR):
            params = SearchParams(q=q)
            scope = scope_of(conn, params)
            assert rows.named(conn, q, scope) or q == WORD
            assert rows.fulltext(conn, params, scope) or q in (PR, SHORT_PR)
        event.remove(conn, "before_cursor_execute", seen)
        lookups = [
            (s, p)
            for s, p in statements
            if "work_items" in s or "FROM prs" in s or "FROM incidents" in s
        ]
        sent = " ".join(s for s, _ in lookups)
        on_gin: set[str] = set()
        assert "w.key = ANY" in sent and "p.number =" in sent and "r.full_name =" in sent
        assert all(f"FROM {table}" in sent for table in ("work_items", "prs", "incidents"))
        for statement, parameters in lookups:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            assert "Seq Scan on work_items" not in plan and "Seq Scan on prs" not in plan, plan
            assert "Seq Scan on incidents" not in plan, plan
            if "@@" in statement:
                table = next(
                    n for n in ("work_items", "prs", "incidents") if f"FROM {n}" in statement
                )
                if "window" in parameters:
                    # rows._newest's probe: the newest rows only, a bounded
                    # walk of the primary key, never the whole table.
                    assert parameters["window"] <= 4 * rows.RANKED, parameters
                    walk = "Limit  (cost"
                    assert walk in plan and f"Index Scan Backward using pk_{table}" in plan, plan
                    assert plan.index(walk) < plan.index("Index Scan Backward"), plan
                    continue
                assert f"Bitmap Index Scan on ix_{table}_words" in plan, plan
                on_gin.add(table)
        assert on_gin == {"work_items", "prs", "incidents"}, on_gin
