"""charts/pulse with the real helm against the real API server: lint, render,
server-side dry run, schema errors, install/upgrade/uninstall, conventions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s

from tests.charts.conftest import CHART, REPO, container, render

pytestmark = pytest.mark.kube

EXAMPLES = sorted((CHART / "ci").glob("*.yaml"))


@pytest.mark.parametrize("values", [None, *EXAMPLES], ids=lambda v: v.name if v else "defaults")
def test_lint_strict(helm: Any, values: Path | None) -> None:
    args = ["-f", str(values)] if values else []
    out = helm("lint", "--strict", str(CHART), *args)
    assert "1 chart(s) linted, 0 chart(s) failed" in out.stdout


def test_crd_is_the_same_document(helm: Any) -> None:
    assert (CHART / "files" / "pulsetenants.yaml").read_bytes() == (
        REPO / "crds" / "pulsetenants.yaml"
    ).read_bytes()
    rendered = next(d for d in render(helm) if d["kind"] == "CustomResourceDefinition")
    assert rendered["metadata"].pop("annotations") == {"helm.sh/resource-policy": "keep"}
    assert rendered == yaml.safe_load((REPO / "crds" / "pulsetenants.yaml").read_text())
    assert not [
        d
        for d in render(helm, "--set", "crds.create=false")
        if d["kind"] == "CustomResourceDefinition"
    ]


@pytest.mark.parametrize("values", [None, *EXAMPLES], ids=lambda v: v.name if v else "defaults")
def test_every_object_passes_a_server_side_dry_run(
    helm: Any, kubectl: Any, namespace: str, cnpg_crd: None, values: Path | None
) -> None:
    args = ["-f", str(values)] if values else []
    docs = render(helm, *args, namespace=namespace)
    # Namespaced objects go to the test namespace; the CRD itself is applied for real
    # first so that nothing depends on test order.
    objects = [d for d in docs if d["kind"] != "CustomResourceDefinition"]
    body = "\n---\n".join(yaml.safe_dump(d) for d in objects)
    out = kubectl("apply", "--dry-run=server", "-n", namespace, "-f", "-", input=body, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("(server dry run)") == len(objects)


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("operator.driftIntervalSeconds=soon", "driftIntervalSeconds"),
        ("operator.driftIntervalSeconds=1", "driftIntervalSeconds"),
        ("operator.reconcileConcurrency=0", "reconcileConcurrency"),
        ("redis.maxmemoryPolicy=sometimes", "maxmemoryPolicy"),
        ("postgres.instances=0", "instances"),
        ("postgres.storage.size=10GB", "size"),
        ("qdrant.image.pullPolicy=Sometimes", "pullPolicy"),
        ("typoKey=1", "typoKey"),
        ("operator.image.typo=1", "typo"),
        ("postgres.externalHosts.readWrite=not a host", "readWrite"),
        ("operator.resources.limits.cpu=lots", "cpu"),
        ("backend.replicas=0", "replicas"),
        ("backend.jwt.activeKid=k1:bad", "activeKid"),
        ("backend.encryption.activeKid=E 1", "activeKid"),
        ("backend.ingress.hosts={Not A Host}", "hosts"),
        ("backend.publicUrl=pulse.example.com", "publicUrl"),
        ("backend.deviceTokenTtlSeconds=0", "deviceTokenTtlSeconds"),
        ("backend.deviceTokenTtlSeconds=315360000", "deviceTokenTtlSeconds"),
        ("backend.deviceTokenTtlSeconds=month", "deviceTokenTtlSeconds"),
        ("backend.rateLimits.loginPerDevice=0", "loginPerDevice"),
        ("backend.rateLimits.loginPerDevice=1.5", "loginPerDevice"),
        ("backend.rateLimits.typo=1", "typo"),
        ("etl.egress.allowCIDRs={jira.internal}", "allowCIDRs"),
        ("etl.egress.ports={0}", "ports"),
        ("serviceMonitor.interval=often", "interval"),
        ("frontend.replicas=0", "replicas"),
        ("frontend.image.pullPolicy=Sometimes", "pullPolicy"),
        ("frontend.typo=1", "typo"),
    ],
)
def test_schema_rejects_bad_values_naming_the_field(helm: Any, setting: str, field: str) -> None:
    out = helm("template", "pulse", str(CHART), "--set", setting, check=False)
    assert out.returncode != 0
    assert "values don't meet the specifications of the schema" in out.stderr
    assert field in out.stderr


def test_schema_allows_global(helm: Any) -> None:
    out = helm("template", "pulse", str(CHART), "--set", "global.imageRegistry=registry.example")
    assert "kind: Deployment" in out.stdout


def _labels_ok(doc: dict[str, Any]) -> None:
    labels = doc["metadata"].get("labels", {})
    for key in (
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/part-of",
        "helm.sh/chart",
    ):
        assert key in labels, f"{doc['kind']}/{doc['metadata']['name']} lacks {key}"
    assert all(len(v) <= 63 for v in labels.values())


def test_names_labels_and_selectors_follow_conventions(helm: Any) -> None:
    # Helm's longest release name: with component suffixes, names pass 63 characters.
    long_release = "r" + "-long" * 10 + "-name"[:2]
    assert len(long_release) == 53
    docs = render(helm, release=long_release)
    for doc in docs:
        if doc["kind"] == "CustomResourceDefinition":
            continue
        assert len(doc["metadata"]["name"]) <= 63
        _labels_ok(doc)
        assert doc["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        spec = doc.get("spec", {})
        if doc["kind"] in ("Deployment", "StatefulSet"):
            selector = spec["selector"]["matchLabels"]
            assert set(selector) == {
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/component",
            }
            template = spec["template"]
            assert selector.items() <= template["metadata"]["labels"].items()
            pod = template["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            for c in pod["containers"]:
                assert c["resources"]["limits"] and c["resources"]["requests"]
                assert c["livenessProbe"] and c["readinessProbe"]
                assert c["securityContext"]["allowPrivilegeEscalation"] is False
        if doc["kind"] == "Service":
            assert spec["selector"]["app.kubernetes.io/instance"] == long_release
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(names) == len(set(names)), "two objects share a name"
    operator = next(
        d
        for d in docs
        if d["kind"] == "Deployment"
        and d["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"
    )
    assert operator["spec"]["strategy"] == {"type": "Recreate"}
    assert operator["spec"]["replicas"] == 1


def test_components_switch_off(helm: Any) -> None:
    kinds = {
        (d["kind"], d["metadata"]["labels"].get("app.kubernetes.io/component"))
        for d in render(helm, "-f", str(CHART / "ci" / "minimal-values.yaml"))
        if d["kind"] != "CustomResourceDefinition"
    }
    assert ("StatefulSet", "redis") not in kinds and ("Cluster", "postgres") not in kinds
    assert ("Deployment", "operator") in kinds and ("Deployment", "backend") in kinds
    without_backend = {
        d["metadata"]["labels"].get("app.kubernetes.io/component")
        for d in render(helm, "--set", "backend.enabled=false")
    }
    assert "backend" not in without_backend


def test_existing_secrets_are_used(helm: Any) -> None:
    docs = render(helm, "-f", str(CHART / "ci" / "external-postgres-values.yaml"))
    assert not [d for d in docs if d["kind"] == "Secret"]  # nothing generated
    env = {e["name"]: e for e in container(docs, "operator")["env"]}
    for var, key in (("USER", "username"), ("PASSWORD", "password")):
        assert env[f"PULSE_OPERATOR_DATABASE_ADMIN_{var}"]["valueFrom"]["secretKeyRef"] == {
            "name": "pulse-postgres-admin",
            "key": key,
        }
    assert env["PULSE_OPERATOR_DATABASE_ADMIN_HOST"]["value"] == "db-rw.example.internal"
    assert env["PULSE_OPERATOR_DATABASE_ADMIN_PORT"]["value"] == "5432"
    backend = {e["name"]: e for e in container(docs, "backend")["env"]}
    assert backend["PULSE_BACKEND_DATABASE_URL"]["value"] == (
        "postgresql://pulse_backend:$(PULSE_BACKEND_DATABASE_PASSWORD)@db-rw.example.internal:5432/pulse"
    )
    assert (
        backend["PULSE_BACKEND_ENCRYPTION_KEYS"]["valueFrom"]["secretKeyRef"]["name"]
        == "pulse-encryption-keys"
    )
    assert (
        env["PULSE_OPERATOR_QDRANT_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "pulse-qdrant"
    )
    assert env["PULSE_OPERATOR_TENANT_DATABASE_HOST"]["value"] == "db-rw.example.internal:5432"


def adopt_crd(kubectl: Any, release: str, namespace: str) -> None:
    """Lets this release adopt a PulseTenant CRD another test applied."""
    if kubectl("get", "crd", "pulsetenants.pulse.dev", check=False).returncode == 0:
        kubectl(
            "label",
            "--overwrite",
            "crd",
            "pulsetenants.pulse.dev",
            "app.kubernetes.io/managed-by=Helm",
        )
        kubectl(
            "annotate",
            "--overwrite",
            "crd",
            "pulsetenants.pulse.dev",
            f"meta.helm.sh/release-name={release}",
            f"meta.helm.sh/release-namespace={namespace}",
        )


def test_install_upgrade_uninstall(
    helm: Any, kubectl: Any, kube_api: Any, namespace: str, cnpg_crd: None
) -> None:
    adopt_crd(kubectl, "pulse", namespace)
    helm("install", "pulse", str(CHART), "--namespace", namespace)
    apps = k8s.AppsV1Api(kube_api)
    dep = apps.read_namespaced_deployment("pulse-operator", namespace)
    assert dep.spec.template.spec.containers[0].image == "ghcr.io/pulse-dev/pulse-operator:0.1.0"
    redis_pw = (
        k8s.CoreV1Api(kube_api).read_namespaced_secret("pulse-redis", namespace).data["password"]
    )

    helm(
        "upgrade",
        "pulse",
        str(CHART),
        "--namespace",
        namespace,
        "--set",
        "operator.driftIntervalSeconds=120",
        "--set",
        "operator.reconcileConcurrency=2",
        "--set",
        "redis.maxmemory=512mb",
    )
    dep = apps.read_namespaced_deployment("pulse-operator", namespace)
    env = {e.name: e.value for e in dep.spec.template.spec.containers[0].env}
    assert env["PULSE_OPERATOR_DRIFT_INTERVAL_SECONDS"] == "120"
    assert env["PULSE_OPERATOR_RECONCILE_CONCURRENCY"] == "2"
    assert env["PULSE_OPERATOR_DRIFT_CONCURRENCY"] == "4"
    cm = k8s.CoreV1Api(kube_api).read_namespaced_config_map("pulse-redis", namespace)
    assert "maxmemory 512mb" in cm.data["redis.conf"]
    # Generated credentials survive an upgrade.
    assert (
        k8s.CoreV1Api(kube_api).read_namespaced_secret("pulse-redis", namespace).data["password"]
        == redis_pw
    )
    status = json.loads(helm("status", "pulse", "--namespace", namespace, "-o", "json").stdout)
    assert status["version"] == 2

    helm("uninstall", "pulse", "--namespace", namespace)
    assert (
        kubectl("get", "deployment", "pulse-operator", "-n", namespace, check=False).returncode != 0
    )
    assert kubectl("get", "crd", "pulsetenants.pulse.dev").returncode == 0  # kept


def test_install_warns_of_existing_secrets_that_are_missing(
    helm: Any, kubectl: Any, namespace: str, cnpg_crd: None
) -> None:
    # A wrong existingSecret renders fine and its pods then wait in
    # CreateContainerConfigError: the install's notes say which Secret is missing.
    kubectl("create", "secret", "generic", "db-pw", "-n", namespace, "--from-literal=password=x")
    args = ("install", "pulse", str(CHART), "--namespace", namespace, "--set", "crds.create=false")
    named = (
        "--set",
        "redis.auth.existingSecret=nope",
        "--set",
        "backend.database.existingSecret=db-pw",
    )
    notes = helm(*args, *named, "--dry-run=server").stdout.split("NOTES:", 1)[1]
    assert "WARNING: these Secrets are named by the values but are not in namespace" in notes
    assert "  - nope (redis.auth.existingSecret)" in notes
    assert "db-pw" not in notes  # it exists
    # Nothing to say when every named Secret exists, nor without a cluster to ask.
    assert "WARNING: these Secrets" not in helm(*args, "--dry-run=server").stdout
    assert "WARNING: these Secrets" not in helm(*args, *named, "--dry-run=client").stdout
