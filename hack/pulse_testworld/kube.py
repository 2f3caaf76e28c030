"""etcd + kube-apiserver + kube-controller-manager, the way envtest runs them,
plus the garbage collector and namespace controllers that envtest lacks."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulse_testworld.certs import Pki, make_pki
from pulse_testworld.procs import StartError, Supervisor, free_port, wait_until

PLATFORM_NAMESPACE = "pulse-system"
# The controllers the tests rely on: ownerReference clean-up, namespace
# finalization, and the "default" ServiceAccount in every namespace.
CONTROLLERS = "garbage-collector-controller,namespace-controller,serviceaccount-controller"


@dataclass(frozen=True)
class KubeInfo:
    server: str
    kubeconfig: Path
    ca_cert: Path
    admin_cert: Path
    admin_key: Path
    version: str


class KubeHttp:
    """A minimal admin client for the harness's own checks (stdlib only)."""

    def __init__(self, server: str, pki: Pki) -> None:
        self.server = server
        self.ctx = ssl.create_default_context(cafile=str(pki.ca_cert))
        self.ctx.load_cert_chain(str(pki.admin_cert), str(pki.admin_key))

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        # Only ever the https:// apiserver URL the harness built.
        req = urllib.request.Request(self.server + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:  # noqa: S310
                raw = resp.read()
                status = int(resp.status)
        except urllib.error.HTTPError as err:
            raw = err.read()
            status = err.code
        try:
            return status, json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return status, raw.decode(errors="replace")


def _kubeconfig(server: str, pki: Pki) -> str:
    def b64(p: Path) -> str:
        return base64.b64encode(p.read_bytes()).decode()

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "pulse-test",
                "cluster": {"server": server, "certificate-authority-data": b64(pki.ca_cert)},
            }
        ],
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-certificate-data": b64(pki.admin_cert),
                    "client-key-data": b64(pki.admin_key),
                },
            }
        ],
        "contexts": [{"name": "pulse-test", "context": {"cluster": "pulse-test", "user": "admin"}}],
        "current-context": "pulse-test",
    }
    return json.dumps(config, indent=2)


def _wait_for_gc(http: KubeHttp, timeout: float) -> None:
    """GC deletes dependents only once its informers synced: prove it does."""
    name = f"gc-probe-{uuid.uuid4().hex[:8]}"
    base = "/api/v1/namespaces/default/configmaps"
    status, owner = http.request("POST", base, {"metadata": {"name": name}})
    if status != 201:
        raise StartError(f"could not create the GC probe owner: {status} {owner}")
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": owner["metadata"]["uid"]}
    http.request("POST", base, {"metadata": {"name": name + "-child", "ownerReferences": [ref]}})
    http.request("DELETE", f"{base}/{name}")
    wait_until(
        "the garbage collector to delete an orphaned dependent",
        lambda: http.request("GET", f"{base}/{name}-child")[0] == 404,
        timeout=timeout,
        interval=0.5,
    )


def start_kube(sup: Supervisor, bin_dir: Path, base: Path) -> KubeInfo:
    pki = make_pki(base / "pki")
    etcd_port, etcd_peer, api_port = free_port(), free_port(), free_port()

    etcd = sup.start(
        "etcd",
        [
            str(bin_dir / "etcd"),
            "--data-dir",
            str(base / "etcd"),
            "--listen-client-urls",
            f"http://127.0.0.1:{etcd_port}",
            "--advertise-client-urls",
            f"http://127.0.0.1:{etcd_port}",
            "--listen-peer-urls",
            f"http://127.0.0.1:{etcd_peer}",
            "--initial-advertise-peer-urls",
            f"http://127.0.0.1:{etcd_peer}",
            "--initial-cluster",
            f"default=http://127.0.0.1:{etcd_peer}",
            "--unsafe-no-fsync=true",
            "--log-level",
            "warn",
        ],
    )

    def etcd_healthy() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{etcd_port}/health", timeout=2) as r:
            return bool(json.loads(r.read()).get("health") == "true")

    wait_until("etcd /health", etcd_healthy, timeout=60, proc=etcd)

    server = f"https://127.0.0.1:{api_port}"
    apiserver = sup.start(
        "kube-apiserver",
        [
            str(bin_dir / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--cert-dir={base / 'pki'}",
            f"--tls-cert-file={pki.serving_cert}",
            f"--tls-private-key-file={pki.serving_key}",
            f"--client-ca-file={pki.ca_cert}",
            "--authorization-mode=RBAC",
            # /16: every tenant has a ClusterIP Service, and a /24 (253
            # addresses) capped a 500-tenant run at ~228 Ready (the rest
            # failed their Service with "range is full", answered as a 500).
            "--service-cluster-ip-range=10.0.0.0/16",
            "--allow-privileged=true",
            "--disable-admission-plugins=ServiceAccount",
            f"--service-account-issuer={server}/",
            f"--service-account-key-file={pki.sa_public}",
            f"--service-account-signing-key-file={pki.sa_private}",
            "--endpoint-reconciler-type=none",
            "--v=0",
        ],
        # After SIGTERM it stops listening, then waits for every open
        # connection (a client's watch) to end: 15 s of every make dev
        # Ctrl-C and every test session's end. etcd holds every write it
        # acknowledged, so a world going away has nothing to drain.
        stop_timeout=2.0,
    )
    http = KubeHttp(server, pki)
    wait_until(
        "kube-apiserver /readyz",
        lambda: http.request("GET", "/readyz")[0] == 200,
        timeout=120,
        proc=apiserver,
        interval=0.5,
    )

    kubeconfig = base / "kubeconfig"
    kubeconfig.write_text(_kubeconfig(server, pki))
    kubeconfig.chmod(0o600)

    kcm = sup.start(
        "kube-controller-manager",
        [
            str(bin_dir / "kube-controller-manager"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--leader-elect=false",
            f"--controllers={CONTROLLERS}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            f"--cert-dir={base / 'kcm-certs'}",
            f"--service-account-private-key-file={pki.sa_private}",
            f"--root-ca-file={pki.ca_cert}",
            "--use-service-account-credentials=false",
            "--v=0",
        ],
    )
    wait_until(
        "the 'default' namespace",
        lambda: http.request("GET", "/api/v1/namespaces/default")[0] == 200,
        timeout=60,
        proc=apiserver,
    )
    try:
        _wait_for_gc(http, timeout=90)
    except StartError as exc:
        raise StartError(f"{exc}\nkube-controller-manager log:\n{kcm.log_tail()}") from exc
    # The platform namespace, as the chart's install leaves it: the operator
    # writes a NetworkPolicy per tenant there.
    status, body = http.request(
        "POST", "/api/v1/namespaces", {"metadata": {"name": PLATFORM_NAMESPACE}}
    )
    if status != 201:
        raise StartError(f"could not create namespace {PLATFORM_NAMESPACE}: {status} {body}")
    _, version = http.request("GET", "/version")
    return KubeInfo(
        server=server,
        kubeconfig=kubeconfig,
        ca_cert=pki.ca_cert,
        admin_cert=pki.admin_cert,
        admin_key=pki.admin_key,
        version=str(version.get("gitVersion", "")),
    )
