"""Offline embedding throughput: LocalMiniLM (all-MiniLM-L6-v2 in numpy)
in texts per second at several batch sizes, next to a floor measured in the
same run: the bare numpy matrix products of the same shapes (every linear
layer and both attention products of the 6 layers, at the same padded
lengths), without tokenisation, embeddings lookup, LayerNorm, GELU, softmax
or pooling. The gap between the two is what this implementation adds over
the arithmetic it cannot avoid on this CPU.

    PYTHONPATH=hack:services/common .venv/bin/python benchmarks/ai.py
    ... benchmarks/ai.py --texts 512 --batches 1,8,32,64 --blas-threads 1

``--blas-threads`` caps OpenBLAS's threads (through threadpoolctl when it is
importable, else set OPENBLAS_NUM_THREADS in the environment). On a shared,
oversubscribed CPU its spinning worker threads cost 10x at these small
matrix sizes: measure both before choosing a deployment's setting.

It also prints the installed size of this route (the packages it imports),
for the README's comparison with torch.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

from pulse_common.ai.embeddings import MAX_TOKENS, LocalMiniLM

WORDS = [
    "login",
    "page",
    "crash",
    "timeout",
    "deploy",
    "pipeline",
    "flaky",
    "test",
    "database",
    "migration",
    "latency",
    "api",
    "gateway",
    "cache",
    "redis",
    "postgres",
    "replica",
    "index",
    "query",
    "slow",
    "memory",
    "leak",
    "dashboard",
    "chart",
    "export",
    "csv",
    "permission",
    "role",
    "admin",
    "token",
    "refresh",
    "session",
    "websocket",
    "retry",
    "backoff",
    "incident",
    "rollback",
    "release",
    "hotfix",
    "review",
    "merge",
    "branch",
    "conflict",
    "build",
    "docker",
    "image",
]


def texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    # Work-item titles plus a sentence of description: 8 to 40 words.
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))) for _ in range(n)]


def floor_seconds(lengths: list[int], hidden: int = 384, ffn: int = 1536, heads: int = 12) -> float:
    """The bare matmuls of one pass over batches of the given padded lengths
    (``lengths[i]`` tokens, ``batch`` rows each: passed as (batch, length))."""
    rng = np.random.default_rng(0)
    w_h = rng.standard_normal((hidden, hidden), dtype=np.float32)
    w_up = rng.standard_normal((hidden, ffn), dtype=np.float32)
    w_down = rng.standard_normal((ffn, hidden), dtype=np.float32)
    total = 0.0
    for batch, length in lengths_pairs(lengths):
        x = rng.standard_normal((batch, length, hidden), dtype=np.float32)
        q = rng.standard_normal((batch, heads, length, hidden // heads), dtype=np.float32)
        start = time.perf_counter()
        for _ in range(6):
            for _ in range(4):  # query, key, value, attention output
                x @ w_h
            scores = q @ q.transpose(0, 1, 3, 2)
            scores @ q
            (x @ w_up) @ w_down
        total += time.perf_counter() - start
    return total


def lengths_pairs(flat: list[int]) -> list[tuple[int, int]]:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def padded_shapes(model: LocalMiniLM, items: list[str], batch: int) -> list[int]:
    """(batch, padded length) of each batch, as LocalMiniLM forms them."""
    tok = model._tokenizer
    order = sorted(items, key=len)
    out: list[int] = []
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        out += [len(chunk), min(MAX_TOKENS, max(len(e.ids) for e in tok.encode_batch(chunk)))]
    return out


def installed_mb() -> dict[str, float]:
    sizes: dict[str, float] = {}
    for name in ("numpy", "tokenizers", "safetensors", "all_minilm_l6_v2"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).parent
        dirs = [root, root.parent / f"{name}.libs"]
        total = sum(
            f.stat().st_size for d in dirs if d.exists() for f in d.rglob("*") if f.is_file()
        )
        sizes[name] = total / 1e6
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=128)
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--blas-threads", type=int, default=0, help="0: OpenBLAS's default")
    args = parser.parse_args()
    if args.blas_threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            raise SystemExit("threadpoolctl is not installed: set OPENBLAS_NUM_THREADS") from None
        threadpool_limits(args.blas_threads)
        print(f"BLAS threads capped at {args.blas_threads}")
    items = texts(args.texts)

    start = time.perf_counter()
    model = LocalMiniLM()
    print(
        f"load LocalMiniLM (read the zip, weights to float32): {time.perf_counter() - start:.2f} s"
    )
    model.embed(items[:4])  # warm caches

    load1 = os.getloadavg()[0]
    print(f"\n{args.texts} texts of 8-40 words, best/median of {args.runs} runs")
    print(f"CPU: {os.cpu_count()} cores, load average {load1:.1f} (others share this machine)")
    print(f"{'batch':>5} {'texts/s':>9} {'median':>9} {'floor texts/s':>14} {'floor share':>12}")
    for batch in (int(b) for b in args.batches.split(",")):
        model._batch_size = batch
        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            model.embed(items)
            runs.append(time.perf_counter() - t0)
        floor = min(floor_seconds(padded_shapes(model, items, batch)) for _ in range(args.runs))
        best = min(runs)
        print(
            f"{batch:>5} {args.texts / best:>9.1f} {args.texts / statistics.median(runs):>9.1f} "
            f"{args.texts / floor:>14.1f} {floor / best:>11.0%}"
        )

    print("\ninstalled size of this route (site-packages):")
    sizes = installed_mb()
    for name, mb in sizes.items():
        print(f"  {name:<18} {mb:8.1f} MB")
    print(f"  {'total':<18} {sum(sizes.values()):8.1f} MB")


if __name__ == "__main__":
    main()
