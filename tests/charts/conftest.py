"""Chart test helpers: rendering with the real helm, and stand-in CRDs."""

from __future__ import annotations

import copy
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


# Rendered documents per (release, namespace, arguments). Why: the same
# values were rendered again and again (default values ~10 times a file), each
# a helm process and a parse; the chart and its values files do not change
# during a run. Callers get a copy, which they may change.
_RENDERED: dict[tuple[str, ...], list[dict[str, Any]]] = {}


def render(
    helm: Any, *args: str, release: str = "pulse", namespace: str = "pulse-system"
) -> list[dict[str, Any]]:
    key = (release, namespace, *args)
    if key not in _RENDERED:
        out = helm("template", release, str(CHART), "--namespace", namespace, *args).stdout
        # libyaml's parser (same constructors as safe_load): ~10x faster.
        _RENDERED[key] = [d for d in yaml.load_all(out, Loader=yaml.CSafeLoader) if d]
    return copy.deepcopy(_RENDERED[key])


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
