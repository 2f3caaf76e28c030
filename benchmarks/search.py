"""Vector search latency: p50/p95 of one nearest-neighbour query (top 10, all
types as the API's default; ``--filter`` adds a type filter) on N random unit
vectors of 384 dimensions,

- ``server``: through the local Qdrant HTTP server (``pulse_fakes.qdrant``)
  with a collection-scoped read token, as the backend searches: JSON over
  HTTP, JWT verification with its ``value_exists`` lookup, then the maths;
- ``floor``: the same query on ``qdrant_client``'s local mode in-process
  (the maths alone, measured in the same run on the same vectors);
- ``embed``: embedding one query with the local all-MiniLM-L6-v2 (the other
  half of a semantic search's cost).

    PYTHONPATH=hack:services/backend:services/common .venv/bin/python benchmarks/search.py \
        [--vectors 100000] [--queries 200] [--filter]

Both stores do exact (brute-force) search: local mode has no HNSW index, so
these figures grow linearly with N, unlike a real Qdrant server's.

``--words N`` instead times search's lookups in PostgreSQL on a tenant of N
work items (N/3 pull requests in 50 repositories, N/20 incidents; words
drawn from a 300-word vocabulary, so a word is in about 2 % of the rows, one
row holds a rare word, and "fix" begins four work items and PRs in five), in
its own throwaway PostgreSQL: each lookup as search sends it (``rows.named``,
``rows.fulltext``) next to its raw-SQL floor (the index alone, ids only, no
ranking), and the same word lookup with index scans turned off (what each
search cost before the GIN indexes); then what ranking every match of "fix"
costs (the full-text lookup before ``rows.RANKED``) and what finding its 200
newest work items from the GIN index costs (before ``rows._newest``), and
each statement's plan (EXPLAIN ANALYZE).

    PYTHONPATH=hack:services/backend:services/common .venv/bin/python benchmarks/search.py \
        --words 100000 [--queries 50]

30 Nov, 2 cores shared with other sessions (so every figure is up to 2x
noisier than an idle machine's), ``--words 100000 --queries 30``, p50
search / floor / no index: ENG-7000 2.7 / 0.15 / 960 ms; org/repo-8#357 4.3
/ 0.12 / 1117; #357 2.7 / 0.44 / 1185 (the btree probed once per
repository); a rare word 1.8 / 0.07 / 1268; a word in 2 % of the rows 10 /
0.41 / 913 (38 before ``rows.RANKED``: ``ts_rank`` over its 2,000 + 666 +
100 matches); the same word in one project 5 / 0.61 / 78; "fix", in 80 % of
the work items and PRs, 77 / 0.17 / 992, where ranking every match of the
work items alone takes 657 ms. What is left of "fix"'s 77 ms is finding its
200 newest matches of each kind: the GIN index's 80,000 + 26,667 matches
sorted by id (the plans). Search's figures are 3-4 statements (one per kind,
and the named row's) to the floor's one.

30 Nov, after ``rows._newest`` (a probe of the 32 newest rows, then the
newest rows read on for a common word), this run and main's at the same time
(load 8: figures 3-4x an idle machine's), search p50 main → now: "fix" 256 →
23 ms (its 200 newest work items from the GIN index alone: 67-97 ms); w017
36 → 35; w009 project=ENG 14 → 15; vatrix 3.6 → 7.7, ENG-7000 4.1 → 4.8,
#357 6.4 → 9.4, org/repo-8#357 6.6 → 9.9 (the probe: one statement and 32
parses per kind). Search's figures are now 4-7 statements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from qdrant_client import QdrantClient, models

from pulse_common import vectorstore
from pulse_common.search.vectors import collection_token
from pulse_fakes.qdrant import serve_qdrant

DIM = 384
KINDS = ["work_item", "pull_request", "incident"]
COLLECTION = "tenant_bench"


def _points(vectors: np.ndarray, start: int) -> list[models.PointStruct]:
    return [
        models.PointStruct(
            id=start + i, vector=v.tolist(), payload={"type": KINDS[(start + i) % 3], "row_id": i}
        )
        for i, v in enumerate(vectors)
    ]


def _load(client: QdrantClient, data: np.ndarray, batch: int = 2000) -> None:
    client.create_collection(
        COLLECTION, vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE)
    )
    for start in range(0, len(data), batch):
        client.upsert(COLLECTION, _points(data[start : start + batch], start), wait=True)


def _timed(fn: Callable[[np.ndarray], object], queries: np.ndarray) -> list[float]:
    fn(queries[0])  # warm-up
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _line(name: str, ms: list[float]) -> str:
    p50 = statistics.median(ms)
    p95 = statistics.quantiles(ms, n=20)[-1]
    return f"{name:<8} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   ({len(ms)} queries)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--filter", action="store_true", help="filter on two of the three types (a payload scan)"
    )
    parser.add_argument("--words", type=int, metavar="N", help="time the PostgreSQL lookups")
    args = parser.parse_args()
    print("command:", " ".join([sys.executable, *sys.argv]))
    if args.words:
        bench_words(args.words, args.queries)
        return
    rng = np.random.default_rng(7)
    data = rng.standard_normal((args.vectors, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = rng.standard_normal((args.queries, DIM)).astype(np.float32)
    where = (
        models.Filter(
            must=[models.FieldCondition(key="type", match=models.MatchAny(any=KINDS[:2]))]
        )
        if args.filter
        else None
    )

    key = secrets.token_urlsafe(32)
    with serve_qdrant(key) as server:
        admin = vectorstore.connect(server.url, key, timeout=120)
        # Loaded behind the server's back: the figure is about searching.
        _load(server.app.local, data)
        vectorstore.issue_token(admin, key, COLLECTION, "bench", ttl=dt.timedelta(hours=1))
        token = collection_token(key, COLLECTION, "bench", ttl=dt.timedelta(hours=1))
        reader = vectorstore.connect(server.url, token, timeout=120)
        served = _timed(
            lambda q: reader.query_points(
                COLLECTION, query=q.tolist(), query_filter=where, limit=10
            ),
            queries,
        )
        reader.close()
        admin.close()

    local = QdrantClient(location=":memory:")
    _load(local, data)
    floor = _timed(
        lambda q: local.query_points(COLLECTION, query=q.tolist(), query_filter=where, limit=10),
        queries,
    )
    local.close()

    from pulse_common.ai.embeddings import local_embedder

    model = local_embedder()
    texts = [f"why did the checkout page fail for order {i}" for i in range(min(50, args.queries))]
    embed = _timed(
        lambda i: model.embed([texts[int(i[0]) % len(texts)]]), np.arange(len(texts)).reshape(-1, 1)
    )

    print(f"{args.vectors} vectors x {DIM} dims, top 10, type filter: {args.filter}")
    print(_line("server", served))
    print(_line("floor", floor))
    print(_line("embed", embed))
    overhead = statistics.median(served) - statistics.median(floor)
    print(f"server overhead over the floor (p50): {overhead:.2f} ms")


# One statement per table; ``g`` is the row's number. Six words of VOCABULARY
# per summary/title (a word is in about 2 % of the rows); ENG-7 holds "vatrix";
# four rows in five of work items and pull requests begin with COMMON.
VOCABULARY = [f"w{i:03d}" for i in range(300)]
COMMON = "fix"
LEAD = f"CASE WHEN g % 5 <> 0 THEN '{COMMON} ' ELSE '' END || "
WORDS = "(SELECT string_agg((CAST(:v AS text[]))[1 + (g * 7919 + k * 104729) % 300], ' ') FROM generate_series(1, 6) k)"
FILL = [
    "INSERT INTO projects (tenant_id, key, name) SELECT :t, 'P' || i, 'P' || i "
    "FROM generate_series(1, 19) i",
    "INSERT INTO projects (tenant_id, key, name) VALUES (:t, 'ENG', 'ENG')",
    "INSERT INTO repositories (tenant_id, full_name, name) "
    "SELECT :t, 'org/repo-' || i, 'repo-' || i FROM generate_series(1, 50) i",
    "INSERT INTO work_items (tenant_id, project_id, key, summary, description, created) "
    "SELECT :t, p.id, p.key || '-' || g, " + LEAD + WORDS + ", " + WORDS + ", now() "
    "FROM generate_series(1, :n) g JOIN projects p ON p.key = CASE WHEN g % 20 = 0 "
    "THEN 'ENG' ELSE 'P' || (g % 20) END",
    "UPDATE work_items SET summary = summary || ' vatrix' WHERE key = 'ENG-7000'",
    "INSERT INTO prs (tenant_id, repository_id, number, title, body, state, created) "
    "SELECT :t, r.id, g, " + LEAD + WORDS + ", " + WORDS + ", 'open', now() "
    "FROM generate_series(1, :n / 3) g JOIN repositories r ON r.full_name = 'org/repo-' || (1 + g % 50)",
    "INSERT INTO incidents (tenant_id, external_id, title, severity, started_at) "
    "SELECT :t, 'i' || g, " + WORDS + ", 'sev2', now() FROM generate_series(1, :n / 20) g",
]
# (query, filter, the floor: the index alone)
LOOKUPS = [
    ("ENG-7000", {}, "SELECT id FROM work_items WHERE key = 'ENG-7000'"),
    (
        "org/repo-8#357",
        {},
        "SELECT p.id FROM prs p JOIN repositories r ON r.id = p.repository_id "
        "WHERE r.full_name = 'org/repo-8' AND p.number = 357",
    ),
    ("#357", {}, "SELECT id FROM prs WHERE number = 357"),
    (
        "vatrix",
        {},
        "SELECT id FROM work_items WHERE to_tsvector('english', key || ' ' || summary "
        "|| ' ' || COALESCE(description, '')) @@ websearch_to_tsquery('english', 'vatrix')",
    ),
    (
        "w017",
        {},
        "SELECT id FROM work_items WHERE to_tsvector('english', key || ' ' || summary "
        "|| ' ' || COALESCE(description, '')) @@ websearch_to_tsquery('english', 'w017') LIMIT 10",
    ),
    (
        "w009",
        {"project": "ENG"},
        "SELECT id FROM work_items WHERE to_tsvector('english', key "
        "|| ' ' || summary || ' ' || COALESCE(description, '')) @@ websearch_to_tsquery('english', "
        "'w009') AND project_id = (SELECT id FROM projects WHERE key = 'ENG') LIMIT 10",
    ),
    (
        COMMON,
        {},
        "SELECT id FROM work_items WHERE to_tsvector('english', key || ' ' || summary "
        f"|| ' ' || COALESCE(description, '')) @@ websearch_to_tsquery('english', '{COMMON}') "
        "LIMIT 10",
    ),
]
# What a common word's lookup of work items cost before ``rows.RANKED``:
# ``ts_rank`` over every match.
RANK_ALL = (
    "SELECT id, ts_rank(v, q) AS rank FROM work_items, "
    "to_tsvector('english', key || ' ' || summary || ' ' || COALESCE(description, '')) v, "
    f"websearch_to_tsquery('english', '{COMMON}') q WHERE v @@ q ORDER BY rank DESC LIMIT 10"
)
# What finding a common word's newest work items cost before ``rows._newest``:
# every match from the GIN index, read and sorted by id.
NEWEST_BY_INDEX = (
    "SELECT w.id FROM work_items w WHERE w.active AND to_tsvector('english', key || ' ' || "
    f"summary || ' ' || COALESCE(description, '')) @@ websearch_to_tsquery('english', '{COMMON}') "
    "ORDER BY w.id = ANY('{}'::bigint[]) DESC, w.id DESC LIMIT 200"
)


def bench_words(n: int, runs: int) -> None:
    from analytics_api import BACKEND_PW, bench_dsn, bench_stores
    from pydantic import SecretStr
    from sqlalchemy import Connection, event, text

    from pulse_backend.search import rows
    from pulse_backend.search.schemas import SearchParams
    from pulse_common.db import make_engine
    from pulse_common.logging import configure_logging
    from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
    from pulse_common.tenancy import TenantNames, quote_ident

    configure_logging(json=False, level="WARNING")
    names = TenantNames("bench")

    def tenant(conn: Connection) -> None:
        conn.execute(text(f"SET search_path TO {quote_ident(names.schema)}"))

    with bench_stores("pulse-bench-search-") as (_, pg, _):
        engine = make_engine(bench_dsn(pg.primary_dsn))
        ensure_platform(engine, backend_password=BACKEND_PW)
        request = TenantRequest(
            slug="bench",
            display_name="Bench",
            admin_email="admin@bench.example",
            login_password=SecretStr("bench-login-pw"),
        )
        tenant_id = ensure_tenant(engine, request).tenant_id
        t0 = time.perf_counter()
        with engine.begin() as conn:
            tenant(conn)
            for sql in FILL:
                conn.execute(text(sql), {"t": tenant_id, "n": n, "v": VOCABULARY})
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            tenant(conn)
            conn.execute(text("VACUUM ANALYZE work_items, prs, incidents"))
        print(
            f"tenant: {n} work items, {n // 3} PRs, {n // 20} incidents "
            f"(filled, indexed, vacuumed in {time.perf_counter() - t0:.0f} s)"
        )

        sent: list[tuple[str, object]] = []
        # The planner told not to use indexes, on a connection of its own:
        # psycopg prepares a statement run 5 times, and a prepared plan
        # survives a SET.
        with engine.connect() as conn, engine.connect() as scans:
            tenant(conn)
            tenant(scans)
            scans.exec_driver_sql("SET enable_bitmapscan = off")
            scans.exec_driver_sql("SET enable_indexscan = off")

            def lookup(q: str, filters: dict[str, str], c: Connection = conn) -> None:
                params = SearchParams(q=q, **filters)
                scope = rows.scope_of(c, params)
                rows.named(c, q, scope)
                rows.fulltext(c, params, scope)

            def raw(sql: str) -> None:
                conn.exec_driver_sql(sql).all()

            print(
                f"{'lookup':34} {'search p50':>11} {'p95':>8} {'floor p50':>10} {'no index p50':>13}"
            )
            for q, filters, floor in LOOKUPS:
                label = q + "".join(f" {k}={v}" for k, v in filters.items())
                searched = _timed(lambda _, q=q, f=filters: lookup(q, f), np.arange(runs))
                floored = _timed(lambda _, sql=floor: raw(sql), np.arange(runs))
                unindexed = _timed(
                    lambda _, q=q, f=filters: lookup(q, f, scans), np.arange(min(runs, 5))
                )
                print(
                    f"{label:34} {statistics.median(searched):8.2f} ms "
                    f"{statistics.quantiles(searched, n=20)[-1]:8.2f} "
                    f"{statistics.median(floored):7.2f} ms {statistics.median(unindexed):10.2f} ms"
                )
            every = _timed(lambda _: raw(RANK_ALL), np.arange(min(runs, 10)))
            print(
                f"{COMMON!r} in work items, ts_rank over every match (before rows.RANKED = "
                f"{rows.RANKED}): p50 {statistics.median(every):.2f} ms"
            )
            by_index = _timed(lambda _: raw(NEWEST_BY_INDEX), np.arange(min(runs, 10)))
            print(
                f"{COMMON!r} in work items, its {rows.RANKED} newest matches from the GIN "
                f"index (before rows._newest): p50 {statistics.median(by_index):.2f} ms"
            )

            def seen(*args: object) -> None:
                sent.append((str(args[2]), args[3]))

            event.listen(conn, "before_cursor_execute", seen)
            for q, filters, _ in LOOKUPS:
                lookup(q, filters)
            event.remove(conn, "before_cursor_execute", seen)
            for statement, parameters in sent:
                if not any(f"FROM {t}" in statement for t in ("work_items", "prs", "incidents")):
                    continue
                plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", parameters)
                print(f"\n-- {parameters}")
                print("\n".join(r[0] for r in plan))


if __name__ == "__main__":
    main()
