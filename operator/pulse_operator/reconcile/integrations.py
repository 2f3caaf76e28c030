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

import time
from typing import Any

from pulse_common.tenancy import TenantNames
from pulse_common.wording import count_of
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


def check(clients: Clients, tenant: Tenant, *, drift: bool = False, recheck: float = 0) -> Check:
    """One GET per integration: the tenant's own Secrets carry no label of
    ours, so the watch cache does not hold them (watching every Secret of
    the cluster would stream every value to the operator to learn key names).

    Instead, a drift pass trusts a check that found them all for ``recheck``
    seconds: idle passes then send nothing for them. A Secret still missing
    is looked for at every pass, and every reconcile of a spec change looks
    again, so the only delay is in noticing a Secret deleted after it was
    found (up to ``recheck``); the ETL names that failure in its job anyway."""
    ns = TenantNames(tenant.slug).namespace
    count = len(tenant.spec.integrations)
    refs = tuple(
        f"{i.name}={i.credentials_secret_ref.name}/{i.credentials_secret_ref.key}"
        for i in tenant.spec.integrations
    )
    key = ("integrations", ns, *refs)
    seen = clients.seen_at.get(key)
    if drift and seen is not None and time.monotonic() - seen < recheck:
        return _present(count)
    clients.seen_at.pop(key, None)
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
    clients.seen_at[key] = time.monotonic()
    return _present(count)


def _present(count: int) -> Check:
    return Check(
        INTEGRATIONS, True, "SecretsPresent", f"{count_of(count, 'integration Secret')} mounted"
    )
