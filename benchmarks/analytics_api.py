"""/api/v1/analytics on the demo tenant: p50/p95 per route, uncached (the
data version bumped before each request, outside the timing) and cached,
next to the floor measured in the same run: the same service function on a
replica connection as the tenant's role, with no HTTP, auth or cache.

    PYTHONPATH=hack:services/backend:services/common .venv/bin/python \
        benchmarks/analytics_api.py [--runs 20]

The app runs in-process (Starlette's TestClient, no network); PostgreSQL
(primary + replica) and Redis come from the test-world scripts and stop at
the end. Each figure is "client/server": the client's whole call, and the
time inside the app (from the ASGI call to the last body byte, middleware
included), so that the TestClient's own cost (its thread hop and request
building) is not charged to the API. Cached figures add a third number:
the CPU time of the app's event-loop thread during the request. A hit runs
entirely on that thread, so on a loaded machine (where wall times mostly
measure the wait for a core) it is the app's own cost; for ``/auth/me``
(a sync route) it leaves out the thread pool's part. ``GET /healthz`` (no
auth, no database) is the transport floor; ``GET /auth/me`` adds
authentication. Each route's cached figures are given twice: answered by
the fast path (``routes/analytics_fast.py``, the default), and on the line
below by the route itself (a second app with ``analytics_fast_path`` off,
same databases and Redis). The load average is printed at the start and
the end: wall times are only comparable between quiet runs. ``--profile ROUTE`` prints where cached requests of ROUTE
spend the loop thread's CPU (``PROFILE_SORT=tottime`` to sort by own time).
The demo seed is small (90 days of one team): this measures the
API's overhead over the service, not the SQL at scale (benchmarks/dora.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from replay import wait_replayed

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


COMMAND = (
    "PYTHONPATH=hack:services/backend:services/common .venv/bin/python benchmarks/analytics_api.py"
)


BACKEND_PW = "bench-backend-pw"


@contextlib.contextmanager
def bench_stores(prefix: str) -> Iterator[tuple[Path, Any, Any]]:
    """A throwaway PostgreSQL (primary + streaming replica, with the empty
    database ``pulse_bench``) and Redis under a temporary folder; stopped
    and removed on exit. Yields (folder, PostgreSQL, Redis)."""
    from pulse_testworld.postgres import start_postgres
    from pulse_testworld.procs import Supervisor
    from pulse_testworld.redis_server import start_redis

    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)
    (base / "logs").mkdir()
    sup = Supervisor(base / "logs")
    try:
        pg, rd = start_postgres(sup, base), start_redis(sup, base)
        with psycopg.connect(pg.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")
        yield base, pg, rd
    finally:
        sup.stop_all()
        shutil.rmtree(base, ignore_errors=True)


def bench_dsn(raw: str, user: str | None = None, pw: str | None = None) -> str:
    """``raw``'s server, database ``pulse_bench``, as ``user`` if given."""
    db = raw.rsplit("/", 1)[0] + "/pulse_bench"
    return db if user is None else f"postgresql://{user}:{pw}@{db.split('@', 1)[1]}"


def backend_settings(primary: str, replica: str, redis_url: str, base: Path) -> Any:
    """The backend's production settings on the bench database (a fresh
    signing key under ``base``; rate limits out of the way)."""
    from pulse_backend.keys import write_key
    from pulse_backend.settings import RateLimits, Settings

    keys = base / "keys"
    keys.mkdir()
    write_key(keys, "b1")
    return Settings(
        environment="production",
        database_url=bench_dsn(primary, "pulse_backend", BACKEND_PW),
        database_replica_url=bench_dsn(replica, "pulse_backend", BACKEND_PW),
        redis_url=redis_url,
        jwt_keys_dir=str(keys),
        jwt_active_kid="b1",
        encryption_keys="e1:" + "A" * 43 + "=",
        log_level="WARNING",
        rate=RateLimits(per_user=10_000_000, per_tenant=10_000_000),
    )


def login(client: Any, slug: str) -> str:
    """An access token of ``slug``'s admin, created with ``PASSWORD + "-0"``:
    the first login must change it."""
    creds = {"tenant": slug, "email": f"admin@{slug}.example"}
    token = client.post("/api/v1/auth/login", json={**creds, "password": PASSWORD + "-0"}).json()[
        "access_token"
    ]
    client.post(
        "/api/v1/auth/password",
        headers={"Authorization": f"Bearer {token}"},
        json={"current_password": PASSWORD + "-0", "new_password": PASSWORD},
    ).raise_for_status()
    return str(
        client.post("/api/v1/auth/login", json={**creds, "password": PASSWORD}).json()[
            "access_token"
        ]
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Timed:
    """The outermost ASGI layer: the server-side time of each request, and
    the CPU time of the event loop's thread meanwhile. A cached request
    never leaves that thread, so its CPU time is all the app's own work;
    unlike the wall time it does not grow while a loaded machine keeps the
    thread waiting for a core (Redis's side of the round trips is not in it)."""

    def __init__(self, app: Any) -> None:
        self.app, self.last_ms, self.last_cpu_ms = app, 0.0, 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        done: list[tuple[float, float]] = []

        async def timed_send(message: Any) -> None:
            await send(message)
            # The last body byte: what runs after it (a response's background
            # task, such as a cache write) does not delay the client.
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.append((time.perf_counter(), time.thread_time()))

        try:
            await self.app(scope, receive, timed_send)
        finally:
            t1, c1 = done[0] if done else (time.perf_counter(), time.thread_time())
            self.last_ms = (t1 - t0) * 1000
            self.last_cpu_ms = (c1 - c0) * 1000


def _time(
    fn: Callable[[], Any],
    runs: int,
    before: Callable[[], Any] | None = None,
    server: Timed | None = None,
) -> tuple[list[float], list[float], list[float]]:
    """(client ms, server ms, server loop-thread CPU ms) per run; the last
    two are empty without ``server``."""
    out: list[float] = []
    inside: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
        if server is not None:
            inside.append(server.last_ms)
            cpu.append(server.last_cpu_ms)
    return out, inside, cpu


def _cs(client_ms: list[float], server_ms: list[float], cpu_ms: list[float], q: float) -> str:
    return f"{_pct(client_ms, q):.1f}/{_pct(server_ms, q):.1f}"


def _csc(times: tuple[list[float], list[float], list[float]], q: float) -> str:
    """client/server/loop CPU: for cached calls (no thread-pool work)."""
    return f"{_cs(*times, q)}/{_pct(times[2], q):.1f}"


def _profile(
    client: Any, app: Any, url: str, params: dict[str, str], token: str, runs: int
) -> None:
    """cProfile of ``runs`` cached GETs of ``url`` through the whole app
    (middleware, FastAPI, authentication, the cache), run in the app's own
    event loop thread, where the profiler is enabled (the TestClient's
    calls would hide the app behind its thread hop)."""
    import cProfile
    import pstats

    import httpx

    # CPU time of the loop thread: wall time would charge the waits for a core to whatever ran.
    prof = cProfile.Profile(time.thread_time)

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as ac:
            headers = {"Authorization": f"Bearer {token}"}
            (await ac.get(url, params=params, headers=headers)).raise_for_status()
            prof.enable()
            for _ in range(runs):
                await ac.get(url, params=params, headers=headers)
            prof.disable()

    client.portal.call(run)
    pstats.Stats(prof).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", choices=ROUTES, help="cProfile cached calls of a route")
    args = parser.parse_args()

    import redis
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from pulse_backend.analytics.summary import executive_summary
    from pulse_backend.analytics.work_items import work_item_flow
    from pulse_backend.app import create_app
    from pulse_backend.response_cache import bump_data_version
    from pulse_common.analytics import dora
    from pulse_common.analytics.engineering import engineering
    from pulse_common.analytics.levels import load_benchmarks
    from pulse_common.analytics.scope import Scope
    from pulse_common.db import make_engine
    from pulse_common.dora.settings import load_rules
    from pulse_common.logging import configure_logging
    from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
    from pulse_common.tenancy import TenantNames, quote_ident

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
    with bench_stores("pulse-bench-analytics-") as (base, pg, rd):
        engine = make_engine(bench_dsn(pg.primary_dsn))
        ensure_platform(engine, backend_password=BACKEND_PW)
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
        settings = backend_settings(pg.primary_dsn, pg.replica_dsn, rd.url, base)
        # The floor and the app read the seed on the replica.
        wait_replayed(bench_dsn(pg.primary_dsn), bench_dsn(pg.replica_dsn))
        timed = Timed(create_app(settings))
        # The same app without the fast path: cached hits through FastAPI's routing.
        routed = Timed(create_app(settings.model_copy(update={"analytics_fast_path": False})))
        with (
            TestClient(timed, base_url="https://testserver") as client,
            TestClient(routed, base_url="https://testserver") as via_route,
        ):
            token = login(client, "bench")
            headers = {"Authorization": f"Bearer {token}"}
            params = {
                "start": (AS_OF - dt.timedelta(days=90)).isoformat(),
                "end": AS_OF.isoformat(),
            }
            scope = Scope(start=AS_OF - dt.timedelta(days=90), end=AS_OF)
            cache = redis.Redis.from_url(rd.url)
            replica = make_engine(bench_dsn(pg.replica_dsn, "pulse_backend", BACKEND_PW))
            names = TenantNames("bench")
            with replica.connect() as conn:
                bench = load_benchmarks(conn)
            if args.profile:
                url = f"/api/v1/analytics/{args.profile}"
                _profile(client, timed.app, url, params, token, args.runs)
                return 0
            print(f"\n{COMMAND} --runs {args.runs}  ({os.cpu_count()} CPUs, in-process)")
            print(f"load average at start: {_load()}")
            print(
                "p50 and p95 in ms; client/server: the whole call / the time inside the app;"
                " cached: client/server/CPU of the app's event-loop thread, answered by the"
                " fast path (routes/analytics_fast.py) or, on the route's line below, by the"
                " route (analytics_fast_path=False)"
            )
            print(
                f"{'route':26} {'floor':>11} {'uncached p50':>14} {'p95':>11} {'cached p50':>16} {'p95':>16}"
            )
            for label, path, auth in (
                ("GET /healthz (transport)", "/healthz", False),
                ("GET /auth/me (auth only)", "/api/v1/auth/me", True),
            ):

                def plain(path: str = path, auth: bool = auth) -> None:
                    client.get(path, headers=headers if auth else {}).raise_for_status()

                times = _time(plain, args.runs, server=timed)
                print(
                    f"{label:26} {'':>11} {'':>14} {'':>11} {_csc(times, 0.5):>16} {_csc(times, 0.95):>16}"
                )
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

                base_ms, _, _ = _time(floor, args.runs)
                unc = _time(call, args.runs, lambda: bump_data_version(cache, "bench"), timed)
                call()

                def routed_call(url: str = url) -> None:
                    via_route.get(url, params=params, headers=headers).raise_for_status()

                hit = _time(call, args.runs, server=timed)
                slow_hit = _time(routed_call, args.runs, server=routed)
                print(
                    f"{route:26} {_pct(base_ms, 0.5):11.1f} {_cs(*unc, 0.5):>14} {_cs(*unc, 0.95):>11} "
                    f"{_csc(hit, 0.5):>16} {_csc(hit, 0.95):>16}"
                    f"   uncached server/floor p50 {statistics.median(unc[1]) / statistics.median(base_ms):.2f}x"
                )
                print(
                    f"{'  via the route':26} {'':>11} {'':>14} {'':>11} "
                    f"{_csc(slow_hit, 0.5):>16} {_csc(slow_hit, 0.95):>16}"
                )
            print(f"load average at end: {_load()}")
            replica.dispose()
            cache.close()
        engine.dispose()
        return 0


if __name__ == "__main__":
    sys.exit(main())
