"""Chart test helpers: rendering with the real helm, and stand-in CRDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "pulse"
# Test-only stand-ins for the CRDs of CloudNativePG and the Prometheus Operator.
STAND_IN_CRDS = {
    "clusters.postgresql.cnpg.io": Path(__file__).with_name("cnpg-cluster-crd.yaml"),
    "servicemonitors.monitoring.coreos.com": Path(__file__).with_name("servicemonitor-crd.yaml"),
}


def render(
    helm: Any, *args: str, release: str = "pulse", namespace: str = "pulse-system"
) -> list[dict[str, Any]]:
    out = helm("template", release, str(CHART), "--namespace", namespace, *args).stdout
    return [d for d in yaml.safe_load_all(out) if d]


@pytest.fixture(scope="module")
def cnpg_crd(kubectl: Any) -> None:
    for name, path in STAND_IN_CRDS.items():
        kubectl("apply", "-f", str(path))
        kubectl("wait", "--for=condition=Established", f"crd/{name}")


def container(docs: list[dict[str, Any]], component: str) -> dict[str, Any]:
    """The first container of the Deployment of a component."""
    dep = next(
        d
        for d in docs
        if d["kind"] == "Deployment"
        and d["metadata"]["labels"]["app.kubernetes.io/component"] == component
    )
    return dep["spec"]["template"]["spec"]["containers"][0]  # type: ignore[no-any-return]
