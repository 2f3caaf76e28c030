"""Tenant NetworkPolicies: who may reach a tenant's ETL and where it may go,
as rendered, as the real API server accepts them, and what the CRD refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client as k8s

from pulse_operator.network import DEFAULT_EXCEPT_CIDRS
from pulse_operator.reconcile import workload
from pulse_operator.spec import parse_tenant
from tests.operator.conftest import Platform, Tenants, manifest, wait_for
from tests.operator.test_units import cfg

NAME_LABEL = "kubernetes.io/metadata.name"
SPEC = {"displayName": "ACME", "admin": {"email": "a@acme.example"}}
BACKEND_PODS = {
    "matchLabels": {"app.kubernetes.io/name": "pulse", "app.kubernetes.io/instance": "pulse"},
    "matchExpressions": [
        {"key": "app.kubernetes.io/component", "operator": "In", "values": ["backend"]}
    ],
}


def policies(spec: dict[str, Any] | None = None, **kw: Any) -> tuple[dict[str, Any], ...]:
    tenant = parse_tenant("acme", "uid-1", 1, {**SPEC, **(spec or {})})
    etl, platform_side = workload.network_policies(tenant, cfg(**kw))
    return etl, platform_side


def peers(policy: dict[str, Any]) -> list[dict[str, Any]]:
    spec = policy["spec"]
    rules = [*(r.get("from", []) for r in spec.get("ingress", []))]
    rules += [r.get("to", []) for r in spec.get("egress", [])]
    return [p for rule in rules for p in rule if "ipBlock" not in p]


def test_etl_admits_only_the_backend_pods_on_the_etl_port() -> None:
    etl, _ = policies()
    assert etl["metadata"]["namespace"] == "tenant-acme"
    assert etl["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert etl["spec"]["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {NAME_LABEL: "pulse-system"}},
                    "podSelector": BACKEND_PODS,
                }
            ],
            "ports": [{"protocol": "TCP", "port": 8000}],
        }
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["tenant side", "platform side"])
def test_every_peer_is_pods_in_a_namespace_named_by_the_immutable_label(which: int) -> None:
    policy = policies()[which]
    found = peers(policy)
    assert found
    for peer in found:
        # A namespace alone, or a label anyone may set on a namespace, admits too much.
        assert peer["podSelector"], peer
        assert list(peer["namespaceSelector"]["matchLabels"]) == [NAME_LABEL], peer
        assert "matchExpressions" not in peer["namespaceSelector"]


def test_platform_side_admits_only_this_tenants_etl_pods() -> None:
    _, side = policies()
    assert side["metadata"]["namespace"] == "pulse-system"
    assert side["metadata"]["name"] == "pulse-etl-tenant-acme"
    assert side["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert side["spec"]["podSelector"]["matchExpressions"][0]["values"] == [
        "postgres",
        "redis",
        "qdrant",
        "backend",
    ]
    (rule,) = side["spec"]["ingress"]
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {NAME_LABEL: "tenant-acme"}},
            "podSelector": {"matchLabels": workload.selector("acme")},
        }
    ]
    assert sorted(p["port"] for p in rule["ports"]) == [3001, 5432, 6333, 6334, 6379]


def _internet_rules(etl: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in etl["spec"]["egress"] if any("ipBlock" in p for p in r["to"])]


def test_default_egress_is_https_to_the_internet_minus_unsafe_ranges() -> None:
    etl, _ = policies()
    (rule,) = _internet_rules(etl)
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]
    v4, v6 = (p["ipBlock"] for p in rule["to"])
    assert v4["cidr"] == "0.0.0.0/0" and v6["cidr"] == "::/0"
    for cidr in ("100.64.0.0/10", "169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12"):
        assert cidr in v4["except"]
    assert {"fc00::/7", "fe80::/10"} == set(v6["except"])
    assert sorted(v4["except"] + v6["except"]) == sorted(DEFAULT_EXCEPT_CIDRS)


def test_allow_list_per_tenant_and_per_platform() -> None:
    etl, _ = policies(
        {"etl": {"egress": {"allowCIDRs": ["10.20.0.0/16"], "ports": [8443]}}},
        etl_egress_allow_cidrs=["192.168.7.0/24"],
        etl_egress_except_cidrs=["169.254.0.0/16"],
    )
    public, allowed = _internet_rules(etl)
    assert public["to"][0]["ipBlock"] == {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}
    assert public["to"][1]["ipBlock"] == {"cidr": "::/0"}  # nothing excluded: no except
    assert [p["ipBlock"]["cidr"] for p in allowed["to"]] == ["10.20.0.0/16", "192.168.7.0/24"]
    assert [p["port"] for p in allowed["ports"]] == [443, 8443]


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("etl_egress_allow_cidrs", ["10.0.0.1/8"], "host bits set"),
        ("etl_egress_allow_cidrs", ["0.0.0.0/0"], "link-local"),
        ("etl_egress_allow_cidrs", ["169.254.169.254/32"], "link-local"),
        ("etl_egress_except_cidrs", ["nope"], "not a CIDR"),
        ("etl_egress_ports", [0], "greater than or equal to 1"),
    ],
)
def test_bad_platform_settings_are_refused(setting: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cfg(**{setting: value})


@pytest.mark.kube
def test_the_api_server_accepts_both_policies(platform: Platform, namespace: str) -> None:
    tenant = parse_tenant(
        "acme", "uid-1", 1, {**SPEC, "etl": {"egress": {"allowCIDRs": ["10.20.0.0/16"]}}}
    )
    objs = workload.network_policies(tenant, cfg(platform_namespace=namespace))
    for obj in objs:
        obj["metadata"]["namespace"] = namespace
        obj["metadata"].pop("ownerReferences")
        out = platform.kubectl(
            "apply", "--dry-run=server", "-o", "json", "-f", "-", input=json.dumps(obj)
        )
        assert json.loads(out.stdout)["spec"] == obj["spec"]


CRD_BAD = [
    ("not a CIDR", {"allowCIDRs": ["jira.internal"]}, "allowCIDRs[0]", "must be a CIDR"),
    ("host bits set", {"allowCIDRs": ["10.20.0.0/16", "10.0.0.1/8"]}, "allowCIDRs[1]", "CIDR"),
    ("metadata host", {"allowCIDRs": ["169.254.169.254/32"]}, "allowCIDRs[0]", "link-local"),
    ("everything", {"allowCIDRs": ["0.0.0.0/0"]}, "allowCIDRs[0]", "link-local"),
    ("IPv6 link-local", {"allowCIDRs": ["fe80::/64"]}, "allowCIDRs[0]", "link-local"),
    ("port 0", {"ports": [0]}, "spec.etl.egress.ports[0]", "greater than or equal to 1"),
    ("no ports", {"ports": []}, "spec.etl.egress.ports", "at least 1 items"),
]


@pytest.mark.kube
@pytest.mark.parametrize(
    ("case", "egress", "field", "message"), CRD_BAD, ids=[c[0] for c in CRD_BAD]
)
def test_crd_refuses_bad_egress_naming_the_field(
    platform: Platform, case: str, egress: dict[str, Any], field: str, message: str
) -> None:
    obj = manifest("egress-bad", etl={"egress": egress})
    out = platform.kubectl(
        "create", "--dry-run=server", "-f", "-", input=json.dumps(obj), check=False
    )
    assert out.returncode != 0, f"{case}: accepted"
    assert field in out.stderr and message in out.stderr, out.stderr


@pytest.mark.kube
def test_crd_accepts_good_egress_and_defaults_the_port(platform: Platform) -> None:
    cidrs = ["10.20.0.0/16", "192.168.1.10/32", "2001:db8::/32"]
    obj = manifest("egress-good", etl={"egress": {"allowCIDRs": cidrs}})
    out = platform.kubectl(
        "create", "--dry-run=server", "-o", "json", "-f", "-", input=json.dumps(obj)
    )
    egress = json.loads(out.stdout)["spec"]["etl"]["egress"]
    assert egress == {"allowCIDRs": cidrs, "ports": [443]}
    # The operator's own model agrees with the API server.
    assert (
        parse_tenant(
            "egress-good", "u", 1, json.loads(out.stdout)["spec"]
        ).spec.etl.egress.allow_cidrs
        == cidrs
    )


@pytest.mark.kube
@pytest.mark.postgres
@pytest.mark.redis
def test_operator_applies_both_policies_and_the_collector_removes_them(
    platform: Platform, tenants: Tenants
) -> None:
    net = k8s.NetworkingV1Api(platform.api)
    slug = tenants.apply(etl={"egress": {"allowCIDRs": ["10.20.0.0/16"], "ports": [8443]}})
    tenants.wait_phase(slug, "Ready", timeout=120)
    ns = f"tenant-{slug}"
    etl = net.read_namespaced_network_policy("pulse-etl", ns)
    assert etl.spec.ingress[0]._from[0].pod_selector.match_expressions[0].values == ["backend"]
    allowed = etl.spec.egress[-1]
    assert [p.ip_block.cidr for p in allowed.to] == ["10.20.0.0/16"]
    assert sorted(p.port for p in allowed.ports) == [443, 8443]
    side = net.read_namespaced_network_policy(f"pulse-etl-{ns}", "pulse-system")
    assert side.spec.ingress[0]._from[0].namespace_selector.match_labels == {NAME_LABEL: ns}

    # An update of the allow-list reaches the policy.
    tenants.patch(slug, {"etl": {"egress": {"allowCIDRs": ["10.30.0.0/16"]}}})
    wait_for(
        "the new allow-list",
        lambda: (
            [
                p.ip_block.cidr
                for p in net.read_namespaced_network_policy("pulse-etl", ns).spec.egress[-1].to
            ]
            == ["10.30.0.0/16"]
        ),
    )

    tenants.delete(slug)

    def gone() -> bool:
        try:
            net.read_namespaced_network_policy(f"pulse-etl-{ns}", "pulse-system")
        except k8s.ApiException as exc:
            return exc.status == 404
        return False

    wait_for("the platform-side policy to be collected", gone, timeout=120)


def test_the_metrics_scraper_is_admitted_on_the_etl_port_only_when_configured() -> None:
    """The ETL serves /metrics on its port (as the backend does); the chart's
    ETL ServiceMonitor names the Prometheus that scrapes it, by namespace
    and pod labels like every other peer."""
    etl, _ = policies()
    (rule,) = etl["spec"]["ingress"]
    assert len(rule["from"]) == 1  # the backend only
    etl, _ = policies(etl_metrics_scraper_namespace="monitoring")
    (rule,) = etl["spec"]["ingress"]
    assert rule["from"][1] == {
        "namespaceSelector": {"matchLabels": {NAME_LABEL: "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
