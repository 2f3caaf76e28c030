"""One ETL process per Ready tenant, as the operator's Deployment would run it
(there is no kubelet here): configured only from the tenant's ConfigMap and
Secrets in the world's kube-apiserver (``envFrom``), with the integration
Secrets written to a per-tenant folder that stands in for the pod's
``/var/run/pulse/integrations/<name>/`` mounts. A watch on PulseTenants starts
a tenant's process when it becomes Ready, restarts it when its environment
changes (rotated credentials roll the pods too) and stops it when the tenant
is suspended or deleted.

A watch on Secrets plays the kubelet's part for a running tenant: a changed
integration Secret (``kubectl apply``/``edit`` of its token) is rewritten in
its mounted folder in place, with no restart, as the kubelet refreshes a
mounted Secret volume (within its sync period in a cluster, at once here);
the ETL reads those files at each run, so the next job uses the new value. A
changed ``envFrom`` Secret (``pulse-db``, ``pulse-cache``, ``pulse-vector``)
restarts the process: a pod sees those only when it starts, and the operator
rolls the pods (``pulse.dev/secrets-digest``) when it rewrites them. Only
Secret names are logged, never a value."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pulse_testworld.kube import KubeInfo
from pulse_testworld.kube_watch import Watch
from pulse_testworld.mounts import write_volume
from pulse_testworld.procs import Process, Supervisor, free_port

log = logging.getLogger("pulse_testworld.etl")
TENANTS = "/apis/pulse.dev/v1alpha1/pulsetenants"
SECRETS = "/api/v1/secrets"
CONFIG_MAP, ENV_SECRETS = "pulse-etl-config", ("pulse-db", "pulse-cache", "pulse-vector")
NAMESPACE_PREFIX = "tenant-"


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
    # integration name -> file name -> content; {} for a Secret not found
    # (the optional volume mounts an empty folder)
    files: dict[str, dict[str, str]]


def read_pod_config(http: httpx.Client, slug: str) -> PodConfig | None:
    """None while the operator has not written everything yet."""
    ns = f"/api/v1/namespaces/{NAMESPACE_PREFIX}{slug}"
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
        if found is not None and found.status_code == 200:
            files[integration["name"]] = _decode(found.json())
        else:  # an empty folder (the volume is optional): the ETL's job fails naming it
            files[integration["name"]] = {}
    return PodConfig(env, files)


def _decode(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}


@dataclass
class EtlProcess:
    slug: str
    proc: Process
    port: int
    config: PodConfig

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
        # One tenant's read of its configuration and what follows from it at
        # a time, across both watches: a slower read must not undo a newer one.
        self._reconciling = threading.Lock()
        self._stopping = False
        self._tenants = Watch(kube, TENANTS, "tenant", self._tenants_listed, self._tenant_event)
        # Only the list's resourceVersion matters: running tenants are
        # re-read after every list, and so is a tenant whose Secret changes.
        self._secrets = Watch(
            kube,
            SECRETS,
            "secret",
            self._secrets_listed,
            self._secret_event,
            list_params={"limit": "1"},
        )

    def start(self) -> EtlFleet:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._tenants.start()
        self._secrets.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True  # _set refuses to start anything from now on
        self._tenants.stop()
        self._secrets.stop()
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

    def _tenants_listed(self, http: httpx.Client, items: list[dict[str, Any]]) -> None:
        present = set()
        for item in items:
            present.add(item["metadata"]["name"])
            self.reconcile(http, item, deleted=False)
        with self._lock:
            gone = [s for s in self.running if s not in present]
        for slug in gone:
            with self._reconciling:
                self._set(slug, None)

    def _tenant_event(self, http: httpx.Client, kind: str, tenant: dict[str, Any]) -> None:
        self.reconcile(http, tenant, deleted=kind == "DELETED")

    def reconcile(self, http: httpx.Client, tenant: dict[str, Any], *, deleted: bool) -> None:
        slug = tenant["metadata"]["name"]
        with self._reconciling:
            config = read_pod_config(http, slug) if not deleted and wanted(tenant) else None
            self._set(slug, config)

    def _secrets_listed(self, http: httpx.Client, _items: list[dict[str, Any]]) -> None:
        """A change may have gone unseen while no watch was open."""
        with self._lock:
            slugs = list(self.running)
        for slug in slugs:
            self._secret_changed(http, slug)

    def _secret_event(self, http: httpx.Client, _kind: str, secret: dict[str, Any]) -> None:
        namespace = secret["metadata"].get("namespace", "")
        if namespace.startswith(NAMESPACE_PREFIX):
            self._secret_changed(http, namespace.removeprefix(NAMESPACE_PREFIX))

    def _secret_changed(self, http: httpx.Client, slug: str) -> None:
        """Only a running tenant's: whether it should run is the tenant watch's call."""
        with self._reconciling:
            with self._lock:
                if slug not in self.running:
                    return
            config = read_pod_config(http, slug)
            # None: an envFrom Secret or the ConfigMap is gone (the tenant
            # being deleted); stopping is the tenant watch's call.
            if config is not None:
                self._set(slug, config)

    def _set(self, slug: str, config: PodConfig | None) -> None:
        with self._lock:
            if self._stopping:
                return
            current = self.running.get(slug)
            if config is None:
                if current is not None:
                    self._stop_etl(slug)
                return
            if current is not None and current.config.env == config.env and current.proc.alive():
                self._refresh_mounts(current, config)
                return
            if current is not None:
                self._stop_etl(slug)
            self.running[slug] = self._start_etl(slug, config)
            self._write_state()

    def _mounts(self, slug: str) -> Path:
        return self.folder / slug / "integrations"

    def _refresh_mounts(self, etl: EtlProcess, config: PodConfig) -> None:
        """The kubelet's part: the running process's mounted Secrets follow
        the Secrets; an integration gone from the spec keeps its folder, as
        a pod keeps its volumes until the next rollout."""
        for name, files in config.files.items():
            if write_volume(self._mounts(etl.slug) / name, files):
                log.info("ETL of %s: the Secret of %s refreshed in its mount", etl.slug, name)
        etl.config = config

    def _start_etl(self, slug: str, config: PodConfig) -> EtlProcess:
        mounts = self._mounts(slug)
        shutil.rmtree(mounts, ignore_errors=True)
        mounts.mkdir(parents=True, mode=0o700)
        for name, files in config.files.items():
            write_volume(mounts / name, files)
        port = free_port()
        env = {
            **config.env,
            **self.extra_env,
            "PULSE_PORT": str(port),
            "PULSE_ETL_CREDENTIALS_DIR": str(mounts),
        }
        proc = self.sup.start(f"etl-{slug}", [sys.executable, "-m", "pulse_etl"], env=env)
        log.info("ETL of %s started (pid %s, port %s)", slug, proc.pid, port)
        return EtlProcess(slug, proc, port, config)

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
