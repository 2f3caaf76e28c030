"""Fixtures for the web app's tests: the built app served by ``vite preview``
(which proxies /api, as the ingress does in a cluster) in front of the real
backend (uvicorn) on the test world's PostgreSQL primary + replica and Redis,
with tenants provisioned by ``ensure_tenant``; Debian's chromium is driven by
``playwright-core`` from Node scripts in tests/frontend/browser/."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
import pytest

from pulse_common.db import make_engine
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_platform, ensure_tenant
from pulse_testworld import World
from pulse_testworld.procs import StartError, Supervisor, free_port, wait_until
from pulse_testworld.svc_proxy import ServiceProxy
from pulse_testworld.web import build as build_web
from pulse_testworld.web import frontend_lock
from tests.pulse_db import BACKEND_PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "services" / "frontend"
BROWSER_DIR = Path(__file__).resolve().parent / "browser"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
DB_NAME = "pulse_frontend_test"
NEW_PASSWORD = "frontend-e2e-password-1"


def npm(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    if not (FRONTEND / "node_modules").exists():
        pytest.fail("services/frontend/node_modules is missing: run `make bootstrap`")
    # The build's type check (tsc -b) writes the shared tsbuildinfo files.
    with frontend_lock() if "build" in args else nullcontext():
        return subprocess.run(
            ["npm", *args], cwd=FRONTEND, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """``npm run build`` (type check included) once per source hash, as
    ``make dev`` does; the same dist/ for every test worker."""
    try:
        return build_web()
    except StartError as exc:
        pytest.fail(str(exc))


def _dsn(dsn: str, user: str | None = None, password: str | None = None) -> str:
    base = dsn.rsplit("/", 1)[0] + "/" + DB_NAME
    if user is None:
        return base
    return f"postgresql://{user}:{password}@{base.split('@', 1)[1]}"


@dataclass
class Tenant:
    slug: str
    admin_email: str
    password: str
    tenant_id: int = 0


@dataclass
class Stack:
    url: str  # what the browser opens (the app, with /api proxied)
    api_url: str  # the backend itself
    engine: Any
    backend_dsn: str  # the primary, as the backend role (the ETL's DSN is derived from it)
    redis_url: str  # the admin user
    # Tenant slug -> its ETL's URL: what the Service proxy resolves
    # ``pulse-etl.tenant-<slug>.svc`` to (tests/frontend/etl.py registers them).
    etls: dict[str, str] = field(default_factory=dict)

    def provision(self, prefix: str = "fe", **extra: Any) -> Tenant:
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        req = TenantRequest(
            slug=slug, display_name=f"Tenant {slug}", admin_email=f"admin@{slug}.example", **extra
        )
        out = ensure_tenant(self.engine, req)
        assert out.admin_password is not None
        return Tenant(slug, out.admin_email, out.admin_password.get_secret_value(), out.tenant_id)

    def activate(self, tenant: Tenant) -> Tenant:
        """Does the first admin's first login (password change) through the API."""
        with httpx.Client(base_url=self.api_url, timeout=30) as http:
            body = {"tenant": tenant.slug, "email": tenant.admin_email, "password": tenant.password}
            r = http.post("/api/v1/auth/login", json=body)
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            r = http.post(
                "/api/v1/auth/password",
                json={"current_password": tenant.password, "new_password": NEW_PASSWORD},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text
        tenant.password = NEW_PASSWORD
        return tenant


@pytest.fixture(scope="session")
def stack(
    world: World, frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    from pulse_backend.keys import write_key

    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    engine = make_engine(_dsn(world.postgres.primary_dsn))
    ensure_platform(engine, backend_password=BACKEND_PASSWORD)
    keys = tmp_path_factory.mktemp("jwt-keys")
    write_key(keys, "k1")
    api_port, web_port = free_port(), free_port()
    web_url = f"http://localhost:{web_port}"
    etls: dict[str, str] = {}
    # Cluster DNS as in `make dev`: the backend reaches a tenant's ETL at its
    # Service name through this proxy; a tenant without one gets a 502.
    proxy = ServiceProxy(etls.get).start()
    backend_dsn = _dsn(world.postgres.primary_dsn, "pulse_backend", BACKEND_PASSWORD)
    env = {
        "PULSE_BACKEND_ENVIRONMENT": "production",
        "PULSE_BACKEND_DATABASE_URL": backend_dsn,
        "PULSE_BACKEND_DATABASE_REPLICA_URL": _dsn(
            world.postgres.replica_dsn, "pulse_backend", BACKEND_PASSWORD
        ),
        "PULSE_BACKEND_REDIS_URL": world.redis.url,
        "PULSE_BACKEND_JWT_KEYS_DIR": str(keys),
        "PULSE_BACKEND_JWT_ACTIVE_KID": "k1",
        "PULSE_BACKEND_ENCRYPTION_KEYS": "k1:" + "B" * 43 + "=",
        "PULSE_BACKEND_PUBLIC_URL": web_url,
        "HTTP_PROXY": proxy.url,
        "NO_PROXY": "127.0.0.1,localhost",
        # No vector store here: a port nobody listens on, so search takes its
        # documented full-text fallback (the ":memory:" default has no collection).
        "PULSE_BACKEND_QDRANT_URL": f"http://127.0.0.1:{free_port()}",
        # The browser tests sign in many times from one address.
        "PULSE_BACKEND_RATE_LOGIN_PER_EMAIL": "1000",
        "PULSE_BACKEND_RATE_LOGIN_PER_ADDRESS": "100000",
    }
    sup = Supervisor(log_dir=tmp_path_factory.mktemp("frontend-logs"))
    backend = sup.start(
        "backend",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "pulse_backend.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(api_port),
        ],
        env=env,
    )
    api_url = f"http://127.0.0.1:{api_port}"
    try:
        # vite preview only proxies /api: it starts while the backend imports.
        web = sup.start(
            "web",
            [
                str(FRONTEND / "node_modules" / ".bin" / "vite"),
                "preview",
                str(FRONTEND),
                "--config",
                str(FRONTEND / "vite.config.ts"),
                "--host",
                "127.0.0.1",
                "--port",
                str(web_port),
                "--strictPort",
            ],
            env={"PULSE_API_URL": api_url},
        )
        wait_until(
            "the backend's /readyz",
            lambda: httpx.get(f"{api_url}/readyz", timeout=2).status_code == 200,
            # Generous: on a loaded machine importing the backend alone can take a minute.
            timeout=180,
            proc=backend,
        )
        wait_until(
            "vite preview",
            lambda: httpx.get(f"http://127.0.0.1:{web_port}/", timeout=2).status_code == 200,
            timeout=60,
            proc=web,
        )
        yield Stack(web_url, api_url, engine, backend_dsn, world.redis.url, etls)
    finally:
        sup.stop_all()
        proxy.stop()
        engine.dispose()


@pytest.fixture
def tenant(stack: Stack) -> Iterator[Tenant]:
    """A fresh tenant whose first admin already chose a password."""
    t = stack.activate(stack.provision())
    yield t
    drop_tenant(stack.engine, t.slug)


@pytest.fixture(scope="session")
def demo(stack: Stack) -> Iterator[Tenant]:
    """One tenant seeded with the demo profile for the session (each test
    worker's), for the tests that only read it: seeding and activating one
    per test cost seconds each. A test that changes its data or settings
    takes ``demo_tenant``; a mode a test saves it sets back to Light."""
    t = stack.activate(
        stack.provision("demo", seed_profile="demo", demo_as_of=dt.datetime.now(dt.UTC).date())
    )
    yield t
    drop_tenant(stack.engine, t.slug)


@pytest.fixture
def demo_tenant(stack: Stack) -> Iterator[Tenant]:
    """A tenant seeded with the demo profile as of today, its first admin's password chosen."""
    t = stack.activate(
        stack.provision("fd", seed_profile="demo", demo_as_of=dt.datetime.now(dt.UTC).date())
    )
    yield t
    drop_tenant(stack.engine, t.slug)


class _Runner:
    """One ``node run.mjs --serve`` (one chromium) for this pytest process:
    launching node and chromium for each scenario cost seconds of wall and
    CPU. Started on first use, started again after it died or hung; it ends
    when its stdin closes (at exit, or with this process)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        self.count = 0

    def _start(self) -> subprocess.Popen[str]:
        self.lines, self.stderr = queue.Queue(), []
        proc = subprocess.Popen(
            ["node", str(BROWSER_DIR / "run.mjs"), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PULSE_FRONTEND": str(FRONTEND)},
        )
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=self._read, args=(proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._read, args=(proc.stderr, self.stderr), daemon=True).start()
        return proc

    @staticmethod
    def _read(stream: IO[str], into: queue.Queue[str | None] | list[str]) -> None:
        # stderr is kept whole for a failure's message; stdout ends with None.
        if isinstance(into, list):
            into.extend(stream)
            return
        for line in stream:
            into.put(line)
        into.put(None)

    def stop(self, *, hung: bool = False) -> None:
        """Closes stdin (node closes chromium and ends); kills a hung one."""
        if self.proc is None:
            return
        if not hung:
            with suppress(OSError):
                self.proc.stdin.close()  # type: ignore[union-attr]
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=30)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def run(self, scenario: str, config: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        self.count += 1
        request = {"id": self.count, "scenario": scenario, "config": config}
        modules = os.environ.get("PULSE_BROWSER_SCENARIOS")
        request["modules"] = [modules] if modules else []
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop(hung=True)
                pytest.fail(f"scenario {scenario} gave no answer in {timeout} s")
            if line is None:
                self.stop()
                pytest.fail(f"the browser runner died in {scenario}:\n{''.join(self.stderr)}")
            if line.startswith("ANSWER "):
                answer: dict[str, Any] = json.loads(line[len("ANSWER ") :])
                if answer["id"] == self.count:
                    return answer


_runner = _Runner()
atexit.register(_runner.stop)


def run_browser(
    scenario: str, stack: Stack, *, timeout: float = 300, **params: Any
) -> dict[str, Any]:
    """Runs one scenario of browser/scenarios.mjs in chromium; returns what it
    reports. ``timeout``: seconds for its answer (a pass over every page on a
    loaded machine needs more than the default)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make bootstrap`"
    assert shutil.which("node"), "node is missing"
    ARTIFACTS.mkdir(exist_ok=True)
    config = {"baseUrl": stack.url, "artifacts": str(ARTIFACTS), "chromium": CHROMIUM, **params}
    answer = _runner.run(scenario, config, timeout=timeout)
    if "profile" in answer:
        print(f"browser profile of {scenario} (s):", json.dumps(answer["profile"]))
    log = "\n".join(answer["log"])
    assert answer["ok"], f"scenario {scenario} failed:\n{log}"
    assert answer.get("result") is not None, f"scenario {scenario} reported nothing:\n{log}"
    result: dict[str, Any] = answer["result"]
    return result
