"""The two NetworkPolicies of a tenant (pure functions over the settings).

Peers are always selected by pod labels *and* by the namespace's
``kubernetes.io/metadata.name`` label, which the API server sets from the
name and nobody can change: a label anyone can put on a namespace admits
nobody.

- In the tenant namespace: the ETL pods accept only the platform backend's
  pods (and, when configured, the Prometheus that scrapes ``/metrics``),
  only on the ETL port, and reach only the platform's data services and
  backend, DNS, and the outside world per pulse_operator.network.
- In the platform namespace: the data services and the backend accept this
  tenant's ETL pods (one policy per tenant, because NetworkPolicy cannot
  select "namespaces named tenant-*" by an immutable label).
"""

from __future__ import annotations

from typing import Any

from pulse_operator.config import OperatorConfig
from pulse_operator.network import split_families
from pulse_operator.spec import EgressSpec

NAME_LABEL = "kubernetes.io/metadata.name"
COMPONENT = "app.kubernetes.io/component"
DATA_COMPONENTS = ["postgres", "redis", "qdrant"]


def _in_namespace(namespace: str, pods: dict[str, Any]) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAME_LABEL: namespace}}, "podSelector": pods}


def _platform_pods(cfg: OperatorConfig, components: list[str]) -> dict[str, Any]:
    return {
        "matchLabels": dict(cfg.platform_pod_labels),
        "matchExpressions": [{"key": COMPONENT, "operator": "In", "values": components}],
    }


def _tcp(ports: list[int]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def _data_ports(cfg: OperatorConfig) -> list[int]:
    return [cfg.database_port, cfg.redis_port, *cfg.qdrant_ports]


def _everything_but(cidr: str, excluded: list[str]) -> dict[str, Any]:
    block: dict[str, Any] = {"cidr": cidr}
    if excluded:
        block["except"] = excluded
    return {"ipBlock": block}


def _internet(cfg: OperatorConfig, egress: EgressSpec) -> list[dict[str, Any]]:
    v4_except, v6_except = split_families(cfg.etl_egress_except_cidrs)
    rules: list[dict[str, Any]] = [
        {
            "to": [_everything_but("0.0.0.0/0", v4_except), _everything_but("::/0", v6_except)],
            "ports": _tcp(cfg.etl_egress_ports),
        }
    ]
    allowed = sorted({*cfg.etl_egress_allow_cidrs, *egress.allow_cidrs})
    if allowed:
        rules.append(
            {
                "to": [{"ipBlock": {"cidr": c}} for c in allowed],
                "ports": _tcp(sorted({*cfg.etl_egress_ports, *egress.ports})),
            }
        )
    return rules


def _etl_clients(cfg: OperatorConfig) -> list[dict[str, Any]]:
    """Who may call the ETL port: the backend, and the metrics scraper if any."""
    peers = [_in_namespace(cfg.platform_namespace, _platform_pods(cfg, ["backend"]))]
    if cfg.etl_metrics_scraper_namespace:
        scraper = {"matchLabels": dict(cfg.etl_metrics_scraper_pod_labels)}
        peers.append(_in_namespace(cfg.etl_metrics_scraper_namespace, scraper))
    return peers


def tenant_etl(cfg: OperatorConfig, *, meta: dict[str, Any], egress: EgressSpec) -> dict[str, Any]:
    """The policy of the tenant namespace (every pod in it)."""
    ns = cfg.platform_namespace
    backend = _platform_pods(cfg, ["backend"])
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": _etl_clients(cfg),
                    "ports": [{"protocol": "TCP", "port": cfg.etl_port}],
                }
            ],
            "egress": [
                {
                    "to": [_in_namespace(ns, _platform_pods(cfg, DATA_COMPONENTS))],
                    "ports": _tcp(_data_ports(cfg)),
                },
                {"to": [_in_namespace(ns, backend)], "ports": _tcp([cfg.backend_port])},
                {
                    "to": [_in_namespace("kube-system", {"matchLabels": {"k8s-app": "kube-dns"}})],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                },
                *_internet(cfg, egress),
            ],
        },
    }


def platform_side(
    cfg: OperatorConfig, *, meta: dict[str, Any], etl_namespace: str, etl_pods: dict[str, str]
) -> dict[str, Any]:
    """The policy in the platform namespace admitting this tenant's ETL pods."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": {
            "podSelector": _platform_pods(cfg, [*DATA_COMPONENTS, "backend"]),
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [_in_namespace(etl_namespace, {"matchLabels": dict(etl_pods)})],
                    "ports": _tcp([*_data_ports(cfg), cfg.backend_port]),
                }
            ],
        },
    }
