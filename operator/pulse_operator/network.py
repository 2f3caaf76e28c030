"""Network settings of tenant workloads: which platform pods they talk to,
and where their ETL may connect outside the cluster (its Jira and GitHub).

Egress: two NetworkPolicy egress rules, on the configured ports (HTTPS by default):

- the public internet: every address except the platform's exclusion list.
  The default excludes the private ranges (pod and service addresses, the
  API server, other tenants), carrier-grade NAT (100.64.0.0/10, used for pod
  networks by some providers) and link-local (169.254.0.0/16: cloud metadata
  endpoints that hand out node credentials), for IPv4 and IPv6 alike;
- an allow-list, platform-wide (chart values) and per tenant
  (``spec.etl.egress.allowCIDRs``): self-hosted Jira or GitHub Enterprise on a
  private address is reached by listing it, instead of opening every private
  range to every tenant. Link-local ranges are refused even there.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

DEFAULT_EXCEPT_CIDRS = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
]
LINK_LOCAL = [ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10")]
MAX_CIDRS = 20
Port = Annotated[int, Field(ge=1, le=65535)]


def check_cidr(value: str, *, allow: bool) -> str:
    """A CIDR in canonical form (host bits zero). ``allow``: also refuse
    anything overlapping link-local (the metadata endpoints)."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR in canonical form: {exc}") from None
    if allow and any(net.version == ll.version and net.overlaps(ll) for ll in LINK_LOCAL):
        raise ValueError(f"{value!r} overlaps a link-local range (cloud metadata endpoints)")
    return str(net)


def split_families(cidrs: list[str]) -> tuple[list[str], list[str]]:
    v4 = [c for c in cidrs if ipaddress.ip_network(c).version == 4]
    return v4, [c for c in cidrs if c not in v4]


class NetworkSettings(BaseSettings):
    """Mixed into ``OperatorConfig``; the chart sets them (``etl.egress``, and
    the labels of its own pods)."""

    # The labels every pod of the platform release carries (the chart's
    # selector labels without the component): policies select pods by them
    # plus app.kubernetes.io/component, never whole namespaces.
    platform_pod_labels: dict[str, str] = {
        "app.kubernetes.io/name": "pulse",
        "app.kubernetes.io/instance": "pulse",
    }

    # The Prometheus that scrapes each ETL's /metrics (the chart's
    # serviceMonitor.scraper, set when its ETL ServiceMonitor is on): its
    # namespace and pod labels, admitted on the ETL port. Empty: nobody.
    etl_metrics_scraper_namespace: str = ""
    etl_metrics_scraper_pod_labels: dict[str, str] = {"app.kubernetes.io/name": "prometheus"}

    etl_egress_except_cidrs: list[str] = Field(default=DEFAULT_EXCEPT_CIDRS)
    etl_egress_allow_cidrs: list[str] = Field(default=[], max_length=MAX_CIDRS)
    etl_egress_ports: list[Port] = Field(default=[443], min_length=1, max_length=10)

    @field_validator("etl_egress_except_cidrs")
    @classmethod
    def _except(cls, v: list[str]) -> list[str]:
        return [check_cidr(c, allow=False) for c in v]

    @field_validator("etl_egress_allow_cidrs")
    @classmethod
    def _allow(cls, v: list[str]) -> list[str]:
        return [check_cidr(c, allow=True) for c in v]
