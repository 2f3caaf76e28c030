"""The built helm lints and renders a chart, and talks to the test apiserver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.kube

TINY = Path(__file__).resolve().parents[1] / "charts" / "tiny"


def test_lint_and_template(helm) -> None:  # type: ignore[no-untyped-def]
    lint = helm("lint", "--strict", str(TINY))
    assert "1 chart(s) linted, 0 chart(s) failed" in lint.stdout
    out = helm("template", "demo", str(TINY), "--set", "greeting=hi").stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert [d["kind"] for d in docs] == ["ConfigMap"]
    assert docs[0]["data"] == {"greeting": "hi"}
    assert docs[0]["metadata"]["labels"]["app.kubernetes.io/instance"] == "demo"


def test_lint_fails_on_bad_values(helm) -> None:  # type: ignore[no-untyped-def]
    bad = helm("lint", "--strict", str(TINY), "--set", "greeting=", check=False)
    assert bad.returncode != 0
    assert "greeting" in bad.stdout + bad.stderr


def test_helm_sees_the_server_version(helm, world) -> None:  # type: ignore[no-untyped-def]
    out = helm("version", "--template", "{{ .Version }}").stdout
    assert out.startswith("v3.")
    # `helm install --dry-run=server` needs a live apiserver and reports its capabilities.
    rendered = helm(
        "install", "probe", str(TINY), "--dry-run=server", "--namespace", "default", "-o", "json"
    ).stdout
    assert json.loads(rendered)["name"] == "probe"


def test_install_and_uninstall(helm, kube_api, namespace) -> None:  # type: ignore[no-untyped-def]
    from kubernetes import client as k8s

    helm("install", "tiny", str(TINY), "--namespace", namespace, "--set", "greeting=hello")
    cm = k8s.CoreV1Api(kube_api).read_namespaced_config_map("tiny-tiny", namespace)
    assert cm.data == {"greeting": "hello"}
    helm("uninstall", "tiny", "--namespace", namespace)
    names = [
        c.metadata.name for c in k8s.CoreV1Api(kube_api).list_namespaced_config_map(namespace).items
    ]
    assert "tiny-tiny" not in names
