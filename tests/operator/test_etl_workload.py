"""The ETL's time zone and the integration Secrets named in spec.integrations: mounted into the ETL
Deployment at /var/run/pulse/integrations/<name>/ (optional volumes, so a
missing one never blocks the pod), and an IntegrationsReady condition that
names what is missing without taking the tenant out of Ready."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from kubernetes import client as k8s

from pulse_common.errors import InvalidInput
from pulse_operator.reconcile import workload
from pulse_operator.reconcile.status import (
    INTEGRATIONS,
    PARTS,
    Check,
    merge_conditions,
    phase_of,
)
from pulse_operator.spec import parse_tenant
from tests.operator.conftest import Platform, Tenants, wait_for
from tests.operator.test_units import SPEC, cfg

LONG = "j" + "x" * 62  # the longest integration name


def _integrations(secret: str = "acme-jira") -> list[dict[str, Any]]:
    return [
        {
            "name": "jira-main",
            "type": "jira",
            "baseUrl": "https://acme.atlassian.net",
            "projects": ["PULSE"],
            "credentialsSecretRef": {"name": secret, "key": "token"},
        },
        {
            "name": LONG,
            "type": "github",
            "organization": "acme",
            "credentialsSecretRef": {"name": "acme-github", "key": "pat"},
        },
    ]


def test_deployment_mounts_each_integration_secret() -> None:
    tenant = parse_tenant("acme", "uid-1", 1, {**SPEC, "integrations": _integrations()})
    dep = workload.deployment(tenant, cfg(), "digest")
    pod = dep["spec"]["template"]["spec"]
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    secrets = {v["name"]: v["secret"] for v in pod["volumes"] if "secret" in v}
    assert {
        m["mountPath"]: secrets[n]["secretName"] for n, m in mounts.items() if n in secrets
    } == {
        "/var/run/pulse/integrations/jira-main": "acme-jira",
        f"/var/run/pulse/integrations/{LONG}": "acme-github",
    }
    assert all(s["optional"] for s in secrets.values())
    assert all(mounts[n]["readOnly"] for n in secrets)
    assert all(len(n) <= 63 for n in mounts)
    config = workload.config_map(tenant, 7, cfg())["data"]
    assert config["PULSE_ETL_CREDENTIALS_DIR"] == "/var/run/pulse/integrations"


def test_missing_secret_degrades_the_phase_but_not_ready() -> None:
    """The tenant still serves its users (Ready True), but the phase that
    ``kubectl get pt`` shows first says something is wrong."""
    ok = [Check(t, True, "Reconciled", "ok") for t in PARTS]
    missing = Check(
        INTEGRATIONS, False, "SecretMissing", "integration jira-main: Secret x not found"
    )
    conditions, transitions = merge_conditions([], [*ok, missing], 1)
    by_type = {c["type"]: c for c in conditions}
    assert by_type[INTEGRATIONS]["status"] == "False"
    assert by_type["Ready"]["status"] == "True"
    assert phase_of(conditions, suspended=False) == "Degraded"
    # Suspension is meant: the tenant is idle, not degraded.
    assert phase_of(conditions, suspended=True) == "Suspended"
    assert any(t.type == INTEGRATIONS for t in transitions)
    # Kept when a later reconcile did not check it.
    again, _ = merge_conditions(conditions, ok, 2)
    assert {c["type"]: c["status"] for c in again}[INTEGRATIONS] == "False"
    assert phase_of(again, suspended=False) == "Degraded"
    found = Check(INTEGRATIONS, True, "SecretsPresent", "1 integration Secret mounted")
    healed, _ = merge_conditions(again, [*ok, found], 2)
    assert phase_of(healed, suspended=False) == "Ready"


def _condition(tenants: Tenants, slug: str) -> dict[str, Any] | None:
    obj = tenants.get(slug) or {}
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == INTEGRATIONS:
            return dict(c)
    return None


def test_operator_reports_missing_secret_then_finds_it(
    tenants: Tenants, platform: Platform
) -> None:
    slug = tenants.apply(integrations=_integrations())
    tenants.wait_phase(slug, "Degraded", timeout=120)
    cond = wait_for("IntegrationsReady", lambda: _condition(tenants, slug), timeout=60)
    assert cond["status"] == "False" and cond["reason"] == "SecretMissing"
    ns = f"tenant-{slug}"
    assert f"integration jira-main: Secret acme-jira not found in namespace {ns}" in cond["message"]
    assert f"integration {LONG}: Secret acme-github not found" in cond["message"]
    # What `kubectl get pt` shows: Degraded, still Ready (users are served),
    # and the message naming the missing Secret.
    row = platform.kubectl("get", "pt", slug, "--no-headers").stdout.split()
    assert row[1:3] == ["Degraded", "True"]
    assert "integration jira-main: Secret acme-jira not found" in " ".join(row)
    core = k8s.CoreV1Api(platform.api)
    dep = k8s.AppsV1Api(platform.api).read_namespaced_deployment("pulse-etl", ns).to_dict()
    paths = [
        m["mount_path"] for m in dep["spec"]["template"]["spec"]["containers"][0]["volume_mounts"]
    ]
    assert "/var/run/pulse/integrations/jira-main" in paths
    # The admins create the Secrets (one with the wrong key); the next
    # reconcile of the workload sees them.
    for name, key in (("acme-jira", "token"), ("acme-github", "token")):
        body = {
            "metadata": {"name": name},
            "data": {key: base64.b64encode(b"s3cret-value").decode()},
        }
        core.create_namespaced_secret(ns, body)
    tenants.patch(slug, {"etl": {"replicas": 2}})

    def reported() -> dict[str, Any] | None:
        c = _condition(tenants, slug)
        return c if c and "acme-jira" not in c["message"] else None

    cond = wait_for("the jira Secret found", reported, timeout=60)
    assert cond["status"] == "False"
    assert cond["message"] == f"integration {LONG}: Secret acme-github has no key 'pat'"
    assert "s3cret" not in json.dumps(tenants.get(slug))
    row = platform.kubectl("get", "pt", slug, "--no-headers").stdout
    assert "Degraded" in row and "Secret acme-github has no key 'pat'" in row
    assert "s3cret" not in platform.kubectl("get", "events", "-A", "-o", "json").stdout
    core.patch_namespaced_secret(
        "acme-github", ns, {"data": {"pat": base64.b64encode(b"x").decode()}}
    )
    tenants.patch(slug, {"etl": {"replicas": 1}})
    cond = wait_for(
        "IntegrationsReady True",
        lambda: (c := _condition(tenants, slug)) and c["status"] == "True" and c,
        timeout=60,
    )
    assert cond["reason"] == "SecretsPresent"
    tenants.wait_phase(slug, "Ready")


def test_time_zone_reaches_the_etl_and_bad_ones_are_refused() -> None:
    tenant = parse_tenant("acme", "uid-1", 1, {**SPEC, "etl": {"timeZone": "Europe/Berlin"}})
    assert workload.config_map(tenant, 7, cfg())["data"]["PULSE_ETL_TIMEZONE"] == "Europe/Berlin"
    default = parse_tenant("acme", "uid-1", 1, SPEC)
    assert workload.config_map(default, 7, cfg())["data"]["PULSE_ETL_TIMEZONE"] == "UTC"
    with pytest.raises(InvalidInput, match="unknown IANA time zone"):
        parse_tenant("acme", "uid-1", 1, {**SPEC, "etl": {"timeZone": "Mars/Olympus"}})
