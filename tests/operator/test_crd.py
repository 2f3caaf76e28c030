"""What the API server itself rejects, with the field named, and what the CRD
shows (defaults, printer columns, short name)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.operator.conftest import Platform, manifest

pytestmark = pytest.mark.kube

JIRA = {"name": "j", "type": "jira", "credentialsSecretRef": {"name": "s", "key": "k"}}
GH = {
    "name": "g",
    "type": "github",
    "organization": "o",
    "credentialsSecretRef": {"name": "s", "key": "k"},
}


def body(name: str = "bad-one", **spec: Any) -> dict[str, Any]:
    return manifest(name, **spec)


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("short name", body("ab"), "metadata.name: Invalid value"),
    ("long name", body("a" * 31), "must be 3-30 characters"),
    ("name with dots", body("acme.corp"), "lowercase DNS label"),
    (
        "no displayName",
        {**body(), "spec": {"admin": {"email": "a@b.example"}}},
        "spec.displayName: Required value",
    ),
    ("no admin", {**body(), "spec": {"displayName": "x"}}, "spec.admin: Required value"),
    ("bad email", body(admin={"email": "nope"}), "spec.admin.email"),
    ("unknown tier", body(tier="gold"), 'spec.tier: Unsupported value: "gold"'),
    (
        "unknown deletionPolicy",
        body(deletionPolicy="Keep"),
        "spec.deletionPolicy: Unsupported value",
    ),
    ("colour not #RRGGBB", body(branding={"primaryColor": "red"}), "spec.branding.primaryColor"),
    ("too many replicas", body(etl={"replicas": 6}), "spec.etl.replicas"),
    ("negative replicas", body(etl={"replicas": -1}), "spec.etl.replicas"),
    ("bad cron", body(etl={"schedule": "every hour"}), "etl.schedule must be a 5-field cron"),
    ("vector size too small", body(vectorStore={"vectorSize": 4}), "spec.vectorStore.vectorSize"),
    ("unknown distance", body(vectorStore={"distance": "Manhattan"}), "spec.vectorStore.distance"),
    ("unknown seed profile", body(seed={"profile": "huge"}), "spec.seed.profile"),
    (
        "jira without projects",
        body(integrations=[{**JIRA, "baseUrl": "https://x.example"}]),
        "a jira integration needs baseUrl and at least one project",
    ),
    (
        "jira without baseUrl",
        body(integrations=[{**JIRA, "projects": ["OPS"]}]),
        "a jira integration needs baseUrl",
    ),
    (
        "github without org or repos",
        body(integrations=[{**GH, "organization": None}]),
        "a github integration needs organization or repositories",
    ),
    (
        "duplicate integration names",
        body(integrations=[GH, GH]),
        "spec.integrations[1]: Duplicate value",
    ),
    (
        "unknown integration type",
        body(integrations=[{**GH, "type": "gitlab"}]),
        "spec.integrations[0].type: Unsupported value",
    ),
    (
        "too many integrations",
        body(integrations=[{**GH, "name": f"g{i}"} for i in range(21)]),
        "spec.integrations: Too many",
    ),
]


@pytest.mark.parametrize(("case", "obj", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_manifest_is_rejected_naming_the_field(
    platform: Platform, case: str, obj: dict[str, Any], message: str
) -> None:
    # kubectl drops explicit nulls; send the object as the API server gets it.
    for item in obj["spec"].get("integrations", []):
        for k in [k for k, v in item.items() if v is None]:
            del item[k]
    out = platform.kubectl(
        "create", "--dry-run=server", "-f", "-", input=json.dumps(obj), check=False
    )
    assert out.returncode != 0, f"{case}: accepted"
    assert message in out.stderr, out.stderr


def test_vector_store_is_immutable(platform: Platform) -> None:
    name = "crd-immutable"
    platform.kubectl("apply", "-f", "-", input=json.dumps(body(name)))
    try:
        out = platform.kubectl(
            "patch",
            "pt",
            name,
            "--type=merge",
            "-p",
            json.dumps({"spec": {"vectorStore": {"vectorSize": 768}}}),
            check=False,
        )
        assert out.returncode != 0
        assert "vectorStore is immutable once set" in out.stderr
    finally:
        platform.kubectl(
            "patch",
            "pt",
            name,
            "--type=json",
            "-p",
            '[{"op":"remove","path":"/metadata/finalizers"}]',
            check=False,
        )
        platform.kubectl("delete", "pt", name, "--wait=false", check=False)


def test_defaults_and_short_name(platform: Platform) -> None:
    out = platform.kubectl(
        "create",
        "--dry-run=server",
        "-o",
        "json",
        "-f",
        "-",
        input=json.dumps(body("crd-defaults")),
    )
    spec = json.loads(out.stdout)["spec"]
    assert spec["tier"] == "standard" and spec["deletionPolicy"] == "Retain"
    assert spec["suspended"] is False and spec["seed"] == {"profile": "minimal"}
    assert spec["etl"] == {"replicas": 1, "schedule": "0 */2 * * *", "timeZone": "UTC"}
    assert spec["vectorStore"] == {"vectorSize": 384, "distance": "Cosine"}
    assert spec["branding"] == {"primaryColor": "#1F6FEB", "secondaryColor": "#0B1F3A"}
    resources = platform.kubectl(
        "api-resources", "--api-group=pulse.dev", "--no-headers"
    ).stdout.split()
    assert resources[:2] == ["pulsetenants", "pt"]
