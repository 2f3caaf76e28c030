"""What benchmarks/dora_api.py measures an endpoint by: the statements it
sends (``Capture``), the same work done directly (``request_floor``), and
where an uncached call's time goes (``profile``)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg
from analytics_api import Timed

from pulse_backend.replica import replay_check

# How tx.opened_read_transaction's one round trip starts, and the replay
# check that follows when the read must see a write or a load
# (replica.replay_check).
TX_OPENING = "BEGIN READ ONLY; "
REPLAY_CHECK = replay_check("0/0").split("'", 1)[0]


class Capture:
    """The statements this process sends to PostgreSQL while ``on``, as the
    driver gets them (psycopg's ``Cursor.execute``: SQLAlchemy's statements
    and the ones the app sends to the driver itself, such as the tenant
    transaction's opening round trip)."""

    def __init__(self) -> None:
        self.on = False
        self.seen: list[tuple[str, Any]] = []
        # Each statement's round trip (send to rows received by the driver), ms.
        self.took: list[float] = []
        original = psycopg.Cursor.execute
        capture = self

        def execute(cur: Any, query: Any, params: Any = None, **kw: Any) -> Any:
            if not capture.on:
                return original(cur, query, params, **kw)
            t0 = time.perf_counter()
            try:
                return original(cur, query, params, **kw)
            finally:
                capture.seen.append((str(query), params))
                capture.took.append((time.perf_counter() - t0) * 1000)

        psycopg.Cursor.execute = execute  # type: ignore[method-assign]

    def opening(self) -> str:
        """The transaction's first round trip as the app sent it: ``BEGIN
        READ ONLY``, the replay check (if any), the tenant's role and search
        path, the opening statement."""
        return next(sql for sql, _ in self.seen if sql.startswith(TX_OPENING))

    def data_statements(self) -> list[tuple[str, Any]]:
        """What the floor replays: not the transaction's settings, the
        replica-lag probe, nor the bands (reference data, loaded once per
        process and cached)."""
        # Not the endpoint's data: the replica-lag probe and the tenant's
        # registry state (each read now and then, per process).
        skip = ("SET ", "SELECT CASE WHEN NOT pg_is_in_recovery()", "FROM pulse.tenants")
        out = []
        for sql, params in self.seen:
            if sql.startswith(TX_OPENING):
                # BEGIN, the replay check, the tenant's SETs, then the opening
                # statement (the rules, the environments): the floor runs the last.
                rest = sql.removeprefix(TX_OPENING)
                if rest.startswith(REPLAY_CHECK):
                    rest = rest.split("; ", 1)[1]
                parts = rest.split("; ", 2)
                if len(parts) < 3:
                    continue
                sql = parts[2]
            if sql.strip() == ";":
                # The primary pool's ping at checkout (SQLAlchemy's
                # pool_pre_ping), when the registry state is read afresh.
                continue
            if (
                not sql.lstrip().upper().startswith(skip[0])
                and not sql.lstrip().startswith(skip[1])
                and skip[2] not in sql
                and "dora_market_benchmarks" not in sql
            ):
                out.append((sql, params))
        return out


def request_floor(
    cache: Any,
    raw: psycopg.Connection[Any],
    commands: Callable[[Any], None],
    opening: str,
    stmts: list[tuple[str, Any]],
) -> None:
    """The same work as an uncached request, done directly: the preflight's
    Redis commands in one pipeline (``commands``: the fast path's, for the
    request's token and cache key), then the tenant's read transaction as
    the app sends it (``opening``: BEGIN READ ONLY, the replay check of the
    tenant's last load, the tenant's role and search path, the opening
    statement, in one round trip), the endpoint's
    other statements and COMMIT. What is left above it is the app's own
    Python: routing, checks, threads, SQLAlchemy, building and serializing
    the answer."""
    pipe = cache.pipeline(transaction=False)
    commands(pipe)
    pipe.execute()
    cur = raw.execute(opening)
    while cur.nextset():
        pass
    cur.fetchall()
    for sql, p in stmts:
        raw.execute(sql, p).fetchall()
    raw.execute("COMMIT")


def _phases(timed: Timed) -> dict[str, list[float]]:
    """Wraps the steps of an uncached request (by module attribute, as the
    code looks them up) to time each, ms per call; ``app`` is the whole."""
    from pulse_backend import analytics_service, context, response_cache

    out: dict[str, list[float]] = {"app": []}

    def wrap(mod: Any, name: str, label: str) -> None:
        fn = getattr(mod, name)
        out[label] = []
        if asyncio.iscoroutinefunction(fn):

            async def awrapped(*a: Any, **k: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return await fn(*a, **k)
                finally:
                    out[label].append((time.perf_counter() - t0) * 1000)

            setattr(mod, name, awrapped)
            return

        def wrapped(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                out[label].append((time.perf_counter() - t0) * 1000)

        setattr(mod, name, wrapped)

    wrap(analytics_service.response_cache, "lookup_async", "route's cache lookup (Redis)")
    wrap(analytics_service, "_miss", "thread-pool work (_miss)")
    wrap(analytics_service, "benchmarks", "  bands")
    wrap(response_cache, "compute_body", "  compute_body (transaction, serialization)")
    wrap(analytics_service, "_compute", "    in the transaction (_compute)")
    wrap(response_cache, "store", "cache write after the answer (Redis SET)")
    wrap(context, "_admit", "admission checks (_admit)")
    _ = timed
    return out


def profile(
    client: Any,
    capture: Capture,
    timed: Timed,
    url: str,
    params: dict[str, str],
    before: Callable[[], Any],
) -> None:
    phases = _phases(timed)
    for _ in range(10):
        before()
        client.get(url, params=params).raise_for_status()
        phases["app"].append(timed.last_ms)
    print("uncached calls, ms per call (p50 of 10):")
    for label, ms in phases.items():
        if ms:
            print(f"  {statistics.median(ms):8.2f}  {label} (x{len(ms) // 10})")
    before()
    capture.seen.clear()
    capture.took.clear()
    capture.on = True
    t0 = time.perf_counter()
    client.get(url, params=params).raise_for_status()
    total = (time.perf_counter() - t0) * 1000
    capture.on = False
    print(f"one uncached call: {total:.1f} ms client; its statements (ms):")
    for (sql, _), ms in zip(capture.seen, capture.took, strict=True):
        print(f"  {ms:8.2f}  {' '.join(sql.split())[:110]}")
    print(f"  {sum(capture.took):8.2f}  in all")
