"""Fixtures for the operator tests: the CRD installed, a Pulse database with
the platform set up, and the real operator (Kopf) running in a thread of this
process against the test control plane, PostgreSQL and Redis. Qdrant is the
local REST server (pulse_fakes.qdrant, API key and JWT enforced): the
operator speaks REST to it; tests inspect its store directly.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Timer intervals are fixed when the handlers are imported: set it first.
os.environ["PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS"] = "0.5"

import kopf
import psycopg
import pytest
from kubernetes import client as k8s
from qdrant_client import QdrantClient
from sqlalchemy import Engine

import pulse_operator  # noqa: F401 - registers the handlers
from pulse_common.db import make_engine
from pulse_common.provisioning import ensure_platform
from pulse_fakes.qdrant import QdrantServer, serve_qdrant
from pulse_operator.clients import connection_info
from pulse_operator.reconcile.kube import KubeClient
from pulse_testworld import World
from tests.pulse_db import BACKEND_PASSWORD

REPO = Path(__file__).resolve().parents[2]
CRD = REPO / "crds" / "pulsetenants.yaml"
GROUP, VERSION, PLURAL = "pulse.dev", "v1alpha1", "pulsetenants"


@dataclass
class Platform:
    world: World
    dsn: str
    engine: Engine
    env: dict[str, str]
    qdrant: QdrantClient  # the REST server's store, read without HTTP
    api: k8s.ApiClient
    kube: KubeClient  # the operator's own client (counts its requests)
    qdrant_server: QdrantServer

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.world.kubectl), "--kubeconfig", str(self.world.kube.kubeconfig), *args],
            capture_output=True,
            text=True,
            input=input,
            check=check,
            timeout=120,
        )

    def tenant_dsn(self, user: str, password: str) -> str:
        return f"postgresql://{user}:{password}@{self.dsn.split('@', 1)[1]}"


@pytest.fixture(scope="session")
def platform(world: World, kube_api: k8s.ApiClient) -> Iterator[Platform]:
    db = "pulse_op"
    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    dsn = world.postgres.primary_dsn.rsplit("/", 1)[0] + f"/{db}"
    engine = make_engine(dsn)
    ensure_platform(engine, backend_password=BACKEND_PASSWORD)  # one per world
    qdrant = serve_qdrant(secrets.token_urlsafe(32))
    env = {
        "KUBECONFIG": str(world.kube.kubeconfig),
        "PULSE_OPERATOR_DATABASE_ADMIN_URL": dsn,
        "PULSE_OPERATOR_REDIS_ADMIN_URL": world.redis.url,
        "PULSE_OPERATOR_QDRANT_URL": qdrant.url,
        "PULSE_OPERATOR_QDRANT_API_KEY": qdrant.app.api_key,
        "PULSE_OPERATOR_TENANT_DATABASE_HOST": f"127.0.0.1:{world.postgres.primary_port}",
        "PULSE_OPERATOR_TENANT_DATABASE_REPLICA_HOST": f"127.0.0.1:{world.postgres.replica_port}",
        "PULSE_OPERATOR_TENANT_DATABASE_NAME": db,
        "PULSE_OPERATOR_TENANT_REDIS_HOST": f"127.0.0.1:{world.redis.port}",
        "PULSE_OPERATOR_TENANT_QDRANT_URL": qdrant.url,
        "PULSE_OPERATOR_PLATFORM_NAMESPACE": "pulse-system",
        "PULSE_OPERATOR_LOG_JSON": "true",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    kube = KubeClient(connection_info())
    p = Platform(world, dsn, engine, env, qdrant.app.local, kube_api, kube, qdrant)
    # --force-conflicts: the chart tests may have left Helm owning the CRD.
    p.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD))
    p.kubectl("wait", "--for=condition=Established", "crd/pulsetenants.pulse.dev", "--timeout=60s")
    yield p
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    kube.close()
    engine.dispose()
    qdrant.stop()


@dataclass
class RunningOperator:
    thread: threading.Thread | None = None
    stop_flag: threading.Event = field(default_factory=threading.Event)
    memo: kopf.Memo = field(default_factory=kopf.Memo)  # the running operator's

    def start(self) -> None:
        self.stop_flag = threading.Event()
        ready = threading.Event()
        memo = self.memo = kopf.Memo()

        def run() -> None:
            asyncio.run(
                kopf.operator(
                    clusterwide=True,
                    standalone=True,
                    memo=memo,
                    stop_flag=self.stop_flag,
                    ready_flag=ready,
                )
            )

        self.thread = threading.Thread(target=run, name="pulse-operator", daemon=True)
        self.thread.start()
        assert ready.wait(30), "the operator did not start"

    def stop(self) -> None:
        if self.thread is not None:
            self.stop_flag.set()
            self.thread.join(30)
            assert not self.thread.is_alive(), "the operator did not stop"
            self.thread = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def drift_passes(self, count: int) -> list[Any]:
        """Waits for ``count`` drift passes that start after now; returns
        their reports (the pass in flight now, if any, is not one of them)."""
        start = self.memo.get("drift_passes", 0)
        wait_for(
            f"{count} drift passes",
            lambda: self.memo.get("drift_passes", 0) > start + count,
            timeout=60,
        )
        return list(self.memo.get("drift_reports", []))[-count:]


@pytest.fixture(scope="module")
def operator(platform: Platform) -> Iterator[RunningOperator]:
    op = RunningOperator()
    op.start()
    yield op
    op.stop()


def wait_for(
    what: str, check: Callable[[], Any], timeout: float = 60, interval: float = 0.25
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def manifest(slug: str, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "displayName": f"Tenant {slug}",
        "admin": {"email": f"admin@{slug}.example"},
    }
    body.update(spec)
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PulseTenant",
        "metadata": {"name": slug},
        "spec": body,
    }


@dataclass
class Tenants:
    """Applies PulseTenants and deletes them (with their data) after the test."""

    platform: Platform
    made: list[str] = field(default_factory=list)

    @property
    def custom(self) -> k8s.CustomObjectsApi:
        return k8s.CustomObjectsApi(self.platform.api)

    def apply(self, slug: str | None = None, **spec: Any) -> str:
        slug = slug or f"op-{uuid.uuid4().hex[:8]}"
        if slug not in self.made:
            self.made.append(slug)
        self.platform.kubectl("apply", "-f", "-", input=json.dumps(manifest(slug, **spec)))
        return slug

    def get(self, slug: str) -> dict[str, Any] | None:
        try:
            return self.custom.get_cluster_custom_object(GROUP, VERSION, PLURAL, slug)  # type: ignore[no-any-return]
        except k8s.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def patch(self, slug: str, spec: dict[str, Any]) -> None:
        self.custom.patch_cluster_custom_object(GROUP, VERSION, PLURAL, slug, {"spec": spec})

    def wait_phase(self, slug: str, phase: str, timeout: float = 60) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            obj = self.get(slug)
            status = (obj or {}).get("status", {})
            ok = (
                status.get("phase") == phase
                and status.get("observedGeneration") == obj["metadata"]["generation"]
            )  # type: ignore[index]
            return obj if ok else None

        result: dict[str, Any] = wait_for(f"{slug} to be {phase}", check, timeout)
        return result

    def delete(self, slug: str, *, wait: bool = True) -> None:
        try:
            self.custom.delete_cluster_custom_object(GROUP, VERSION, PLURAL, slug)
        except k8s.ApiException as exc:
            if exc.status != 404:
                raise
        if wait:
            self.wait_deleted(slug)

    def wait_deleted(self, slug: str) -> None:
        try:
            wait_for(f"{slug} to be deleted", lambda: self.get(slug) is None, timeout=60)
        except AssertionError as exc:
            obj = self.get(slug) or {}
            meta = obj.get("metadata", {})
            raise AssertionError(
                f"{exc}; finalizers={meta.get('finalizers')} "
                f"annotations={meta.get('annotations')} "
                f"status={obj.get('status', {}).get('phase')}"
            ) from None

    def _delete_policy_handled(self, slug: str) -> bool:
        handled = (
            (self.get(slug) or {})
            .get("metadata", {})
            .get("annotations", {})
            .get("pulse.dev/last-handled-configuration", '"deletionPolicy":"Delete"')
        )
        return '"deletionPolicy":"Delete"' in handled

    def cleanup(self) -> None:
        """Deletes every tenant the test made, with its data. Each step is
        asked of all tenants before any is waited for: the operator handles
        them concurrently (20 one after another took ~14 s of teardown)."""
        live = [slug for slug in self.made if self.get(slug) is not None]
        for slug in live:
            self.patch(slug, {"deletionPolicy": "Delete"})
        # Let the operator handle the update before the deletion: a delete
        # racing Kopf's update bookkeeping can leave the finalizer in place
        # (see the issue note).
        for slug in live:
            wait_for(
                f"{slug} update handled",
                lambda s=slug: self._delete_policy_handled(s),
                timeout=30,
            )
        for slug in live:
            self.delete(slug, wait=False)
        for slug in live:
            self.wait_deleted(slug)


@pytest.fixture
def tenants(platform: Platform, operator: RunningOperator) -> Iterator[Tenants]:
    t = Tenants(platform)
    yield t
    t.cleanup()


def events_for(platform: Platform, slug: str) -> list[dict[str, Any]]:
    out = platform.kubectl(
        "get",
        "events",
        "-A",
        "-o",
        "json",
        "--field-selector",
        f"involvedObject.kind=PulseTenant,involvedObject.name={slug}",
    )
    return list(json.loads(out.stdout)["items"])


def secret_values(platform: Platform, slug: str) -> dict[str, str]:
    import base64

    core = k8s.CoreV1Api(platform.api)
    values: dict[str, str] = {}
    for name in ("pulse-db", "pulse-cache", "pulse-vector"):
        sec = core.read_namespaced_secret(name, f"tenant-{slug}")
        values.update({k: base64.b64decode(v).decode() for k, v in (sec.data or {}).items()})
    return values
