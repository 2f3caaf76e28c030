"""A new tenant's schema built the fast way (the head script rendered once per
process, one round trip) against ``alembic upgrade tenant@head`` online, in
the same run and alternating, on empty schemas of the same owner role. The
floor: the same rendered script run a second time in a fresh schema as
plain SQL from psql's point of view, i.e. the server's own DDL time (the
fast path's Python side is a constant per process).

    PYTHONPATH=hack:services/common:. .venv/bin/python benchmarks/tenant_schema.py [--runs 5]

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
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
        engine.dispose()
    finally:
        world.stop()
    print(f"{'what':<46} {'median s':>9} {'min s':>7} {'max s':>7}   (runs={args.runs})")
    for name, values in results.items():
        med, lo, hi = statistics.median(values), min(values), max(values)
        print(f"{name:<46} {med:>9.3f} {lo:>7.3f} {hi:>7.3f}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "command: PYTHONPATH=hack:services/common:. "
        f"{sys.executable} benchmarks/tenant_schema.py --runs {args.runs}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
