"""Backend throughput and latency over real HTTP (uvicorn, one worker each),
next to the floor measured in the same run: a bare FastAPI route that returns
the very same bytes, with no auth, no Redis, no SQL.

    PYTHONPATH=hack:services/backend:services/common .venv/bin/python benchmarks/backend.py \
        [--requests 400] [--logins 40] [--concurrency 8]

Scenarios: ``login`` (POST /api/v1/auth/login: password hash check, session
row, Redis session, token signing), ``read`` (GET /api/v1/users with a
Bearer token: token verify, session and tenant-state checks in Redis, rate
limit counters, a replica read as the tenant's role), and the executive
dashboard (GET /api/v1/analytics/summary over the demo seed's 90 days):
``dash-hit`` with the same parameters each time (served from the Redis
response cache after the first), ``dash-miss`` with a different ``end`` on
every request, so that each one computes the summary on the replica. Starts
PostgreSQL (primary + replica) and Redis with the test-world scripts and
stops them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from fastapi import FastAPI, Response

from pulse_testworld.procs import free_port

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1234"


def floor_app() -> FastAPI:
    """The floor: the same response bytes from a bare route."""
    body = Path(os.environ["PULSE_BENCH_FLOOR_BODY"]).read_bytes()
    app = FastAPI()

    @app.api_route("/floor", methods=["GET", "POST"])
    def floor() -> Response:
        return Response(body, media_type="application/json")

    return app


def db(dsn: str) -> str:
    return dsn.rsplit("/", 1)[0] + "/pulse_bench"


def as_backend(dsn: str) -> str:
    return "postgresql://pulse_backend:bench-backend-pw@" + db(dsn).split("@", 1)[1]


def _serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            target,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--app-dir",
            str(REPO / "benchmarks"),
        ],
        env={**os.environ, **env},
    )
    # Generous: on a loaded machine an import and a lifespan can take long.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{target} exited with {proc.returncode}")
        try:
            if (
                httpx.get(
                    f"http://127.0.0.1:{port}/healthz"
                    if "pulse" in target
                    else f"http://127.0.0.1:{port}/floor",
                    timeout=1,
                ).status_code
                < 500
            ):
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


async def _load(
    url: str | list[str], n: int, concurrency: int, method: str, **kw: object
) -> tuple[float, list[float]]:
    """``url``: one URL, or one per request (cache misses)."""
    latencies: list[float] = []
    queue = iter(range(n))
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            for i in queue:
                target = url[i % len(url)] if isinstance(url, list) else url
                t = time.perf_counter()
                r = await client.request(method, target, **kw)  # type: ignore[arg-type]
                latencies.append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return n / elapsed, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _report(
    name: str, rps: float, lat: list[float], floor_rps: float, floor_lat: list[float]
) -> None:
    print(
        f"{name:<10} {rps:8.1f} req/s  p50 {_pct(lat, 0.5):7.2f} ms  p99 {_pct(lat, 0.99):7.2f} ms"
        f"   | floor {floor_rps:8.1f} req/s  p50 {_pct(floor_lat, 0.5):6.2f} ms  p99 {_pct(floor_lat, 0.99):6.2f} ms"
        f"   | ratio rps {floor_rps / rps:5.1f}x  p50 {statistics.median(lat) / statistics.median(floor_lat):5.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    from pulse_backend.keys import write_key
    from pulse_common.db import make_engine
    from pulse_common.logging import configure_logging
    from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
    from pulse_testworld.postgres import start_postgres
    from pulse_testworld.procs import Supervisor
    from pulse_testworld.redis_server import start_redis

    configure_logging(json=False, level="WARNING")
    base = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
    base.chmod(0o755)
    (base / "logs").mkdir()
    sup = Supervisor(base / "logs")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        pg, rd = start_postgres(sup, base), start_redis(sup, base)
        with psycopg.connect(pg.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")
        engine = make_engine(db(pg.primary_dsn))
        ensure_platform(engine, backend_password="bench-backend-pw")
        out = ensure_tenant(
            engine,
            TenantRequest(
                slug="bench",
                display_name="Bench",
                admin_email="admin@bench.example",
                seed_profile="demo",
            ),
        )
        keys = base / "keys"
        keys.mkdir()
        write_key(keys, "b1")
        env = {
            "PULSE_BACKEND_ENVIRONMENT": "production",
            "PULSE_BACKEND_DATABASE_URL": as_backend(pg.primary_dsn),
            "PULSE_BACKEND_DATABASE_REPLICA_URL": as_backend(pg.replica_dsn),
            "PULSE_BACKEND_REDIS_URL": rd.url,
            "PULSE_BACKEND_JWT_KEYS_DIR": str(keys),
            "PULSE_BACKEND_JWT_ACTIVE_KID": "b1",
            "PULSE_BACKEND_ENCRYPTION_KEYS": "e1:" + "A" * 43 + "=",
            "PULSE_BACKEND_LOG_LEVEL": "WARNING",
            "PULSE_BACKEND_RATE_PER_USER": "10000000",
            "PULSE_BACKEND_RATE_PER_TENANT": "10000000",
            "PULSE_BACKEND_RATE_LOGIN_PER_EMAIL": "10000000",
            "PULSE_BACKEND_RATE_LOGIN_PER_ADDRESS": "10000000",
            "PYTHONPATH": os.pathsep.join(
                str(REPO / p) for p in ("services/backend", "services/common")
            ),
        }
        port = free_port()
        procs.append(_serve("pulse_backend.app:create_app", port, env))
        api = f"http://127.0.0.1:{port}/api/v1"
        assert out.admin_password is not None
        creds = {"tenant": "bench", "email": "admin@bench.example"}
        r = httpx.post(
            f"{api}/auth/login", json={**creds, "password": out.admin_password.get_secret_value()}
        )
        token = r.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        httpx.post(
            f"{api}/auth/password",
            headers=headers,
            json={
                "current_password": out.admin_password.get_secret_value(),
                "new_password": PASSWORD,
            },
        ).raise_for_status()
        login_body = {**creds, "password": PASSWORD}
        read_bytes = httpx.get(f"{api}/users", headers=headers).content
        login_bytes = httpx.post(f"{api}/auth/login", json=login_body).content
        dash = f"{api}/analytics/summary"
        dash_bytes = httpx.get(dash, headers=headers).content  # fills the cache
        end0 = time.time() + 86400
        misses = [
            f"{dash}?end={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(end0 + i))}"
            for i in range(args.requests)
        ]
        assert httpx.get(misses[0], headers=headers).headers["x-cache"] == "miss"
        assert httpx.get(dash, headers=headers).headers["x-cache"] == "hit"

        results = {}
        for name, body in (
            ("read", read_bytes),
            ("dash-hit", dash_bytes),
            ("dash-miss", dash_bytes),
            ("login", login_bytes),
        ):
            f = base / f"{name}.json"
            f.write_bytes(body)
            fport = free_port()
            fproc = _serve("backend:floor_app", fport, {"PULSE_BENCH_FLOOR_BODY": str(f)})
            procs.append(fproc)
            n = args.requests if name == "read" else args.logins
            floor = asyncio.run(
                _load(f"http://127.0.0.1:{fport}/floor", n, args.concurrency, "GET")
            )
            if name == "read":
                real = asyncio.run(
                    _load(f"{api}/users", n, args.concurrency, "GET", headers=headers)
                )
            elif name.startswith("dash"):
                target: str | list[str] = dash if name == "dash-hit" else misses[1:]
                real = asyncio.run(_load(target, n, args.concurrency, "GET", headers=headers))
            else:
                real = asyncio.run(
                    _load(f"{api}/auth/login", n, args.concurrency, "POST", json=login_body)
                )
            results[name] = (real, floor)
            fproc.terminate()
        print(
            f"\nbenchmarks/backend.py --requests {args.requests} --logins {args.logins} --concurrency {args.concurrency}"
        )
        print(f"(uvicorn, 1 worker each, client in the same machine; {os.cpu_count()} CPUs)")
        for name, ((rps, lat), (frps, flat)) in results.items():
            _report(name, rps, lat, frps, flat)
        engine.dispose()
        return 0
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        sup.stop_all()
        import shutil

        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
