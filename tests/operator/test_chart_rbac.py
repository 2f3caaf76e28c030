"""The chart's operator RBAC is enough and no more: the real operator, run
with a token of the chart's ServiceAccount, provisions and deletes a tenant;
actions outside its role are refused by the API server."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pulse_testworld.platform import OPERATOR_ARGV
from tests.charts.test_pulse_chart import CHART, adopt_crd
from tests.operator.conftest import Platform, Tenants, wait_for

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def chart_token_kubeconfig(platform: Platform, tmp_path: Path) -> Iterator[Path]:
    ns = f"pulse-{uuid.uuid4().hex[:6]}"
    helm = [str(platform.world.helm), "--kubeconfig", str(platform.world.kube.kubeconfig)]
    adopt_crd(lambda *a, check=True: platform.kubectl(*a, check=check), "pulse", ns)
    subprocess.run(
        [
            *helm,
            "install",
            "pulse",
            str(CHART),
            "--namespace",
            ns,
            "--create-namespace",
            "--set",
            "postgres.enabled=false",
            "--set",
            "qdrant.enabled=false",
            "--set",
            "redis.enabled=false",
            "--set",
            "postgres.externalHosts.readWrite=db:5432",
            "--set",
            "postgres.externalHosts.readOnly=db:5432",
        ],
        check=True,
        capture_output=True,
    )
    token = platform.kubectl(
        "create", "token", "pulse-operator", "-n", ns, "--duration=1h"
    ).stdout.strip()
    admin = yaml.safe_load(Path(platform.world.kube.kubeconfig).read_text())
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "sa",
        "clusters": admin["clusters"],
        "users": [{"name": "operator", "user": {"token": token}}],
        "contexts": [
            {"name": "sa", "context": {"cluster": admin["clusters"][0]["name"], "user": "operator"}}
        ],
    }
    path = tmp_path / "operator.kubeconfig"
    path.write_text(json.dumps(config))
    yield path
    subprocess.run(
        [*helm, "uninstall", "pulse", "--namespace", ns], check=False, capture_output=True
    )
    platform.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def as_operator(
    platform: Platform, kubeconfig: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(platform.world.kubectl), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_operator_works_with_its_chart_role_and_nothing_more(
    platform: Platform, chart_token_kubeconfig: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **platform.env,
        "KUBECONFIG": str(chart_token_kubeconfig),
    }
    log = tmp_path / "operator.log"
    proc = subprocess.Popen(
        OPERATOR_ARGV,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    tenants = Tenants(platform)
    try:
        slug = tenants.apply(deletionPolicy="Delete")
        tenants.wait_phase(slug, "Ready", timeout=90)
        assert (
            platform.kubectl("get", "deployment", "pulse-etl", "-n", f"tenant-{slug}").returncode
            == 0
        )
        tenants.delete(slug)
        wait_for(
            "the tenant namespace to go",
            lambda: platform.kubectl("get", "ns", f"tenant-{slug}", check=False).returncode != 0,
            timeout=90,
        )
    finally:
        proc.terminate()
        proc.wait(30)
    logged = log.read_text(errors="replace")
    assert "Forbidden" not in logged and " 403" not in logged, logged[-3000:]

    refused = {
        "delete crd": as_operator(
            platform, chart_token_kubeconfig, "delete", "crd", "pulsetenants.pulse.dev"
        ),
        "create clusterrolebinding": as_operator(
            platform,
            chart_token_kubeconfig,
            "create",
            "clusterrolebinding",
            "escalate",
            "--clusterrole=cluster-admin",
            "--serviceaccount=default:default",
        ),
        "delete namespace": as_operator(
            platform, chart_token_kubeconfig, "delete", "namespace", "default"
        ),
        "list pods": as_operator(platform, chart_token_kubeconfig, "get", "pods", "-A"),
    }
    for what, out in refused.items():
        assert out.returncode != 0, what
        assert "Forbidden" in out.stderr or "forbidden" in out.stderr, (what, out.stderr)
