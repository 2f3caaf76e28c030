"""hack/kind.sh cannot run here (no Docker): its argument handling and the
exact commands of its dry run are tested instead."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "hack" / "kind.sh"


def run(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=30,
    )


def test_up_dry_run_prints_the_whole_sequence() -> None:
    out = run("up", "--dry-run")
    assert out.returncode == 0, out.stderr
    lines = [line.removeprefix("+ ") for line in out.stdout.splitlines()]
    assert lines[0] == "kind create cluster --config kind-config.yaml --name pulse"
    assert lines[1] == "docker build -f operator/Dockerfile -t pulse-operator:dev ."
    assert "docker build -t pulse-frontend:dev services/frontend" in lines
    assert (
        "kind load docker-image pulse-operator:dev pulse-etl:dev pulse-backend:dev"
        " pulse-frontend:dev --name pulse" in lines
    )
    helm = next(line for line in lines if line.startswith("helm upgrade --install pulse "))
    # Every image the release runs is the one just loaded, none the chart's
    # ghcr.io placeholders that nobody built.
    for part in ("operator", "backend", "frontend"):
        assert f"--set {part}.image.repository=pulse-{part}" in helm
        assert f"--set {part}.image.tag=dev" in helm
    assert "--set etl.image=pulse-etl:dev" in helm
    cnpg = next(i for i, line in enumerate(lines) if "cnpg/cloudnative-pg" in line)
    pulse = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("helm upgrade --install pulse charts/pulse")
    )
    assert cnpg < pulse  # the CloudNativePG operator before the chart that needs it
    assert lines[-3:] == [
        "kubectl apply -f examples/tenants/",
        "kubectl wait --for=condition=Ready pt --all --timeout=10m",
        "kubectl get pt",
    ]


def test_down_dry_run() -> None:
    assert run("down", "--dry-run").stdout == "+ kind delete cluster --name pulse\n"


def test_bad_arguments_are_named() -> None:
    assert "unknown command 'sideways'" in run("sideways").stderr
    assert "unknown argument '--fast'" in run("up", "--fast").stderr
    assert run().returncode == 2


def test_missing_tools_are_named() -> None:
    out = run("up", path="/usr/bin/nonexistent:/bin")
    assert out.returncode == 2
    assert "missing tools:" in out.stderr and "kind" in out.stderr
