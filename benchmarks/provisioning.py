"""How long ensure_tenant takes (minimal and demo profiles), against the floor
of the same work done directly in the same run: the same tables created with
one ``metadata.create_all`` and the same seed rows inserted, no roles, grants,
Alembic or idempotence checks.

    PYTHONPATH=hack:. .venv/bin/python benchmarks/provisioning.py [--runs 5]

Starts its own test world (PostgreSQL only is used) and stops it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid

import psycopg
from sqlalchemy import text

from pulse_common.db import connect, make_engine
from pulse_common.logging import configure_logging
from pulse_common.models import TenantBase
from pulse_common.provisioning import (
    SeedProfile,
    TenantRequest,
    drop_tenant,
    ensure_platform,
    ensure_tenant,
)
from pulse_common.seed import seed_tenant
from pulse_testworld import start_world


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    world = start_world()
    try:
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")
        engine = make_engine(world.postgres.primary_dsn.rsplit("/", 1)[0] + "/pulse_bench")
        ensure_platform(engine)
        results: dict[str, list[float]] = {}
        for profile in (SeedProfile.minimal, SeedProfile.demo):
            for run in range(args.runs):
                slug = f"b-{uuid.uuid4().hex[:8]}"
                req = TenantRequest(
                    slug=slug,
                    display_name="Bench",
                    admin_email="a@b.example",
                    seed_profile=profile,
                    demo_as_of=dt.date(2026, 6, 30),
                )
                t = time.perf_counter()
                ensure_tenant(engine, req)
                results.setdefault(f"ensure_tenant {profile.value}", []).append(
                    time.perf_counter() - t
                )
                t = time.perf_counter()
                ensure_tenant(engine, req)
                results.setdefault(f"ensure_tenant {profile.value} (re-run)", []).append(
                    time.perf_counter() - t
                )
                drop_tenant(engine, slug)

                raw = f"raw_{uuid.uuid4().hex[:8]}"
                t = time.perf_counter()
                with connect(engine) as conn:
                    conn.execute(text(f"CREATE SCHEMA {raw}"))
                    conn.execute(text(f"SET LOCAL search_path TO {raw}"))
                    TenantBase.metadata.create_all(conn)
                    seed_tenant(conn, 1, req)
                results.setdefault(f"floor: create_all + seed {profile.value}", []).append(
                    time.perf_counter() - t
                )
                with connect(engine) as conn:
                    conn.execute(text(f"DROP SCHEMA {raw} CASCADE"))
                del run
        engine.dispose()
    finally:
        world.stop()
    print(f"{'what':<42} {'median s':>9} {'min s':>7} {'max s':>7}   (runs={args.runs})")
    for name, values in results.items():
        print(
            f"{name:<42} {statistics.median(values):>9.3f} {min(values):>7.3f} {max(values):>7.3f}"
        )
    print(
        f"\ncommand: PYTHONPATH=hack {sys.executable} benchmarks/provisioning.py --runs {args.runs}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
