"""The backend in charts/pulse (real helm, real API server): the Deployment
and what the backend contract needs, generated keys that survive upgrades and
rotate, the Ingress, scaling, checksums, `helm test` pods, network policies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from kubernetes import client as k8s

from pulse_backend.settings import Settings
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import workload
from pulse_operator.spec import parse_tenant
from tests.charts.conftest import CHART, container, render

pytestmark = pytest.mark.kube

CONTRACT_ENV = {
    "PULSE_BACKEND_ENVIRONMENT",
    "PULSE_BACKEND_DATABASE_URL",
    "PULSE_BACKEND_DATABASE_REPLICA_URL",
    "PULSE_BACKEND_REPLICA_MAX_LAG_SECONDS",
    "PULSE_BACKEND_REDIS_URL",
    "PULSE_BACKEND_JWT_KEYS_DIR",
    "PULSE_BACKEND_JWT_ACTIVE_KID",
    "PULSE_BACKEND_ENCRYPTION_KEYS",
    "PULSE_BACKEND_QDRANT_URL",
    "PULSE_BACKEND_QDRANT_API_KEY",
    "PULSE_BACKEND_LOG_FORMAT",
    "PULSE_BACKEND_ACCESS_TOKEN_TTL_SECONDS",
    "PULSE_BACKEND_REFRESH_TOKEN_TTL_SECONDS",
    "PULSE_BACKEND_DEVICE_TOKEN_TTL_SECONDS",
    "PULSE_BACKEND_COOKIE_SECURE",
}


def kinds(docs: list[dict[str, Any]], component: str) -> dict[str, dict[str, Any]]:
    return {
        d["kind"]: d
        for d in docs
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == component
    }


def secret(docs: list[dict[str, Any]], name: str) -> dict[str, str]:
    doc = next(d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"] == name)
    return {k: base64.b64decode(v).decode() for k, v in doc["data"].items()}


def test_backend_deployment_follows_the_contract(helm: Any) -> None:
    docs = render(helm)
    objs = kinds(docs, "backend")
    assert {"Deployment", "Service", "ServiceAccount", "PodDisruptionBudget"} <= set(objs)
    assert "HorizontalPodAutoscaler" not in objs
    dep = objs["Deployment"]
    assert dep["spec"]["replicas"] == 2
    pod = dep["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert objs["ServiceAccount"]["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    c = pod["containers"][0]
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["ports"] == [{"name": "http", "containerPort": 3001, "protocol": "TCP"}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert c["command"][:3] == ["uvicorn", "--factory", "pulse_backend.app:create_app"]
    env = {e["name"]: e for e in c["env"]}
    assert set(env) >= CONTRACT_ENV
    assert env["PULSE_BACKEND_ENVIRONMENT"]["value"] == "production"
    assert env["PULSE_BACKEND_REFRESH_TOKEN_TTL_SECONDS"]["value"] == "1209600"
    # The CloudNativePG services: -rw for writes, -ro for reads, as the backend's own role.
    assert env["PULSE_BACKEND_DATABASE_URL"]["value"] == (
        "postgresql://pulse_backend:$(PULSE_BACKEND_DATABASE_PASSWORD)"
        "@pulse-postgres-rw.pulse-system.svc:5432/pulse"
    )
    assert (
        "@pulse-postgres-ro.pulse-system.svc:5432/pulse"
        in (env["PULSE_BACKEND_DATABASE_REPLICA_URL"]["value"])
    )
    # $(VAR) references only work for variables defined before them.
    order = [e["name"] for e in c["env"]]
    assert order.index("PULSE_BACKEND_DATABASE_PASSWORD") < order.index(
        "PULSE_BACKEND_DATABASE_URL"
    )
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    assert mounts[env["PULSE_BACKEND_JWT_KEYS_DIR"]["value"]] == "jwt"
    jwt_volume = next(v for v in pod["volumes"] if v["name"] == "jwt")
    assert jwt_volume["secret"]["secretName"] == "pulse-backend-jwt"
    assert objs["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    # The operator sends tenants' ETL to this Service.
    op_env = {e["name"]: e.get("value") for e in container(docs, "operator")["env"]}
    assert op_env["PULSE_OPERATOR_BACKEND_SERVICE"] == "pulse-backend.pulse-system.svc"
    assert json.loads(op_env["PULSE_OPERATOR_PLATFORM_POD_LABELS"]).items() <= (
        dep["spec"]["selector"]["matchLabels"].items()
    )


def _backend_settings(docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The backend's own settings read from the Deployment's plain values."""
    for e in container(docs, "backend")["env"]:
        if e["name"].startswith("PULSE_BACKEND_") and "value" in e:
            monkeypatch.setenv(e["name"], e["value"])
    monkeypatch.setenv("PULSE_BACKEND_ENVIRONMENT", "dev")  # no secrets needed to read the rest
    return Settings()


def test_device_trust_settings_reach_the_backend(
    helm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trusted-device lifetime and per-device sign-in limit: values under
    the names the backend reads (checked by its own settings classes), the
    limit left to the backend's default (as many as per email) unless set."""
    defaults = _backend_settings(render(helm), monkeypatch)
    assert defaults.device_token_ttl_seconds == 30 * 86400
    assert defaults.rate.login_per_device is None
    env = {e["name"] for e in container(render(helm), "backend")["env"]}
    assert "PULSE_BACKEND_RATE_LOGIN_PER_DEVICE" not in env
    monkeypatch.undo()
    docs = render(
        helm,
        *("--set", "backend.deviceTokenTtlSeconds=86400"),
        *("--set", "backend.rateLimits.loginPerDevice=25"),
    )
    chosen = _backend_settings(docs, monkeypatch)
    assert chosen.device_token_ttl_seconds == 86400
    assert chosen.rate.login_per_device == 25


def test_generated_keys_have_the_contract_shapes(helm: Any) -> None:
    docs = render(helm)
    jwt = secret(docs, "pulse-backend-jwt")
    assert list(jwt) == ["k1.pem"]
    key = load_pem_private_key(jwt["k1.pem"].encode(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    kid, _, value = secret(docs, "pulse-backend-encryption")["encryption-keys"].partition(":")
    assert kid == "e1" and len(base64.urlsafe_b64decode(value)) == 32
    db = secret(docs, "pulse-backend-db")
    assert db["username"] == "pulse_backend" and db["password"].isalnum()


def test_single_replica_has_no_pdb_and_autoscaling_replaces_replicas(helm: Any) -> None:
    assert "PodDisruptionBudget" not in kinds(
        render(helm, "--set", "backend.replicas=1"), "backend"
    )
    objs = kinds(render(helm, "--set", "backend.autoscaling.enabled=true"), "backend")
    assert "replicas" not in objs["Deployment"]["spec"]
    hpa = objs["HorizontalPodAutoscaler"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    assert hpa["scaleTargetRef"]["name"] == "pulse-backend"
    assert "PodDisruptionBudget" in objs


def test_ingress_routes_api_with_tls_and_websockets(helm: Any) -> None:
    docs = render(helm, "-f", str(CHART / "ci" / "production-values.yaml"))
    ing = kinds(docs, "backend")["Ingress"]
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert ing["spec"]["tls"] == [{"secretName": "pulse-tls", "hosts": ["pulse.example.com"]}]
    (rule,) = ing["spec"]["rules"]
    assert rule["host"] == "pulse.example.com"
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/api", "Prefix")
    assert path["backend"]["service"] == {"name": "pulse-backend", "port": {"name": "http"}}
    assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]
    env = {e["name"]: e.get("value") for e in container(docs, "backend")["env"]}
    assert env["PULSE_BACKEND_PUBLIC_URL"] == "https://pulse.example.com"
    monitors = [d for d in docs if d["kind"] == "ServiceMonitor"]
    assert {m["metadata"]["name"] for m in monitors} == {
        "pulse-operator",
        "pulse-backend",
        "pulse-etl",
    }
    assert all(m["metadata"]["labels"]["release"] == "prometheus" for m in monitors)
    assert not [d for d in render(helm) if d["kind"] in ("Ingress", "ServiceMonitor")]


def test_every_tenant_etl_is_scraped_like_the_backend(helm: Any) -> None:
    """The ETL serves /metrics on its port as the backend does: one
    ServiceMonitor finds the operator's pulse-etl Services in the tenant
    namespaces, and the operator admits the scraper in each tenant's policy."""
    docs = render(helm, "-f", str(CHART / "ci" / "production-values.yaml"))
    (etl,) = [
        d for d in docs if d["kind"] == "ServiceMonitor" and d["metadata"]["name"] == "pulse-etl"
    ]
    tenant = parse_tenant("acme", "uid-1", 1, {"displayName": "A", "admin": {"email": "a@a.io"}})
    service = workload.service(tenant, OperatorConfig.model_construct(etl_port=8000))
    assert etl["spec"]["namespaceSelector"] == {"any": True}
    selected = etl["spec"]["selector"]["matchLabels"]
    assert selected.items() <= service["metadata"]["labels"].items()
    (endpoint,) = etl["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == (service["spec"]["ports"][0]["name"], "/metrics")
    env = {e["name"]: e.get("value") for e in container(docs, "operator")["env"]}
    assert env["PULSE_OPERATOR_ETL_METRICS_SCRAPER_NAMESPACE"] == "monitoring"
    assert json.loads(env["PULSE_OPERATOR_ETL_METRICS_SCRAPER_POD_LABELS"]) == {
        "app.kubernetes.io/name": "prometheus"
    }
    # Without the ServiceMonitor, nobody but the backend reaches an ETL.
    env = {e["name"] for e in container(render(helm), "operator")["env"]}
    assert "PULSE_OPERATOR_ETL_METRICS_SCRAPER_NAMESPACE" not in env
    off = render(
        helm,
        "-f",
        str(CHART / "ci" / "production-values.yaml"),
        "--set",
        "serviceMonitor.etl=false",
    )
    assert "pulse-etl" not in {d["metadata"]["name"] for d in off if d["kind"] == "ServiceMonitor"}


def _annotation(docs: list[dict[str, Any]], kind: str, component: str, key: str) -> str:
    doc = kinds(docs, component)[kind]
    return doc["spec"]["template"]["metadata"]["annotations"][key]  # type: ignore[no-any-return]


def test_checksums_roll_pods_when_their_config_changes(helm: Any) -> None:
    base = render(helm)
    redis = _annotation(base, "StatefulSet", "redis", "checksum/config")
    keys = _annotation(base, "Deployment", "backend", "checksum/keys")
    unrelated = render(helm, "--set", "operator.driftIntervalSeconds=60")
    assert _annotation(unrelated, "StatefulSet", "redis", "checksum/config") == redis
    assert _annotation(unrelated, "Deployment", "backend", "checksum/keys") == keys
    changed = render(helm, "--set", "redis.maxmemory=1gb", "--set", "backend.jwt.activeKid=k2")
    assert _annotation(changed, "StatefulSet", "redis", "checksum/config") != redis
    assert _annotation(changed, "Deployment", "backend", "checksum/keys") != keys


def test_helm_test_pods_check_every_data_service(helm: Any) -> None:
    docs = render(helm)
    tests = {
        d["metadata"]["name"]: d
        for d in docs
        if d["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"
    }
    assert set(tests) == {f"pulse-test-{s}" for s in ("postgres", "redis", "qdrant", "backend")}
    for pod in tests.values():
        assert pod["kind"] == "Pod" and pod["spec"]["restartPolicy"] == "Never"
        assert pod["spec"]["automountServiceAccountToken"] is False
    pg = {e["name"]: e for e in tests["pulse-test-postgres"]["spec"]["containers"][0]["env"]}
    assert pg["PGHOST"]["value"] == "pulse-postgres-rw.pulse-system.svc"
    assert pg["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "pulse-postgres-superuser"
    only_pg = render(
        helm,
        *("--set", "redis.enabled=false", "--set", "qdrant.enabled=false"),
        *("--set", "backend.enabled=false"),
    )
    assert [
        d["metadata"]["name"]
        for d in only_pg
        if d["metadata"].get("annotations", {}).get("helm.sh/hook")
    ] == ["pulse-test-postgres"]


def test_no_service_account_token_where_no_api_access_is_needed(helm: Any) -> None:
    for doc in render(helm):
        if doc["kind"] in ("Deployment", "StatefulSet"):
            pod = doc["spec"]["template"]["spec"]
            component = doc["metadata"]["labels"]["app.kubernetes.io/component"]
            # Only the operator talks to the Kubernetes API.
            expected = None if component == "operator" else False
            assert pod.get("automountServiceAccountToken") is expected, component


def test_platform_policies_select_pods_not_namespaces(helm: Any) -> None:
    policies = {d["metadata"]["name"]: d for d in render(helm) if d["kind"] == "NetworkPolicy"}
    assert set(policies) == {"pulse-data", "pulse-backend", "pulse-operator", "pulse-frontend"}
    data = policies["pulse-data"]["spec"]
    assert data["podSelector"]["matchExpressions"][0]["values"] == ["postgres", "qdrant", "redis"]
    same_ns, cnpg = data["ingress"]
    (peer,) = same_ns["from"]
    assert set(peer) == {"podSelector"}  # this namespace, these pods only
    assert peer["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "pulse",
        "app.kubernetes.io/instance": "pulse",
    }
    assert peer["podSelector"]["matchExpressions"][0]["values"] == [
        "operator",
        "backend",
        "test",
        "postgres",
    ]
    assert cnpg["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}}}
    ]
    assert cnpg["ports"] == [{"port": 8000, "protocol": "TCP"}]
    backend = policies["pulse-backend"]["spec"]
    assert backend["ingress"] == [{"ports": [{"port": 3001, "protocol": "TCP"}]}]


def _data(core: k8s.CoreV1Api, name: str, namespace: str) -> dict[str, str]:
    raw = core.read_namespaced_secret(name, namespace).data
    return {k: base64.b64decode(v).decode() for k, v in raw.items()}


def test_install_keeps_generated_keys_and_upgrades_rotate_them(
    helm: Any, kube_api: Any, namespace: str, cnpg_crd: None
) -> None:
    core = k8s.CoreV1Api(kube_api)
    # Cluster-scoped objects (CRD, ClusterRole) belong to the other install test.
    base = (
        "--namespace",
        namespace,
        "--set",
        "crds.create=false",
        "--set",
        "operator.enabled=false",
    )
    helm("install", "pulse", str(CHART), *base)
    jwt = _data(core, "pulse-backend-jwt", namespace)
    enc = _data(core, "pulse-backend-encryption", namespace)["encryption-keys"]
    db = _data(core, "pulse-backend-db", namespace)

    helm("upgrade", "pulse", str(CHART), *base, "--set", "backend.replicas=3")
    assert _data(core, "pulse-backend-jwt", namespace) == jwt
    assert _data(core, "pulse-backend-encryption", namespace)["encryption-keys"] == enc
    assert _data(core, "pulse-backend-db", namespace) == db

    rotate = ("--set", "backend.jwt.activeKid=k2", "--set", "backend.encryption.activeKid=e2")
    helm("upgrade", "pulse", str(CHART), *base, *rotate)
    rotated = _data(core, "pulse-backend-jwt", namespace)
    assert set(rotated) == {"k1.pem", "k2.pem"} and rotated["k1.pem"] == jwt["k1.pem"]
    keys = _data(core, "pulse-backend-encryption", namespace)["encryption-keys"].split(",")
    assert keys[0].startswith("e2:") and keys[1:] == [enc]  # the new key encrypts, e1 decrypts
    dep = k8s.AppsV1Api(kube_api).read_namespaced_deployment("pulse-backend", namespace)
    env = {e.name: e.value for e in dep.spec.template.spec.containers[0].env}
    assert env["PULSE_BACKEND_JWT_ACTIVE_KID"] == "k2"

    # Back to e1: it is moved first again, nothing is lost or regenerated.
    helm("upgrade", "pulse", str(CHART), *base, *rotate[:2])
    keys = _data(core, "pulse-backend-encryption", namespace)["encryption-keys"].split(",")
    assert keys[0] == enc and keys[1].startswith("e2:")

    helm("uninstall", "pulse", "--namespace", namespace)
    # Rows encrypted with these keys may outlive the release.
    assert _data(core, "pulse-backend-encryption", namespace)["encryption-keys"]
    with pytest.raises(k8s.ApiException):
        core.read_namespaced_secret("pulse-backend-jwt", namespace)
