"""/api/v1/analytics on the demo tenant: p50/p95 per route, uncached (the
data version bumped before each request, outside the timing) and cached,
next to the floor measured in the same run: the same service function on a
replica connection as the tenant's role, with no HTTP, auth or cache.

    PYTHONPATH=hack:services/backend:services/common .venv/bin/python \
        benchmarks/analytics_api.py [--runs 20]

The app runs in-process (Starlette's TestClient, no network); PostgreSQL
(primary + replica) and Redis come from the test-world scripts and stop at
the end. The demo seed is small (90 days of one team): this measures the
API's overhead over the service, not the SQL at scale (benchmarks/dora.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
PASSWORD = "bench-password-1234"
ROUTES = (
    "summary",
    "deployment-frequency",
    "lead-time",
    "change-failure-rate",
    "recovery-time",
    "rework-rate",
    "engineering",
    "work-items",
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _time(fn: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None) -> list[float]:
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import redis
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from pulse_backend.analytics import dora
    from pulse_backend.analytics.engineering import engineering
    from pulse_backend.analytics.levels import load_benchmarks
    from pulse_backend.analytics.scope import Scope
    from pulse_backend.analytics.summary import executive_summary
    from pulse_backend.analytics.work_items import work_item_flow
    from pulse_backend.app import create_app
    from pulse_backend.keys import write_key
    from pulse_backend.response_cache import bump_data_version
    from pulse_backend.settings import RateLimits, Settings
    from pulse_common.db import make_engine
    from pulse_common.dora.settings import load_rules
    from pulse_common.logging import configure_logging
    from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
    from pulse_common.tenancy import TenantNames, quote_ident
    from pulse_testworld.postgres import start_postgres
    from pulse_testworld.procs import Supervisor
    from pulse_testworld.redis_server import start_redis

    services: dict[str, Callable[..., Any]] = {
        "summary": executive_summary,
        "deployment-frequency": dora.deployment_frequency,
        "lead-time": dora.lead_time,
        "change-failure-rate": dora.change_failure_rate,
        "recovery-time": dora.recovery_time,
        "rework-rate": dora.rework_rate,
        "engineering": lambda c, s, _r, _b: engineering(c, s),
        "work-items": lambda c, s, _r, _b: work_item_flow(c, s),
    }
    configure_logging(json=False, level="WARNING")
    base = Path(tempfile.mkdtemp(prefix="pulse-bench-analytics-"))
    base.chmod(0o755)
    (base / "logs").mkdir()
    sup = Supervisor(base / "logs")
    try:
        pg, rd = start_postgres(sup, base), start_redis(sup, base)
        with psycopg.connect(pg.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")

        def dsn(raw: str, user: str | None = None, pw: str | None = None) -> str:
            db = raw.rsplit("/", 1)[0] + "/pulse_bench"
            return db if user is None else f"postgresql://{user}:{pw}@{db.split('@', 1)[1]}"

        engine = make_engine(dsn(pg.primary_dsn))
        ensure_platform(engine, backend_password="bench-backend-pw")
        req = TenantRequest.model_validate(
            {
                "slug": "bench",
                "display_name": "Bench",
                "admin_email": "admin@bench.example",
                "admin_password": PASSWORD + "-0",
                "login_password": "bench-login-pw",
                "seed_profile": "demo",
                "demo_as_of": AS_OF.date(),
            }
        )
        ensure_tenant(engine, req)
        keys = base / "keys"
        keys.mkdir()
        write_key(keys, "b1")
        settings = Settings(
            environment="production",
            database_url=dsn(pg.primary_dsn, "pulse_backend", "bench-backend-pw"),
            database_replica_url=dsn(pg.replica_dsn, "pulse_backend", "bench-backend-pw"),
            redis_url=rd.url,
            jwt_keys_dir=str(keys),
            jwt_active_kid="b1",
            encryption_keys="e1:" + "A" * 43 + "=",
            log_level="WARNING",
            rate=RateLimits(per_user=10_000_000, per_tenant=10_000_000),
        )
        time.sleep(1)  # the replica replays the seed (a few ms; a hang would show as empty figures)
        with TestClient(create_app(settings), base_url="https://testserver") as client:
            creds = {"tenant": "bench", "email": "admin@bench.example"}
            token = client.post(
                "/api/v1/auth/login", json={**creds, "password": PASSWORD + "-0"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            client.post(
                "/api/v1/auth/password",
                headers=headers,
                json={"current_password": PASSWORD + "-0", "new_password": PASSWORD},
            ).raise_for_status()
            token = client.post("/api/v1/auth/login", json={**creds, "password": PASSWORD}).json()[
                "access_token"
            ]
            headers = {"Authorization": f"Bearer {token}"}
            params = {
                "start": (AS_OF - dt.timedelta(days=90)).isoformat(),
                "end": AS_OF.isoformat(),
            }
            scope = Scope(start=AS_OF - dt.timedelta(days=90), end=AS_OF)
            cache = redis.Redis.from_url(rd.url)
            replica = make_engine(dsn(pg.replica_dsn, "pulse_backend", "bench-backend-pw"))
            names = TenantNames("bench")
            with replica.connect() as conn:
                bench = load_benchmarks(conn)
            print(
                f"\nbenchmarks/analytics_api.py --runs {args.runs}  ({os.cpu_count()} CPUs, in-process)"
            )
            print(
                f"{'route':22} {'floor p50/p95':>16} {'uncached p50/p95':>18} {'cached p50/p95':>16}  ms"
            )
            me = _time(lambda: client.get("/api/v1/auth/me", headers=headers), args.runs)
            # Every authenticated request pays this (token, session and limits in Redis).
            print(f"{'GET /auth/me (auth only)':41} {_pct(me, 0.5):9.1f}/{_pct(me, 0.95):7.1f}")
            for route in ROUTES:
                url = f"/api/v1/analytics/{route}"

                def call(url: str = url) -> None:
                    client.get(url, params=params, headers=headers).raise_for_status()

                def floor(route: str = route) -> None:
                    with replica.begin() as conn:
                        conn.execute(
                            text(
                                f"SET LOCAL ROLE {quote_ident(names.login_role)}; "
                                f"SET LOCAL search_path TO {quote_ident(names.schema)}"
                            )
                        )
                        services[route](conn, scope, load_rules(conn), bench)

                base_ms = _time(floor, args.runs)
                uncached = _time(call, args.runs, lambda: bump_data_version(cache, "bench"))
                call()
                cached = _time(call, args.runs)
                print(
                    f"{route:22} {_pct(base_ms, 0.5):7.1f}/{_pct(base_ms, 0.95):7.1f} "
                    f"{_pct(uncached, 0.5):9.1f}/{_pct(uncached, 0.95):7.1f} "
                    f"{_pct(cached, 0.5):7.1f}/{_pct(cached, 0.95):7.1f}"
                    f"   uncached/floor p50 {statistics.median(uncached) / statistics.median(base_ms):.2f}x"
                )
            replica.dispose()
            cache.close()
        engine.dispose()
        return 0
    finally:
        sup.stop_all()
        import shutil

        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
