"""A common word's newest matches found from the newest rows (``rows._newest``:
a probe of the newest ``PROBE``, then a bounded walk of the primary key)
rather than from every match the GIN index gives: the same results, in the
same order, as the statement before it (kept here as ``before``), whichever
way each lookup goes, and a common word's lookup reads only the newest rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, event, text

from pulse_backend.search import rows
from pulse_backend.search.schemas import SearchHit, SearchParams
from pulse_common.search import vectors
from pulse_common.search.documents import ALIAS, FTS_TEXT, SELECT, Kind
from pulse_common.tenancy import quote_ident
from tests.search.conftest import SearchTenant, SearchTenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RANKED, PROBE = 6, 8
# "deploy" in every row (the walk), "alpha" in the newest rows only (the
# walk gives way to the index), "beta" in a few (the index alone), "gamma"
# in none.
QUERIES = ["deploy", "alpha", "beta", "gamma", "deploy alpha", "deploy -beta"]


def before(kind: Kind) -> str:  # the statement before, verbatim
    a = ALIAS[kind]
    vector = f"to_tsvector('english', {FTS_TEXT[kind]})"
    query = "websearch_to_tsquery('english', :q)"
    candidates = SELECT[kind].format(rank="", where=f"AND {vector} @@ {query}")
    return (
        SELECT[kind].format(
            rank=f", ts_rank({vector}, {query}) AS rank",
            where=f"AND {a}.id IN (SELECT c.id FROM ({candidates}"
            f" ORDER BY {a}.id = ANY(:first) DESC, {a}.id DESC LIMIT :ranked) c)",
        )
        + f" ORDER BY {a}.id = ANY(:first) DESC, rank DESC, {a}.id DESC LIMIT :limit"
    )


def _before(conn: Connection, q: str, prefer: list[vectors.Hit], limit: int) -> list[Any]:
    found = []
    for kind in Kind:
        first = [h.row_id for h in prefer if h.kind is kind]
        bound = {"q": q, "first": first, "ranked": RANKED, "limit": limit}
        found += [
            (kind, r.id, round(float(r.rank), 6)) for r in conn.execute(text(before(kind)), bound)
        ]
    wanted = {(h.kind, h.row_id) for h in prefer}
    found.sort(key=lambda f: ((f[0], f[1]) in wanted, f[2]), reverse=True)
    return found[:limit]


def _now(hits: list[SearchHit]) -> list[Any]:
    return [(h.type, h.id, h.score) for h in hits]


@contextmanager
def _tenant_conn(t: SearchTenant) -> Iterator[Connection]:
    with t.platform.engine.connect() as conn:
        conn.execute(text(f"SET search_path TO {quote_ident(t.names.schema)}"))
        yield conn


def _fill(t: SearchTenant) -> None:
    eng, api = t.project("ENG"), t.repository("acme/api")
    for i in range(40):
        words = (
            ["deploy"] * (1 + i % 3) + (["alpha"] if i >= 34 else []) + (["beta"] * (i % 7 == 0))
        )
        t.work_item(eng, f"ENG-{i}", " ".join(words), "the service")
        t.pull_request(api, i + 1, " ".join(words[:2]), "deploy notes" if i % 2 else "")
    for i in range(5):
        t.incident(f"deploy {'beta ' * i}outage")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "RANKED", RANKED)
    monkeypatch.setattr(rows, "PROBE", PROBE)


def test_the_results_and_their_order_are_the_statements_before(
    make_search_tenant: SearchTenantFactory, small_batches: None
) -> None:
    t = make_search_tenant("cw")
    _fill(t)
    with _tenant_conn(t) as conn:
        ids = [r.id for r in conn.execute(text("SELECT id FROM work_items ORDER BY id"))]
        prs = [r.id for r in conn.execute(text("SELECT id FROM prs ORDER BY id"))]
        # Neighbours old and new, matching or not, the semantic mode's prefer.
        prefers: list[list[vectors.Hit]] = [
            [],
            [vectors.Hit(Kind.work_item, ids[0], 0.4), vectors.Hit(Kind.pull_request, prs[3], 0.3)],
            [vectors.Hit(Kind.work_item, i, 0.2) for i in ids[: RANKED + 2]],
        ]
        for q in QUERIES:
            for prefer in prefers:
                for limit in (3, 10):
                    params = SearchParams(q=q, limit=limit)
                    scope = rows.scope_of(conn, params)
                    got = _now(rows.fulltext(conn, params, scope, prefer))
                    assert got == _before(conn, q, prefer, limit), (q, prefer, limit)
        assert _now(rows.fulltext(conn, SearchParams(q="deploy", limit=10), scope))  # not vacuous


def test_a_common_words_lookup_reads_only_the_newest_rows(
    make_search_tenant: SearchTenantFactory, small_batches: None
) -> None:
    t = make_search_tenant("cr")
    many = 3000  # enough rows for the planner to prefer an index to reading them all
    t.sql(
        "INSERT INTO work_items (tenant_id, project_id, key, summary, created) "
        "SELECT :t, :p, 'OPS-' || g, 'deploy the service ' || g, now() "
        "FROM generate_series(1, :n) g",
        {"t": t.info.tenant_id, "p": t.project("OPS"), "n": many},
    )
    t.sql("ANALYZE work_items")
    sent: list[tuple[str, Any]] = []

    def seen(*args: Any) -> None:
        sent.append((str(args[2]), args[3]))

    with _tenant_conn(t) as conn:
        params = SearchParams(q="deploy", types="work_item", limit=10)
        scope = rows.scope_of(conn, params)
        event.listen(conn, "before_cursor_execute", seen)
        assert len(rows.fulltext(conn, params, scope)) == RANKED
        event.remove(conn, "before_cursor_execute", seen)
        read = []
        for statement, bound in sent:
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", bound)
            read += list(_scans(plan.scalar_one()[0]["Plan"]))
    # Every work item holds "deploy": the statement before read all of them
    # (every match, to sort them by id); now the probe's newest rows and the
    # candidates ranked.
    assert read and max(read) <= PROBE, read


def _scans(node: dict[str, Any]) -> Iterator[int]:
    """The rows each scan of ``work_items`` gave, over all its loops."""
    if node.get("Relation Name") == "work_items":
        yield int(node["Actual Rows"]) * int(node["Actual Loops"])
    for child in node.get("Plans", []):
        yield from _scans(child)
