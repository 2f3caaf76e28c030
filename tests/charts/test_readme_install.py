"""README's "Install on Kubernetes" and the chart's NOTES, as an operator
copies them: every Pulse image the installed release runs is one the README's
commands build and push, the names its commands wait on are the release's,
and the PulseTenant the install's notes show is accepted by the CRD."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from tests.charts.conftest import CHART, REPO, render
from tests.docs.text import bash_block

pytestmark = pytest.mark.kube

REGISTRY = "registry.example/pulse"


def _install_commands() -> list[str]:
    """The commands of the section's first bash block, continuations joined,
    ``<registry>`` filled in."""
    block = "\n".join(bash_block("## Install on Kubernetes"))
    block = block.replace("\\\n", " ").replace("<registry>", REGISTRY)
    return [" ".join(line.split()) for line in block.splitlines() if line.strip()]


def _pod_specs(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = doc.get("spec", {})
    if doc["kind"] == "Pod":
        yield spec
    elif "template" in spec:
        yield spec["template"]["spec"]


def _images(docs: list[dict[str, Any]]) -> set[str]:
    """Every container image of the release, and the ETL image the operator
    gives each tenant's Deployment."""
    found = set()
    for doc in docs:
        for pod in _pod_specs(doc):
            for c in pod.get("initContainers", []) + pod.get("containers", []):
                found.add(c["image"])
                found |= {
                    e["value"] for e in c.get("env", []) if e["name"] == "PULSE_OPERATOR_ETL_IMAGE"
                }
    return found


def test_the_readme_builds_and_pushes_every_pulse_image_the_release_runs(helm: Any) -> None:
    commands = _install_commands()
    built = {}
    pushed = set()
    for command in commands:
        for part in command.split(" && "):
            words = part.split()
            if words[:2] == ["docker", "build"]:
                tag = words[words.index("-t") + 1]
                dockerfile = (
                    words[words.index("-f") + 1] if "-f" in words else f"{words[-1]}/Dockerfile"
                )
                built[tag] = dockerfile
            elif words[:2] == ["docker", "push"]:
                pushed.add(words[2])
    assert built, commands
    assert all((REPO / f).is_file() for f in built.values()), built
    assert set(built) == pushed

    install = next(c for c in commands if c.startswith("helm upgrade --install pulse"))
    sets = [arg for s in re.findall(r"--set (\S+)", install) for arg in ("--set", s)]
    images = _images(render(helm, *sets))
    # The chart's own defaults (ghcr.io/pulse-dev/...) are placeholders: a
    # Pulse image must come from the registry the README pushes to.
    pulse = {i for i in images if re.search(r"/pulse-[a-z]+:", i)}
    assert pulse, images
    assert pulse <= set(built), f"run but not built: {sorted(pulse - set(built))}"


def test_the_names_the_readme_waits_on_are_the_releases(helm: Any) -> None:
    commands = _install_commands()
    install = next(c for c in commands if c.startswith("helm upgrade --install pulse"))
    namespace = re.search(r"-n (\S+)", install)
    assert namespace is not None
    docs = render(helm, namespace=namespace[1])
    cluster = next(d for d in docs if d["kind"] == "Cluster")
    wait = next(c for c in commands if "cluster/" in c)
    assert f"-n {namespace[1]} " in wait
    assert f"cluster/{cluster['metadata']['name']} " in wait


def test_the_tenant_in_the_install_notes_is_accepted_by_the_crd(kubectl: Any) -> None:
    notes = (CHART / "templates" / "NOTES.txt").read_text()
    manifest = textwrap.dedent(notes.split("<<'YAML'\n", 1)[1].split("   YAML\n", 1)[0])
    assert "kind: PulseTenant" in manifest
    kubectl("apply", "-f", str(REPO / "crds" / "pulsetenants.yaml"))
    kubectl("wait", "--for=condition=Established", "crd/pulsetenants.pulse.dev")
    out = kubectl("apply", "--dry-run=server", "-f", "-", input=manifest, check=False)
    assert out.returncode == 0, out.stderr
    assert "pulsetenant.pulse.dev/acme created (server dry run)" in out.stdout
