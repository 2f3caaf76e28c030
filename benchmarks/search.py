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
from pulse_common.search.vectors import read_token
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
    args = parser.parse_args()
    print("command:", " ".join([sys.executable, *sys.argv]))
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
        token = read_token(key, COLLECTION, "bench", ttl=dt.timedelta(hours=1))
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


if __name__ == "__main__":
    main()
