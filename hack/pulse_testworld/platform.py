"""``make dev`` on top of the test world: the Pulse database, the CRD, the
operator (as a supervised process), the example tenants and the backend API
with a login per tenant (from its ``pulse-admin-initial`` Secret)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pulse_testworld.procs import StartError, free_port, wait_until
from pulse_testworld.world import REPO, World

DATABASE = "pulse"
# The operator as `make dev`, the chart and the tests run it (one replica, no peering).
OPERATOR_ARGV = [
    sys.executable,
    "-m",
    "kopf",
    "run",
    "-m",
    "pulse_operator",
    "--all-namespaces",
    "--standalone",
]


def _kubectl(world: World, *args: str, input: str | None = None) -> str:
    out = subprocess.run(
        [str(world.kubectl), "--kubeconfig", str(world.kube.kubeconfig), *args],
        capture_output=True,
        text=True,
        input=input,
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        raise StartError(f"kubectl {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def operator_env(world: World, qdrant_dir: Path) -> dict[str, str]:
    pg, rd = world.postgres, world.redis
    dsn = pg.primary_dsn.rsplit("/", 1)[0] + f"/{DATABASE}"
    return {
        "KUBECONFIG": str(world.kube.kubeconfig),
        "PULSE_OPERATOR_DATABASE_ADMIN_URL": dsn,
        "PULSE_OPERATOR_REDIS_ADMIN_URL": rd.url,
        "PULSE_OPERATOR_QDRANT_URL": f"path:{qdrant_dir}",
        "PULSE_OPERATOR_QDRANT_API_KEY": secrets.token_urlsafe(32),
        "PULSE_OPERATOR_TENANT_DATABASE_HOST": f"127.0.0.1:{pg.primary_port}",
        "PULSE_OPERATOR_TENANT_DATABASE_REPLICA_HOST": f"127.0.0.1:{pg.replica_port}",
        "PULSE_OPERATOR_TENANT_DATABASE_NAME": DATABASE,
        "PULSE_OPERATOR_TENANT_REDIS_HOST": f"127.0.0.1:{rd.port}",
        "PULSE_OPERATOR_TENANT_QDRANT_URL": f"path:{qdrant_dir}",
        "PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS": "30",
        "PULSE_OPERATOR_LOG_JSON": "true",
    }


BACKEND_PORT = 3001


@dataclass(frozen=True)
class Login:
    tenant: str
    email: str
    password: str


def backend_env(world: World, backend_password: str) -> dict[str, str]:
    pg, rd = world.postgres, world.redis
    user = f"pulse_backend:{backend_password}"
    return {
        "PULSE_BACKEND_ENVIRONMENT": "dev",
        "PULSE_BACKEND_DATABASE_URL": f"postgresql://{user}@127.0.0.1:{pg.primary_port}/{DATABASE}",
        "PULSE_BACKEND_DATABASE_REPLICA_URL": (
            f"postgresql://{user}@127.0.0.1:{pg.replica_port}/{DATABASE}"
        ),
        "PULSE_BACKEND_REDIS_URL": rd.url,
        "PULSE_BACKEND_LOG_FORMAT": "json",
        # Plain http on localhost: browsers accept Secure cookies there anyway.
        "PULSE_BACKEND_HOST": "127.0.0.1",
    }


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_backend(world: World, backend_password: str) -> str:
    """Starts the backend API (3001 when free) and returns its base URL once ready."""
    port = BACKEND_PORT if _port_free(BACKEND_PORT) else free_port()
    env = {**backend_env(world, backend_password), "PULSE_BACKEND_PORT": str(port)}
    proc = world._sup.start(
        "pulse-backend", [sys.executable, "-m", "pulse_backend"], env={**os.environ, **env}
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except OSError:
            return False

    wait_until("the backend to be ready", ready, timeout=60, proc=proc, interval=0.5)
    return url


def tenant_logins(world: World, slugs: list[str]) -> list[Login]:
    """Each tenant's first admin, from the Secret the operator hands over."""
    logins = []
    for slug in slugs:
        raw = json.loads(
            _kubectl(
                world, "get", "secret", "pulse-admin-initial", "-n", f"tenant-{slug}", "-o", "json"
            )
        )["data"]
        decoded = {k: base64.b64decode(v).decode() for k, v in raw.items()}
        logins.append(Login(slug, decoded["email"], decoded["password"]))
    return logins


def start_platform(
    world: World, *, tenants_dir: Path = REPO / "examples" / "tenants", timeout: float = 120
) -> str:
    """Starts everything; returns what to print: ``kubectl get pt``, the API URL
    and a login per example tenant."""
    import psycopg

    from pulse_common.db import make_engine
    from pulse_common.provisioning import ensure_platform

    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
    env = operator_env(world, world.base / "qdrant")
    engine = make_engine(env["PULSE_OPERATOR_DATABASE_ADMIN_URL"])
    backend_password = secrets.token_urlsafe(24)
    try:
        ensure_platform(engine, backend_password=backend_password)
    finally:
        engine.dispose()

    _kubectl(world, "apply", "--server-side", "-f", str(REPO / "crds" / "pulsetenants.yaml"))
    _kubectl(world, "wait", "--for=condition=Established", "crd/pulsetenants.pulse.dev")
    liveness = free_port()
    proc = world._sup.start(
        "pulse-operator",
        [*OPERATOR_ARGV, f"--liveness=http://127.0.0.1:{liveness}/healthz"],
        env=env,
    )

    _kubectl(world, "apply", "-f", str(tenants_dir))
    wanted = {
        json.loads(_kubectl(world, "get", "-f", str(p), "-o", "json"))["metadata"]["name"]
        for p in sorted(tenants_dir.glob("*.yaml"))
    }

    def all_ready() -> bool:
        items = json.loads(_kubectl(world, "get", "pt", "-o", "json"))["items"]
        phases = {i["metadata"]["name"]: i.get("status", {}).get("phase") for i in items}
        return all(phases.get(name) == "Ready" for name in wanted)

    started = time.monotonic()
    wait_until("the example tenants to be Ready", all_ready, timeout=timeout, proc=proc, interval=1)
    print(
        f"example tenants Ready in {time.monotonic() - started:.1f}s "
        f"(operator log: {proc.log_path})",
        flush=True,
    )
    api = start_backend(world, backend_password)
    lines = [_kubectl(world, "get", "pt", "-o", "wide")]
    lines.append(f"Backend API  {api}/api/v1   (OpenAPI: {api}/api/v1/docs)")
    lines.append(f"Logs         {world.base / 'logs'}")
    lines.append("Logins (the first admin must choose a new password at first sign-in):")
    lines += [
        f"  tenant {x.tenant:<10} email {x.email:<28} password {x.password}"
        for x in tenant_logins(world, sorted(wanted))
    ]
    return "\n".join(lines)
