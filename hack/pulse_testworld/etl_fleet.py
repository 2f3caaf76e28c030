"""One ETL process per Ready tenant, as the operator's Deployment would run it
(there is no kubelet here): configured only from the tenant's ConfigMap and
Secrets in the world's kube-apiserver (``envFrom``), with the integration
Secrets written to a per-tenant folder that stands in for the pod's
``/var/run/pulse/integrations/<name>/`` mounts. A watch on PulseTenants starts
a tenant's process when it becomes Ready, restarts it when its configuration
changes (rotated credentials roll the pods too) and stops it when the tenant
is suspended or deleted."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import shutil
import socket
import ssl
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pulse_testworld.kube import KubeInfo
from pulse_testworld.procs import Process, Supervisor, free_port

log = logging.getLogger("pulse_testworld.etl")
TENANTS = "/apis/pulse.dev/v1alpha1/pulsetenants"
CONFIG_MAP, ENV_SECRETS = "pulse-etl-config", ("pulse-db", "pulse-cache", "pulse-vector")


def kube_client(kube: KubeInfo, timeout: float | None = 30) -> httpx.Client:
    ctx = ssl.create_default_context(cafile=str(kube.ca_cert))
    ctx.load_cert_chain(str(kube.admin_cert), str(kube.admin_key))
    return httpx.Client(base_url=kube.server, verify=ctx, timeout=timeout)


def wanted(tenant: dict[str, Any]) -> bool:
    """Would the Deployment have pods? Its Ready condition True (the phase
    may be Degraded while it is: an integration Secret missing stops only
    that integration's syncs), not suspended, not being deleted."""
    meta, spec = tenant["metadata"], tenant.get("spec", {})
    conditions = tenant.get("status", {}).get("conditions") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    return ready and not spec.get("suspended") and "deletionTimestamp" not in meta


@dataclass(frozen=True)
class PodConfig:
    """What the pod would see: its environment and its mounted files."""

    env: dict[str, str]
    files: dict[str, dict[str, str]]  # integration name -> file name -> content

    def digest(self) -> str:
        blob = json.dumps([self.env, self.files], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def read_pod_config(http: httpx.Client, slug: str) -> PodConfig | None:
    """None while the operator has not written everything yet."""
    ns = f"/api/v1/namespaces/tenant-{slug}"
    cm = http.get(f"{ns}/configmaps/{CONFIG_MAP}")
    if cm.status_code == 404:
        return None
    cm.raise_for_status()
    env: dict[str, str] = dict(cm.json().get("data", {}))
    for name in ENV_SECRETS:  # envFrom: later sources win, as in the pod spec
        resp = http.get(f"{ns}/secrets/{name}")
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        env.update(_decode(resp.json()))
    files: dict[str, dict[str, str]] = {}
    for integration in json.loads(env.get("PULSE_ETL_INTEGRATIONS", "[]")):
        ref = integration.get("credentialsSecretRef", {}).get("name")
        found = http.get(f"{ns}/secrets/{ref}") if ref else None
        # A missing Secret is not mounted: the ETL's job then fails naming it.
        if found is not None and found.status_code == 200:
            files[integration["name"]] = _decode(found.json())
    return PodConfig(env, files)


def _decode(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}


def retry_after(exc: BaseException) -> float | None:
    """The wait a 429 asks for (Retry-After, 1 s if absent), else None."""
    if not isinstance(exc, httpx.HTTPStatusError) or exc.response.status_code != 429:
        return None
    try:
        return min(max(float(exc.response.headers.get("retry-after", "1")), 0.1), 10.0)
    except ValueError:
        return 1.0


@dataclass
class Restarts:
    """How the tenant watch reports its restarts. A 429 is the apiserver
    asking to come back after Retry-After: right after the CRD is created
    (every ``make dev`` start-up) its storage answers LISTs with "storage is
    (re)initializing" until its watch cache has synced (resilient watch cache
    initialisation, on since Kubernetes 1.31). client-go retries that
    silently, and so does this watch, at debug level. Anything else, or
    429s that go on for more than ``quiet`` attempts in a row, is a warning."""

    quiet: int = 5
    failures: int = 0

    def failed(self, exc: BaseException) -> tuple[int, float]:
        """(log level, seconds to wait before listing again)."""
        self.failures += 1
        wait = retry_after(exc)
        if wait is not None and self.failures <= self.quiet:
            return logging.DEBUG, wait
        return logging.WARNING, 1.0 if wait is None else wait

    def listed(self) -> None:
        self.failures = 0


@dataclass
class EtlProcess:
    slug: str
    proc: Process
    port: int
    digest: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class EtlFleet:
    """Runs the ETL processes; ``describe()`` and ``<folder>/processes.json``
    say which run where."""

    def __init__(
        self, kube: KubeInfo, sup: Supervisor, folder: Path, extra_env: dict[str, str]
    ) -> None:
        self.kube, self.sup, self.folder, self.extra_env = kube, sup, folder, extra_env
        self.running: dict[str, EtlProcess] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="etl-fleet", daemon=True)
        self._watch_socket: socket.socket | None = None

    def start(self) -> EtlFleet:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        # Closing the client does not wake a read blocked on a quiet watch;
        # shutting its socket down does. The watch must end, not only be
        # abandoned: kube-apiserver waits for open watches before it exits.
        if self._watch_socket is not None:
            with contextlib.suppress(OSError):
                self._watch_socket.shutdown(socket.SHUT_RDWR)
        # Should the shutdown have missed (a watch opening just now): _set
        # refuses to start anything once stopping, so waiting longer buys nothing.
        self._thread.join(timeout=2)
        with self._lock:
            for slug in list(self.running):
                self._stop_etl(slug)

    def url_of(self, slug: str) -> str | None:
        with self._lock:
            etl = self.running.get(slug)
            return etl.url if etl is not None and etl.proc.alive() else None

    def describe(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return self._state()

    def _loop(self) -> None:
        restarts = Restarts()
        while not self._stop.is_set():
            try:
                with kube_client(self.kube) as http:
                    listing = http.get(TENANTS)
                    listing.raise_for_status()
                    restarts.listed()
                    body = listing.json()
                    present = set()
                    for item in body["items"]:
                        present.add(item["metadata"]["name"])
                        self.reconcile(http, item, deleted=False)
                    with self._lock:
                        gone = [s for s in self.running if s not in present]
                    for slug in gone:
                        self._set(slug, None)
                    self._follow(http, body["metadata"]["resourceVersion"])
            except Exception as exc:  # the apiserver restarting or initialising
                if not self._stop.is_set():
                    level, wait = restarts.failed(exc)
                    log.log(level, "tenant watch restarts: %s", exc)
                    self._stop.wait(wait)

    def _follow(self, http: httpx.Client, version: str) -> None:
        params = {"watch": "1", "resourceVersion": version, "timeoutSeconds": "60"}
        with (
            kube_client(self.kube, timeout=None) as watch,
            watch.stream("GET", TENANTS, params=params) as stream,
        ):
            self._watch_socket = stream.extensions["network_stream"].get_extra_info("socket")
            if self._stop.is_set():
                return
            for line in stream.iter_lines():
                if self._stop.is_set():
                    return
                if not line:
                    continue
                event = json.loads(line)
                if event["type"] == "ERROR":
                    return  # e.g. 410 Gone: list again
                self.reconcile(http, event["object"], deleted=event["type"] == "DELETED")

    def reconcile(self, http: httpx.Client, tenant: dict[str, Any], *, deleted: bool) -> None:
        slug = tenant["metadata"]["name"]
        config = read_pod_config(http, slug) if not deleted and wanted(tenant) else None
        self._set(slug, config)

    def _set(self, slug: str, config: PodConfig | None) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            current = self.running.get(slug)
            if config is None:
                if current is not None:
                    self._stop_etl(slug)
                return
            if current is not None and current.digest == config.digest() and current.proc.alive():
                return
            if current is not None:
                self._stop_etl(slug)
            self.running[slug] = self._start_etl(slug, config)
            self._write_state()

    def _start_etl(self, slug: str, config: PodConfig) -> EtlProcess:
        mounts = self.folder / slug / "integrations"
        shutil.rmtree(mounts, ignore_errors=True)
        for name, files in config.files.items():
            (mounts / name).mkdir(parents=True, mode=0o700)
            for key, value in files.items():
                (mounts / name / key).write_text(value)
                (mounts / name / key).chmod(0o600)
        port = free_port()
        env = {
            **config.env,
            **self.extra_env,
            "PULSE_PORT": str(port),
            "PULSE_ETL_CREDENTIALS_DIR": str(mounts),
        }
        proc = self.sup.start(f"etl-{slug}", [sys.executable, "-m", "pulse_etl"], env=env)
        log.info("ETL of %s started (pid %s, port %s)", slug, proc.pid, port)
        return EtlProcess(slug, proc, port, config.digest())

    def _stop_etl(self, slug: str) -> None:
        etl = self.running.pop(slug)
        etl.proc.stop()
        with contextlib.suppress(ValueError):
            self.sup.processes.remove(etl.proc)
        shutil.rmtree(self.folder / slug, ignore_errors=True)
        log.info("ETL of %s stopped", slug)
        self._write_state()

    def _state(self) -> dict[str, dict[str, Any]]:
        return {
            s: {"pid": e.proc.pid, "port": e.port, "url": e.url, "log": str(e.proc.log_path)}
            for s, e in self.running.items()
        }

    def _write_state(self) -> None:
        (self.folder / "processes.json").write_text(json.dumps(self._state(), indent=2))
