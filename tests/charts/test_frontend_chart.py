"""The web app in charts/pulse (real helm): a Deployment that runs the nginx
image unprivileged on a read-only root file system, its Service, the Ingress
route / next to the backend's /api on the same hosts, the network policy,
the values schema, and the image's own files (Dockerfile, nginx.conf)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.charts.conftest import CHART, REPO, container, render
from tests.charts.test_backend_chart import kinds

pytestmark = pytest.mark.kube
FRONTEND = REPO / "services" / "frontend"


def test_deployment_is_unprivileged_read_only_and_probed(helm: Any) -> None:
    docs = render(helm)
    objs = kinds(docs, "frontend")
    assert {"Deployment", "Service", "ServiceAccount", "PodDisruptionBudget"} <= set(objs)
    pod = objs["Deployment"]["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 101
    c = container(docs, "frontend")
    assert c["image"].startswith("ghcr.io/pulse-dev/pulse-frontend:")
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    # nginx writes its pid and temporary files under /tmp only (nginx.conf).
    assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"]
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert c["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    conf = (FRONTEND / "nginx.conf").read_text()
    assert "listen 8080;" in conf and "location = /healthz" in conf
    assert "pid /tmp/nginx.pid;" in conf
    svc = objs["Service"]["spec"]
    assert svc["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    assert svc["selector"]["app.kubernetes.io/component"] == "frontend"


def test_ingress_serves_the_app_at_root_next_to_the_api(helm: Any) -> None:
    docs = render(helm, "-f", str(CHART / "ci" / "production-values.yaml"))
    api = kinds(docs, "backend")["Ingress"]["spec"]
    app = kinds(docs, "frontend")["Ingress"]["spec"]
    # One origin: same hosts, TLS and class as /api.
    assert app["tls"] == api["tls"] and app["ingressClassName"] == api["ingressClassName"]
    assert [r["host"] for r in app["rules"]] == [r["host"] for r in api["rules"]]
    (path,) = app["rules"][0]["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")
    assert path["backend"]["service"] == {"name": "pulse-frontend", "port": {"name": "http"}}
    assert "Ingress" not in kinds(render(helm), "frontend")  # no Ingress unless asked


def test_network_policy_admits_the_web_port_and_no_egress(helm: Any) -> None:
    docs = render(helm)
    policy = next(
        d
        for d in docs
        if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "pulse-frontend"
    )["spec"]
    assert policy["podSelector"]["matchExpressions"][0]["values"] == ["frontend"]
    assert policy["ingress"] == [{"ports": [{"port": 8080, "protocol": "TCP"}]}]
    assert policy["egress"] == [] and policy["policyTypes"] == ["Ingress", "Egress"]


def test_switches_off_and_single_replica_has_no_pdb(helm: Any) -> None:
    off = render(helm, "--set", "frontend.enabled=false")
    assert not kinds(off, "frontend")
    assert not [d for d in off if d["metadata"]["name"] == "pulse-frontend"]
    one = kinds(render(helm, "--set", "frontend.replicas=1"), "frontend")
    assert "PodDisruptionBudget" not in one and one["Deployment"]["spec"]["replicas"] == 1


def test_image_builds_from_the_lock_file_and_runs_unprivileged() -> None:
    dockerfile = (FRONTEND / "Dockerfile").read_text()
    _, build, serve = dockerfile.split("\nFROM ")
    assert "npm ci" in build and "npm run build" in build
    assert serve.startswith("nginxinc/nginx-unprivileged:")
    assert "USER 101" in serve and "EXPOSE 8080" in serve
    assert "COPY --from=build /src/dist /usr/share/nginx/html" in serve
    conf = (FRONTEND / "nginx.conf").read_text()
    # SPA fallback: every client-side route is the app.
    assert "try_files $uri /index.html;" in conf
