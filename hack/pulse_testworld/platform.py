"""``make dev`` on top of the test world: the Pulse database, the CRD, the
operator (as a supervised process) and the example tenants."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
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


def start_platform(
    world: World, *, tenants_dir: Path = REPO / "examples" / "tenants", timeout: float = 120
) -> str:
    """Returns the output of ``kubectl get pt`` once every example is Ready."""
    import psycopg

    from pulse_common.db import make_engine
    from pulse_common.provisioning import ensure_platform

    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
    env = operator_env(world, world.base / "qdrant")
    engine = make_engine(env["PULSE_OPERATOR_DATABASE_ADMIN_URL"])
    try:
        ensure_platform(engine)
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
    return _kubectl(world, "get", "pt", "-o", "wide")
