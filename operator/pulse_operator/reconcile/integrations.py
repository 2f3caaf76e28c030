"""The Secrets named by ``spec.integrations``: mounted into the tenant's ETL
at ``/var/run/pulse/integrations/<name>/`` (one file per key), and checked
so that a missing Secret or key is an ``IntegrationsReady`` condition that
names it, never a pod stuck or crash-looping.

The volumes are ``optional``: a missing Secret leaves an empty folder and
the ETL fails that integration's job with a clear reason while serving the
others. The kubelet refreshes mounted Secrets in place, and the ETL reads
the files at each run, so rotating a token needs no rollout. Secret values
are never read into a message."""

from __future__ import annotations

from typing import Any

from pulse_common.tenancy import TenantNames
from pulse_operator.clients import Clients
from pulse_operator.reconcile import kube
from pulse_operator.reconcile.status import INTEGRATIONS, Check
from pulse_operator.spec import Tenant

ROOT = "/var/run/pulse/integrations"


def volumes(tenant: Tenant) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(pod volumes, container mounts), one pair per integration."""
    vols, mounts = [], []
    for i, integration in enumerate(tenant.spec.integrations):
        # By index: "integration-" + a 63-character name would exceed a volume name's limit.
        name = f"integration-{i}"
        vols.append(
            {
                "name": name,
                "secret": {
                    "secretName": integration.credentials_secret_ref.name,
                    "optional": True,
                    "defaultMode": 0o440,
                },
            }
        )
        mounts.append({"name": name, "mountPath": f"{ROOT}/{integration.name}", "readOnly": True})
    return vols, mounts


def check(clients: Clients, tenant: Tenant) -> Check:
    """One GET per integration: the tenant's own Secrets carry no label of
    ours, so the watch cache does not hold them."""
    ns = TenantNames(tenant.slug).namespace
    problems: list[str] = []
    for integration in tenant.spec.integrations:
        ref = integration.credentials_secret_ref
        secret = kube.get(clients.kube, "Secret", ref.name, ns)
        where = f"integration {integration.name}: Secret {ref.name}"
        if secret is None:
            problems.append(f"{where} not found in namespace {ns}")
        elif ref.key not in (secret.get("data") or {}):
            problems.append(f"{where} has no key {ref.key!r}")
    if problems:
        return Check(INTEGRATIONS, False, "SecretMissing", "; ".join(problems))
    count = len(tenant.spec.integrations)
    return Check(INTEGRATIONS, True, "SecretsPresent", f"{count} integration Secret(s) mounted")
