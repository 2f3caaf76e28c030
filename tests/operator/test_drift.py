"""Issue 8, scale: a drift pass costs O(what changed). Against the real
kube-apiserver and PostgreSQL of the test world, counting the requests the
operator's own Kubernetes client sends (every request goes through it):

- an idle pass sends none (it was ~24 per tenant: a GET and a no-op
  server-side apply per child, and the Secrets read again);
- a child changed or deleted by hand is repaired, with one write each;
- PostgreSQL that does not answer costs one connection timeout per pass
  and concurrency slot, not one per tenant, and the pass reports it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import kopf
import pytest
import redis
from kubernetes import client as k8s
from sqlalchemy import create_engine

from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.drift import DriftReport, drift_pass
from pulse_operator.qdrant import QdrantRest
from pulse_operator.reconcile.status import INTEGRATIONS
from pulse_operator.watchcache import WatchCache
from tests.operator.conftest import Platform, RunningOperator, Tenants, wait_for
from tests.operator.test_etl_workload import _integrations

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


def reports(operator: RunningOperator) -> list[DriftReport]:
    return list(operator.memo.get("drift_reports", []))


def passes_after(operator: RunningOperator, count: int) -> list[DriftReport]:
    return operator.drift_passes(count)


def test_an_idle_pass_sends_no_request(tenants: Tenants, operator: RunningOperator) -> None:
    slugs = [tenants.apply() for _ in range(3)]
    for slug in slugs:
        tenants.wait_phase(slug, "Ready")
    passes_after(operator, 1)  # settle: the first pass after Ready may still write status
    idle = passes_after(operator, 2)
    for report in idle:
        assert report.checked >= 3, report
        assert report.repaired == {} and report.failed == {}, report
        assert report.kube_requests == {}, report


def _integrations_condition(tenants: Tenants, slug: str) -> dict[str, Any]:
    obj = tenants.get(slug) or {}
    found = [c for c in obj.get("status", {}).get("conditions", []) if c["type"] == INTEGRATIONS]
    return dict(found[0]) if found else {}


def test_integration_secrets_are_looked_for_until_found_then_not_each_pass(
    platform: Platform, tenants: Tenants, operator: RunningOperator
) -> None:
    """The tenant's own Secrets are in no watch: a missing one is looked for
    at each pass (and found without a spec change); once all are found, idle
    passes read them no more (they did: one GET per integration per pass)."""
    slug = tenants.apply(integrations=_integrations()[:1])  # jira-main: Secret acme-jira
    tenants.wait_phase(slug, "Degraded")
    passes_after(operator, 1)
    looking = passes_after(operator, 1)[0]
    assert looking.kube_requests.get("GET", 0) >= 1, looking
    assert _integrations_condition(tenants, slug)["reason"] == "SecretMissing"

    k8s.CoreV1Api(platform.api).create_namespaced_secret(
        f"tenant-{slug}", {"metadata": {"name": "acme-jira"}, "data": {"token": "eA=="}}
    )
    created = time.monotonic()
    wait_for(
        "the drift pass finds the Secret",
        lambda: _integrations_condition(tenants, slug).get("status") == "True",
        timeout=60,
    )
    # The phase follows by itself (no spec change): within one drift
    # interval (0.5 s here; 30 s in make dev, the chart's 120 s in a cluster).
    tenants.wait_phase(slug, "Ready")
    print(f"Degraded -> Ready {time.monotonic() - created:.1f} s after the Secret was created")
    passes_after(operator, 1)  # settle: the status write of the pass that found it
    for report in passes_after(operator, 2):
        assert report.repaired == {} and report.failed == {}, report
        assert report.kube_requests == {}, report


def test_changed_and_deleted_children_are_repaired_with_one_write_each(
    platform: Platform, tenants: Tenants, operator: RunningOperator
) -> None:
    slug = tenants.apply()
    tenants.wait_phase(slug, "Ready")
    ns = f"tenant-{slug}"
    apps, core = k8s.AppsV1Api(platform.api), k8s.CoreV1Api(platform.api)
    net = k8s.NetworkingV1Api(platform.api)
    passes_after(operator, 1)
    before = Counter(platform_requests(operator))

    platform.kubectl("scale", "deployment/pulse-etl", "-n", ns, "--replicas=4")
    net.delete_namespaced_network_policy("pulse-etl", ns)
    core.patch_namespaced_config_map(
        "pulse-etl-config", ns, {"data": {"PULSE_TENANT_TIER": "enterprise"}}
    )

    wait_for(
        "the Deployment scaled back",
        lambda: apps.read_namespaced_deployment("pulse-etl", ns).spec.replicas == 1,
        timeout=30,
    )
    wait_for(
        "the ConfigMap restored",
        lambda: (
            core.read_namespaced_config_map("pulse-etl-config", ns).data["PULSE_TENANT_TIER"]
            == "standard"
        ),
        timeout=30,
    )
    assert net.read_namespaced_network_policy("pulse-etl", ns).spec.pod_selector is not None
    passes_after(operator, 1)  # nothing left to repair
    sent = Counter(platform_requests(operator)) - before
    assert sent == Counter({"PATCH": 3}), sent  # three applies, no reads
    repaired: set[str] = set()
    for report in reports(operator):
        repaired.update(report.repaired.get(slug, []))
    assert {"Deployment/pulse-etl", "NetworkPolicy/pulse-etl", "ConfigMap/pulse-etl-config"} <= (
        repaired
    )


def platform_requests(operator: RunningOperator) -> Counter[str]:
    clients: Clients = operator.memo.clients
    return Counter(clients.kube.requests)


@pytest.fixture
def silent_postgres() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP port that accepts connections and never answers: a PostgreSQL
    that hangs (the case that made a pass take hours), not one that refuses."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


def test_a_hung_postgres_costs_one_timeout_per_slot_and_is_reported(
    platform: Platform,
    tenants: Tenants,
    silent_postgres: tuple[int, list[socket.socket]],
) -> None:
    slugs = [tenants.apply() for _ in range(6)]
    for slug in slugs:
        tenants.wait_phase(slug, "Ready")
    port, accepted = silent_postgres
    cfg = OperatorConfig(drift_concurrency=2)  # type: ignore[call-arg]
    engine = create_engine(
        f"postgresql+psycopg://op:pw@127.0.0.1:{port}/pulse",
        connect_args={"connect_timeout": 2},
    )
    clients = Clients(
        kube=platform.kube,
        db=engine,
        redis=redis.Redis.from_url(platform.world.redis.url),
        qdrant=QdrantRest(
            platform.qdrant_server.url, platform.env["PULSE_OPERATOR_QDRANT_API_KEY"]
        ),
    )

    async def one_pass() -> tuple[DriftReport, Any]:
        clients.cache = WatchCache.for_operator(platform.kube)
        await clients.cache.start()
        try:
            memo = kopf.Memo(cfg=cfg, clients=clients)
            return await drift_pass(memo), clients.cache.size()
        finally:
            await clients.cache.stop()

    try:
        report, sizes = asyncio.run(one_pass())
    finally:
        clients.redis.close()
        clients.qdrant.close()
        engine.dispose()
    assert sizes["PulseTenant"] >= 6
    assert report.outages == {"DatabaseReady": "PostgresqlUnavailable"}, report
    for slug in slugs:
        assert "DatabaseReady" in report.failed[slug], report.failed
    # At most one connection attempt per concurrency slot, not one per tenant.
    assert 1 <= len(accepted) <= cfg.drift_concurrency, len(accepted)
    # The other backends were still checked and are fine: nothing repaired.
    assert report.repaired == {}, report.repaired


def test_a_restart_writes_nothing(tenants: Tenants, operator: RunningOperator) -> None:
    """Resume at startup compares every tenant with the freshly listed cache
    (whose items carry no kind or apiVersion of their own)."""
    slugs = [tenants.apply() for _ in range(2)]
    for slug in slugs:
        tenants.wait_phase(slug, "Ready")
    passes_after(operator, 1)
    operator.restart()
    passes_after(operator, 1)
    sent = platform_requests(operator)
    assert not {"PATCH", "POST", "GET"} & set(sent), sent
