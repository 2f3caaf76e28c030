"""Every /api/v1/analytics endpoint the dashboard uses, through the real
backend app, on benchmarks/dora.py's generated tenant: p50/p95 uncached and
cached, next to two floors. The floor: every data statement the endpoint
ran, replayed bare on the replica through psycopg (no transaction, no
Python after it). The request floor: the same work as the request, done
directly (``request_floor``: its Redis preflight, then its statements in the
tenant's read transaction, as the app sends them); what the app adds to it
is its own Python ("req.ratio").

    PYTHONPATH=hack:services/common:services/backend .venv/bin/python benchmarks/dora_api.py
    ... benchmarks/dora_api.py --full       # 1M work items, 100k PRs, 20k deployments, 2k incidents
    ... benchmarks/dora_api.py --scale 0.2 --runs 20 --profile lead-time

The app runs in-process (Starlette's TestClient) on PostgreSQL primary +
streaming replica and Redis from the test-world scripts, as
benchmarks/analytics_api.py does; the tenant's rows come from
``dora.generate`` (COPY) and ``relink``. Uncached: the tenant's data version
is bumped before each call (outside the timing), so each call is a miss
under a fresh key, as after an ETL load. The floor's statements are
captured from one uncached call of the endpoint (psycopg's
``Cursor.execute``, see ``Capture``): every statement but the
transaction's own (``BEGIN``, the tenant's ``SET``s, which open the same
string as the opening statement: the floor keeps that statement alone), the
replica-lag probe and the tenant's registry state, i.e. the DORA rules,
the environments, the metric statements. They run with the
same parameters, as the superuser with the tenant's schema on
``search_path``, JIT off and custom plans (as the app's transactions). The session reads as a dashboard's does,
not right after a write of its own (no read-your-writes check). Endpoint, floor and the cached call run in
turn (the load of a shared machine drifts), the request floor after the floor. "server" is the time inside the
app (ASGI call to the last body byte); "client" adds the TestClient's hop.
``--profile ROUTE`` prints a cProfile (wall time) of uncached calls.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlencode

import psycopg
from analytics_api import (
    BACKEND_PW,
    PASSWORD,
    Timed,
    backend_settings,
    bench_dsn,
    bench_stores,
    login,
)
from burst import burst
from burst import header as burst_header
from endpoint_timing import Capture, profile, request_floor
from replay import wait_replayed
from sqlalchemy import text

from dora import END, generate, size_parser

COMMAND = "PYTHONPATH=hack:services/common:services/backend .venv/bin/python benchmarks/dora_api.py"
# (label, path, extra query parameters)
ENDPOINTS: list[tuple[str, str, dict[str, str]]] = [
    ("deployment-frequency", "deployment-frequency", {}),
    ("lead-time", "lead-time", {}),
    ("change-failure-rate", "change-failure-rate", {}),
    ("recovery-time", "recovery-time", {}),
    ("mean-time-to-restore", "mean-time-to-restore", {}),
    ("rework-rate", "rework-rate", {}),
    ("summary", "summary", {}),
    ("trends df/week", "trends", {"metric": "deployment_frequency", "granularity": "week"}),
    ("trends cfr/month", "trends", {"metric": "change_failure_rate", "granularity": "month"}),
    ("engineering", "engineering", {}),
    ("work-items", "work-items", {}),
]

# The burst's endpoints: the overview's heaviest tile and a light one.
BURST = ("deployment-frequency", "summary")


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def main() -> int:
    parser = size_parser(__doc__)
    parser.add_argument("--only", action="append", help="endpoint label(s) to time")
    parser.add_argument("--profile", help="cProfile uncached calls of this endpoint label")
    parser.add_argument(
        "--burst", type=int, default=8, help="viewers asking at once (burst.py; 0: none)"
    )
    args = parser.parse_args()
    scale = 1.0 if args.full else args.scale

    import redis
    from fastapi.testclient import TestClient
    from starlette.datastructures import QueryParams

    from pulse_backend import preflight, response_cache
    from pulse_backend.app import create_app
    from pulse_backend.routes import analytics_fast
    from pulse_common.analytics.common import CUSTOM_PLANS, NO_JIT
    from pulse_common.db import connect, make_engine
    from pulse_common.dora.link import relink
    from pulse_common.dora.settings import DoraRules
    from pulse_common.logging import configure_logging
    from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
    from pulse_common.tenancy import TenantNames, quote_ident

    configure_logging(json=False, level="WARNING")
    with bench_stores("pulse-bench-dora-api-") as (base, pg, rd):
        engine = make_engine(bench_dsn(pg.primary_dsn))
        ensure_platform(engine, backend_password=BACKEND_PW)
        t = ensure_tenant(
            engine,
            TenantRequest.model_validate(
                {
                    "slug": "bench",
                    "display_name": "Bench",
                    "admin_email": "admin@bench.example",
                    "admin_password": PASSWORD + "-0",
                    "login_password": "bench-login-pw",
                }
            ),
        )
        started = time.perf_counter()
        counts = generate(bench_dsn(pg.primary_dsn), t.schema_name, t.tenant_id, scale)
        load_s = time.perf_counter() - started
        with connect(engine) as conn:
            conn.execute(text(f"SET LOCAL search_path TO {quote_ident(t.schema_name)}"))
            started = time.perf_counter()
            relink(conn, t.tenant_id, DoraRules(report_year=2023))
            relink_s = time.perf_counter() - started
        engine.dispose()
        # Settle what relink wrote, as autovacuum does minutes after a load:
        # relink rewrote a stored column of most rows, and until a vacuum sets
        # their pages all-visible again, the index-only reads (work items,
        # lead time's first links) fetch those rows. Measured unsettled at 1M:
        # work items 771 ms instead of 496 (docs/metrics.md).
        with psycopg.connect(bench_dsn(pg.primary_dsn), autocommit=True) as c:
            c.execute(f"SET search_path TO {quote_ident(t.schema_name)}")
            c.execute("VACUUM ANALYZE")
        print(f"scale {scale}: {counts}; COPY {load_s:.1f} s, relink {relink_s:.1f} s")
        # As the ETL records with each bump: the position after the load,
        # which every read then checks the replica has replayed (read_opening.begin_read).
        capture = Capture()
        timed = Timed(create_app(backend_settings(pg.primary_dsn, pg.replica_dsn, rd.url, base)))
        cache = redis.Redis.from_url(rd.url)
        with psycopg.connect(bench_dsn(pg.primary_dsn), autocommit=True) as c:
            loaded = c.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
        cache.set(TenantNames("bench").data_lsn_key, str(loaded[0] if loaded else ""))
        # Timed reads are the replica's: wait until it has replayed the load
        # and that position (a second's sleep was not enough at --full: the
        # first reads fell back).
        wait_replayed(bench_dsn(pg.primary_dsn), bench_dsn(pg.replica_dsn))

        def bump() -> None:
            response_cache.bump_data_version(cache, "bench")

        with (
            TestClient(timed, base_url="https://testserver") as client,
            psycopg.connect(bench_dsn(pg.replica_dsn), autocommit=True) as raw,
        ):
            client.headers["Authorization"] = f"Bearer {login(client, 'bench')}"
            # The login's password change wrote: for the next 30 s the session's
            # reads would first check that the replica replayed it. A dashboard
            # reader's session has not just written: drop the marker.
            for k in cache.scan_iter("t:bench:ryw:*"):
                cache.delete(k)
            raw.execute(f"SET search_path TO {quote_ident(t.schema_name)}")
            # As the app's analytics transactions (pulse_common.analytics.common).
            raw.execute(NO_JIT.replace("LOCAL ", ""))
            raw.execute(CUSTOM_PLANS.replace("LOCAL ", ""))
            common = {"start": (END - dt.timedelta(days=90)).isoformat(), "end": END.isoformat()}
            if args.profile:
                label, path, extra = next(e for e in ENDPOINTS if e[0] == args.profile)
                profile(
                    client, capture, timed, f"/api/v1/analytics/{path}", {**common, **extra}, bump
                )
                return 0
            print(f"\n{COMMAND} {'--full' if args.full else f'--scale {scale}'} --runs {args.runs}")
            print(f"uptime: {os.popen('uptime').read().strip()}")
            print(
                "90-day range; ms; uncached and cached as server (inside the app) p50/p95,"
                " client p50; floor: the endpoint's data statements bare on the replica;"
                " request floor: the same work as the request done directly (request_floor)"
            )
            print(
                f"{'endpoint':22} {'stmts':>5} {'floor p50':>10} {'p95':>8} {'request':>8}"
                f" {'uncached p50':>13} {'p95':>8} {'client':>8} {'ratio':>6} {'req.ratio':>9}"
                f" {'cached p50':>11} {'p95':>6}"
            )
            clients = timed.app.state.clients
            floors: dict[str, Any] = {}
            claims = preflight.claims(clients, client.headers["Authorization"].split()[1])
            for label, path, extra in ENDPOINTS:
                if args.only and label not in args.only:
                    continue
                url, params = f"/api/v1/analytics/{path}", {**common, **extra}

                def call(url: str = url, params: dict[str, str] = params) -> str:
                    r = client.get(url, params=params)
                    r.raise_for_status()
                    return r.headers.get("X-Cache", "")

                bump()
                call()  # warm: plans, buffers, the bands
                bump()
                capture.seen.clear()
                capture.on = True
                assert call() == "miss"
                capture.on = False
                stmts = capture.data_statements()
                opening = capture.opening()
                # The opening statement is the floor's first (the request
                # floor sends it inside the transaction's first round trip).
                assert opening.endswith(stmts[0][0]), (opening, stmts[:3], capture.seen[:6])
                plan = analytics_fast.KEYS[url](QueryParams(urlencode(params)))

                def floor(stmts: list[tuple[str, Any]] = stmts) -> None:
                    for sql, p in stmts:
                        raw.execute(sql, p).fetchall()

                def commands(pipe: Any, plan: Any = plan) -> None:
                    preflight.queue(pipe, claims)
                    response_cache.queue_versioned_get(pipe, claims.names, plan.route, plan.params)

                unc_c: list[float] = []
                unc_s: list[float] = []
                flo: list[float] = []
                req: list[float] = []
                hit: list[float] = []
                for _ in range(args.runs):
                    bump()
                    t0 = time.perf_counter()
                    result = call()
                    unc_c.append((time.perf_counter() - t0) * 1000)
                    unc_s.append(timed.last_ms)
                    assert result == "miss", result
                    t0 = time.perf_counter()
                    floor()
                    flo.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    request_floor(cache, raw, commands, opening, stmts[1:])
                    req.append((time.perf_counter() - t0) * 1000)
                    assert call() == "hit"
                    hit.append(timed.last_ms)
                ratio = statistics.median(unc_s) / statistics.median(flo)
                req_ratio = statistics.median(unc_s) / statistics.median(req)
                print(
                    f"{label:22} {len(stmts):5d} {_pct(flo, 0.5):10.1f} {_pct(flo, 0.95):8.1f}"
                    f" {_pct(req, 0.5):8.1f} {_pct(unc_s, 0.5):13.1f} {_pct(unc_s, 0.95):8.1f}"
                    f" {_pct(unc_c, 0.5):8.1f} {ratio:6.2f} {req_ratio:9.2f}"
                    f" {_pct(hit, 0.5):11.2f} {_pct(hit, 0.95):6.2f}"
                )
                floors[label] = floor
            if args.burst:
                print(f"\n{args.burst} viewers at once after a version bump (burst.py); ms wall")
                burst_header()
                for label, path, extra in ENDPOINTS:
                    if label in floors and label in BURST:
                        url, params = f"/api/v1/analytics/{path}", {**common, **extra}
                        burst(
                            client, clients, label, url, params, bump, floors[label], args.burst, 5
                        )
            print(f"uptime: {os.popen('uptime').read().strip()}")
        cache.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
