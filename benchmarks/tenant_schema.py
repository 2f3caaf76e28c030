"""A new tenant's schema built the fast way (the head script rendered once per
process, one round trip) against ``alembic upgrade tenant@head`` online, in
the same run and alternating, on empty schemas of the same owner role. The
floor: the same rendered script run a second time in a fresh schema as
plain SQL from psql's point of view, i.e. the server's own DDL time (the
fast path's Python side is a constant per process).

    PYTHONPATH=hack:services/common:. .venv/bin/python benchmarks/tenant_schema.py [--runs 5] [--statements] [--whole 500]

``--statements`` also sends the script one statement at a time (same
transaction) and prints the time per kind of statement: where the server's
DDL time goes (29 Nov, load 2: CREATE TABLE 67 %, CREATE INDEX 14 %, the
rest, ALTERs, triggers, data steps and version updates, under 20 %).

``--whole N`` then builds N schemas in a row and keeps them, printing the
time per 50: the DDL floor of N tenants, catalog growth included (the
operator's Ready floor cannot be lower on the same cores).

Starts its own test world (PostgreSQL only is used) and stops it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid

import psycopg
from sqlalchemy import Engine, text

from pulse_common import migrate
from pulse_common.db import connect, make_engine
from pulse_common.logging import configure_logging
from pulse_common.tenancy import TenantNames, quote_ident
from pulse_testworld import start_world


def _empty_schema(engine: Engine) -> TenantNames:
    names = TenantNames(f"b-{uuid.uuid4().hex[:8]}")
    with connect(engine) as conn:
        conn.execute(text(f"CREATE ROLE {quote_ident(names.owner_role)} NOLOGIN"))
        conn.execute(
            text(
                f"CREATE SCHEMA {quote_ident(names.schema)} "
                f"AUTHORIZATION {quote_ident(names.owner_role)}"
            )
        )
    return names


def _drop(engine: Engine, names: TenantNames) -> None:
    with connect(engine) as conn:
        conn.execute(text(f"DROP SCHEMA {quote_ident(names.schema)} CASCADE"))
        conn.execute(text(f"DROP ROLE {quote_ident(names.owner_role)}"))


def _timed(engine: Engine, build: str) -> float:
    names = _empty_schema(engine)
    t = time.perf_counter()
    with connect(engine) as conn:
        if build == "fast":
            migrate.create_tenant_at_head(conn, names.slug)
        else:
            migrate.upgrade_tenant(conn, names.slug)
    elapsed = time.perf_counter() - t
    _drop(engine, names)
    return elapsed


def _floor(dsn: str, engine: Engine, script: str) -> float:
    names = _empty_schema(engine)
    with psycopg.connect(dsn) as c:
        c.execute(f"SET ROLE {quote_ident(names.owner_role)}")
        c.execute(f"SET search_path TO {quote_ident(names.schema)}")
        t = time.perf_counter()
        c.execute(script.encode())
        c.commit()
        elapsed = time.perf_counter() - t
    _drop(engine, names)
    return elapsed


def _statements(script: str) -> list[str]:
    """The script's statements: ';' at a line end, outside $$ bodies."""
    out: list[str] = []
    lines: list[str] = []
    in_body = False
    for line in script.splitlines(keepends=True):
        if line.startswith("--") and not lines:
            continue
        lines.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if not in_body and line.rstrip().endswith(";"):
            out.append("".join(lines).strip())
            lines = []
    return out


def _per_kind(dsn: str, engine: Engine, script: str) -> dict[str, float]:
    names = _empty_schema(engine)
    kinds: dict[str, float] = {}
    with psycopg.connect(dsn) as c:
        c.execute(f"SET ROLE {quote_ident(names.owner_role)}")
        c.execute(f"SET search_path TO {quote_ident(names.schema)}")
        for statement in _statements(script):
            code = [line for line in statement.splitlines() if not line.startswith("--")]
            kind = " ".join(" ".join(code).split()[:2])  # CREATE TABLE, UPDATE deployments...
            t = time.perf_counter()
            c.execute(statement.encode())
            kinds[kind] = kinds.get(kind, 0.0) + time.perf_counter() - t
        c.commit()
    _drop(engine, names)
    return kinds


def _whole(dsn: str, engine: Engine, script: str, n: int, threads: int) -> list[float]:
    """Builds ``n`` schemas in a row (kept: the catalog grows as it does for
    n tenants), on ``threads`` connections; returns each build's end time."""
    import concurrent.futures

    started = time.perf_counter()

    def build(_: int) -> float:
        names = _empty_schema(engine)
        with psycopg.connect(dsn) as c:
            c.execute(f"SET ROLE {quote_ident(names.owner_role)}")
            c.execute(f"SET search_path TO {quote_ident(names.schema)}")
            c.execute(script.encode())
            c.commit()
        return time.perf_counter() - started

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return sorted(pool.map(build, range(n)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--statements", action="store_true", help="time each kind of statement")
    parser.add_argument(
        "--whole",
        type=int,
        default=0,
        help="also build this many schemas in a row and keep them (the whole-N DDL floor)",
    )
    parser.add_argument("--threads", type=int, default=2, help="connections for --whole")
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    world = start_world()
    results: dict[str, list[float]] = {}
    try:
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")
        dsn = world.postgres.primary_dsn.rsplit("/", 1)[0] + "/pulse_bench"
        engine = make_engine(dsn)
        with connect(engine) as conn:
            migrate.upgrade_control(conn)
        t = time.perf_counter()
        _, script = migrate.tenant_head_sql()
        results["render the head script (once per process)"] = [time.perf_counter() - t]
        # Interleaved, so that load changes on this shared machine hit all three alike.
        for _ in range(args.runs):
            results.setdefault("fast: rendered script, one round trip", []).append(
                _timed(engine, "fast")
            )
            results.setdefault("alembic upgrade tenant@head (online)", []).append(
                _timed(engine, "alembic")
            )
            results.setdefault("floor: the script through bare psycopg", []).append(
                _floor(dsn, engine, script)
            )
        kinds: dict[str, list[float]] = {}
        for _ in range(args.runs if args.statements else 0):
            for kind, seconds in _per_kind(dsn, engine, script).items():
                kinds.setdefault(kind, []).append(seconds)
        ends = _whole(dsn, engine, script, args.whole, args.threads) if args.whole else []
        engine.dispose()
    finally:
        world.stop()
    print(f"{'what':<46} {'median s':>9} {'min s':>7} {'max s':>7}   (runs={args.runs})")
    for name, values in results.items():
        med, lo, hi = statistics.median(values), min(values), max(values)
        print(f"{name:<46} {med:>9.3f} {lo:>7.3f} {hi:>7.3f}")
    if kinds:
        total = sum(statistics.median(v) for v in kinds.values())
        print(f"\nstatement by statement, median per schema (sum {total:.3f} s):")
        for kind, values in sorted(kinds.items(), key=lambda kv: -statistics.median(kv[1])):
            med = statistics.median(values)
            print(f"  {kind:<30} {med:>7.3f} s {100 * med / total:>5.1f} %")
    if ends:
        print(f"\n{args.whole} schemas in a row on {args.threads} connections: {ends[-1]:.1f} s")
        previous = 0.0
        for i in range(49, len(ends), 50):
            print(f"  schemas {i - 48:>4}-{i + 1:<4} {ends[i] - previous:7.1f} s")
            previous = ends[i]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "command: PYTHONPATH=hack:services/common:. "
        f"{sys.executable} benchmarks/tenant_schema.py --runs {args.runs}"
        + (" --statements" if args.statements else "")
        + (f" --whole {args.whole} --threads {args.threads}" if args.whole else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
