"""``make dev`` on top of the test world: the Pulse database, the CRD, the
operator (as a supervised process), the local Jira and GitHub with a sample
organisation per example tenant, the example tenants, one ETL process per
Ready tenant, the backend API and the web app, with a login per tenant (from
its ``pulse-admin-initial`` Secret)."""

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
from typing import Any

from pulse_fakes.gateway import GatewayState
from pulse_fakes.qdrant import QdrantServer, serve_qdrant
from pulse_fakes.server import FakeServer, serve_gateway
from pulse_testworld.etl_fleet import EtlFleet
from pulse_testworld.procs import StartError, free_port, preferred_port, wait_until
from pulse_testworld.saas import Saas, ca_file, sample_spec, start_saas
from pulse_testworld.svc_proxy import ServiceProxy
from pulse_testworld.web import WEB_PORT
from pulse_testworld.web import build as build_web
from pulse_testworld.web import serve as serve_web
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


def operator_env(world: World, qdrant: QdrantServer) -> dict[str, str]:
    pg, rd = world.postgres, world.redis
    dsn = pg.primary_dsn.rsplit("/", 1)[0] + f"/{DATABASE}"
    return {
        "KUBECONFIG": str(world.kube.kubeconfig),
        "PULSE_OPERATOR_DATABASE_ADMIN_URL": dsn,
        "PULSE_OPERATOR_REDIS_ADMIN_URL": rd.url,
        # One Qdrant server for every process (local mode would lock its
        # folder to one): the operator creates each tenant's collection and
        # token, the ETL fills it, the backend searches it.
        "PULSE_OPERATOR_QDRANT_URL": qdrant.url,
        "PULSE_OPERATOR_QDRANT_API_KEY": qdrant.app.api_key,
        "PULSE_OPERATOR_TENANT_DATABASE_HOST": f"127.0.0.1:{pg.primary_port}",
        "PULSE_OPERATOR_TENANT_DATABASE_REPLICA_HOST": f"127.0.0.1:{pg.replica_port}",
        "PULSE_OPERATOR_TENANT_DATABASE_NAME": DATABASE,
        "PULSE_OPERATOR_TENANT_REDIS_HOST": f"127.0.0.1:{rd.port}",
        "PULSE_OPERATOR_TENANT_QDRANT_URL": qdrant.url,
        "PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS": "30",
        "PULSE_OPERATOR_LOG_JSON": "true",
    }


BACKEND_PORT = 3001


@dataclass(frozen=True)
class Login:
    tenant: str
    email: str
    password: str


def backend_env(world: World, backend_password: str, qdrant: QdrantServer) -> dict[str, str]:
    pg, rd = world.postgres, world.redis
    user = f"pulse_backend:{backend_password}"
    return {
        "PULSE_BACKEND_QDRANT_URL": qdrant.url,
        "PULSE_BACKEND_QDRANT_API_KEY": qdrant.app.api_key,
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


def start_backend(
    world: World,
    backend_password: str,
    qdrant: QdrantServer,
    *,
    extra_env: dict[str, str] | None = None,
) -> str:
    """Starts the backend API (3001 when free) and returns its base URL once ready."""
    port = preferred_port(BACKEND_PORT)
    env = {**backend_env(world, backend_password, qdrant), "PULSE_BACKEND_PORT": str(port)}
    proc = world._sup.start(
        "pulse-backend",
        [sys.executable, "-m", "pulse_backend"],
        env={**os.environ, **env, **(extra_env or {})},
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except OSError:
            return False

    # Generous: on a loaded machine importing the backend alone can take a
    # minute, and a backend that dies fails the wait at once anyway.
    wait_until("the backend to be ready", ready, timeout=180, proc=proc, interval=0.5)
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


@dataclass
class Platform:
    """What ``make dev`` runs besides the world's own processes."""

    api_url: str
    web_url: str | None
    fleet: EtlFleet
    proxy: ServiceProxy
    saas: dict[str, Saas]
    qdrant: QdrantServer
    gateway: FakeServer
    summary: str = ""

    def stop(self) -> None:
        self.fleet.stop()
        self.proxy.stop()
        for s in self.saas.values():
            s.stop()
        self.gateway.stop()
        self.qdrant.stop()


def load_manifests(tenants_dir: Path) -> list[dict[str, Any]]:
    import yaml

    return [
        doc
        for path in sorted(tenants_dir.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def apply_tenant(world: World, manifest: dict[str, Any], saas: Saas | None) -> None:
    """As an admin would: the namespace and the integrations' credential
    Secrets first (the ETL reads them), then the PulseTenant."""
    if saas is not None:
        manifest = saas.point(manifest)
        ns = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"tenant-{manifest['metadata']['name']}"},
        }
        items = [ns, *saas.secrets(manifest)]
        _kubectl(
            world,
            "apply",
            "-f",
            "-",
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
        )
    _kubectl(world, "apply", "-f", "-", input=json.dumps(manifest))


def start_platform(
    world: World,
    *,
    tenants_dir: Path = REPO / "examples" / "tenants",
    timeout: float = 120,
    web: bool = True,
    build: bool = True,
) -> Platform:
    """Starts everything; its summary is what to print: ``kubectl get pt``,
    the URLs and a login per example tenant."""
    import psycopg

    from pulse_common.db import make_engine
    from pulse_common.provisioning import ensure_platform

    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
    qdrant = serve_qdrant(secrets.token_urlsafe(32))
    # The local OpenAI-compatible gateway, for AI provider rows that point at
    # it; search and the assistant work without one (local MiniLM, local mode).
    gateway = serve_gateway(GatewayState(api_key=secrets.token_urlsafe(24)))
    env = operator_env(world, qdrant)
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
    # The ETL trusts the world's CA, which signed the local SaaS's certificate
    # (a pod would have it in its trust store).
    via_proxy = {"NO_PROXY": "127.0.0.1,localhost"}  # HTTP_PROXY set below
    fleet = EtlFleet(
        world.kube,
        world._sup,
        world.base / "etl",
        {"SSL_CERT_FILE": str(ca_file(world.base)), "PULSE_LOG_JSON": "true", **via_proxy},
    )
    proxy = ServiceProxy(fleet.url_of).start()
    # Service names resolve through the proxy, for the ETL as for the backend.
    fleet.extra_env["HTTP_PROXY"] = via_proxy["HTTP_PROXY"] = proxy.url
    fleet.start()
    platform = Platform("", None, fleet, proxy, {}, qdrant, gateway)
    try:
        manifests = load_manifests(tenants_dir)
        for seed, manifest in enumerate(manifests, start=1):
            integrations = manifest["spec"].get("integrations", [])
            if integrations:
                saas = start_saas(world.base, sample_spec(integrations, seed=seed))
                platform.saas[manifest["metadata"]["name"]] = saas
            apply_tenant(world, manifest, platform.saas.get(manifest["metadata"]["name"]))
        wanted = sorted(m["metadata"]["name"] for m in manifests)

        def all_ready() -> bool:
            items = json.loads(_kubectl(world, "get", "pt", "-o", "json"))["items"]
            phases = {i["metadata"]["name"]: i.get("status", {}).get("phase") for i in items}
            return all(phases.get(name) == "Ready" for name in wanted)

        started = time.monotonic()
        wait_until(
            "the example tenants to be Ready", all_ready, timeout=timeout, proc=proc, interval=1
        )
        print(
            f"example tenants Ready in {time.monotonic() - started:.1f}s "
            f"(operator log: {proc.log_path})",
            flush=True,
        )
        if web and build:
            print("building the web app (npm run build)...", flush=True)
            build_web()
        # The web app's port is chosen first: the backend writes its origin
        # into the links it hands out (an invited user's set-password link).
        web_port = preferred_port(WEB_PORT) if web else None
        public = {"PULSE_BACKEND_PUBLIC_URL": f"http://localhost:{web_port}"} if web_port else {}
        platform.api_url = start_backend(
            world,
            backend_password,
            qdrant,
            # The backend reaches pulse-etl.tenant-<slug>.svc through the proxy.
            extra_env={**via_proxy, **public},
        )
        proxy.backend_url = platform.api_url
        if web_port:
            platform.web_url = serve_web(world._sup, platform.api_url, port=web_port)
    except BaseException:
        platform.stop()
        raise
    platform.summary = summary(world, platform, wanted)
    return platform


def summary(world: World, platform: Platform, slugs: list[str]) -> str:
    api = platform.api_url
    lines = [_kubectl(world, "get", "pt", "-o", "wide")]
    if platform.web_url:
        lines.append(f"Web app      {platform.web_url}")
    lines.append(f"Backend API  {api}/api/v1   (OpenAPI: {api}/api/v1/docs)")
    for slug, saas in sorted(platform.saas.items()):
        lines.append(f"Local Jira   {saas.jira.url}   GitHub {saas.github.url}   (tenant {slug})")
    lines.append(f"Qdrant       {platform.qdrant.url}   (API key in .dev-world.json)")
    gw = platform.gateway
    key = gw.gateway_state.api_key if gw.gateway_state else ""
    lines.append(f"AI gateway   {gw.url}/v1   (OpenAI-compatible, key {key})")
    lines.append(
        f"ETL          one process per Ready tenant: {platform.fleet.folder}/processes.json"
    )
    lines.append(f"Logs         {world.base / 'logs'}   (every process, ETLs as etl-<tenant>.log)")
    lines.append("Logins (the first admin must choose a new password at first sign-in):")
    lines += [
        f"  tenant {x.tenant:<10} email {x.email:<28} password {x.password}"
        for x in tenant_logins(world, slugs)
    ]
    return "\n".join(lines)
