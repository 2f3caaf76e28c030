"""The Kubernetes objects of one tenant, as plain manifests (pure functions),
applied by ``kube.apply``. All owned by the PulseTenant, so deleting it lets
the garbage collector remove them."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pulse_common.models.control import TenantTier
from pulse_common.tenancy import TenantNames
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import integrations as integration_secrets
from pulse_operator.reconcile import network_policy
from pulse_operator.spec import Tenant

ETL = "pulse-etl"
CONFIG = "pulse-etl-config"
SECRET_DB, SECRET_CACHE, SECRET_VECTOR = "pulse-db", "pulse-cache", "pulse-vector"
# The first admin's initial password, for the platform operator to hand over.
# Written only when a password is issued; never mounted into a pod.
SECRET_ADMIN = "pulse-admin-initial"
QUOTA = "pulse-quota"

# (cpu request, memory request, cpu limit, memory limit) per ETL pod.
TIER_RESOURCES: dict[TenantTier, tuple[str, str, str, str]] = {
    TenantTier.trial: ("100m", "256Mi", "500m", "512Mi"),
    TenantTier.standard: ("250m", "512Mi", "1", "1Gi"),
    TenantTier.enterprise: ("500m", "1Gi", "2", "4Gi"),
}
# Room for the maximum of 5 replicas plus one surge pod during a rollout.
QUOTA_PODS = 6
TIER_QUOTA: dict[TenantTier, tuple[str, str, str, str]] = {
    TenantTier.trial: ("600m", "1536Mi", "3", "3Gi"),
    TenantTier.standard: ("1500m", "3Gi", "6", "6Gi"),
    TenantTier.enterprise: ("3", "6Gi", "12", "24Gi"),
}


@dataclass(frozen=True)
class TenantSecrets:
    """Secret contents (env-var names -> values) for the ETL pods."""

    database: dict[str, str]
    cache: dict[str, str]
    vector: dict[str, str]

    def digest(self) -> str:
        blob = json.dumps([self.database, self.cache, self.vector], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def labels(slug: str, component: str = "etl") -> dict[str, str]:
    return {
        "app.kubernetes.io/name": ETL,
        "app.kubernetes.io/instance": slug,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "pulse",
        "app.kubernetes.io/managed-by": "pulse-operator",
        "pulse.dev/tenant": slug,
    }


def selector(slug: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": ETL, "app.kubernetes.io/instance": slug}


def owner_ref(tenant: Tenant) -> dict[str, Any]:
    return {
        "apiVersion": "pulse.dev/v1alpha1",
        "kind": "PulseTenant",
        "name": tenant.slug,
        "uid": tenant.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _meta(
    tenant: Tenant, name: str, namespace: str | None, component: str = "etl"
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "labels": labels(tenant.slug, component),
        "ownerReferences": [owner_ref(tenant)],
    }
    if namespace:
        meta["namespace"] = namespace
    return meta


def namespace(tenant: Tenant) -> dict[str, Any]:
    ns = TenantNames(tenant.slug).namespace
    meta = _meta(tenant, ns, None, "tenant")
    # Restricted Pod Security for everything in the tenant's namespace.
    meta["labels"]["pod-security.kubernetes.io/enforce"] = "restricted"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _secret(tenant: Tenant, ns: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in sorted(data.items())}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _meta(tenant, name, ns),
        "data": encoded,
    }


def admin_secret(tenant: Tenant, email: str, password: str) -> dict[str, Any]:
    ns = TenantNames(tenant.slug).namespace
    return _secret(tenant, ns, SECRET_ADMIN, {"email": email, "password": password})


def config_map(tenant: Tenant, tenant_id: int, cfg: OperatorConfig) -> dict[str, Any]:
    n, spec = TenantNames(tenant.slug), tenant.spec
    integrations = [i.model_dump(by_alias=True, exclude_none=True) for i in spec.integrations]
    data = {
        "PULSE_TENANT_SLUG": tenant.slug,
        "PULSE_TENANT_ID": str(tenant_id),
        "PULSE_TENANT_TIER": spec.tier.value,
        "PULSE_ETL_SCHEDULE": spec.etl.schedule,
        "PULSE_ETL_TIMEZONE": spec.etl.time_zone,
        "PULSE_ETL_INTEGRATIONS": json.dumps(integrations, sort_keys=True),
        "PULSE_DATABASE_SCHEMA": n.schema,
        "PULSE_REDIS_KEY_PREFIX": n.key_prefix,
        "PULSE_QDRANT_COLLECTION": n.collection,
        "PULSE_QDRANT_VECTOR_SIZE": str(spec.vector_store.vector_size),
        "PULSE_BACKEND_URL": f"http://{cfg.backend_service}:{cfg.backend_port}",
        "PULSE_ETL_CREDENTIALS_DIR": integration_secrets.ROOT,
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(tenant, CONFIG, n.namespace),
        "data": data,
    }


def deployment(tenant: Tenant, cfg: OperatorConfig, secrets_digest: str) -> dict[str, Any]:
    spec, ns = tenant.spec, TenantNames(tenant.slug).namespace
    cpu_req, mem_req, cpu_lim, mem_lim = TIER_RESOURCES[spec.tier]
    secret_volumes, secret_mounts = integration_secrets.volumes(tenant)
    probe = {
        "httpGet": {"path": "/healthz", "port": "http"},
        "periodSeconds": 10,
        "timeoutSeconds": 3,
        "failureThreshold": 3,
    }
    container = {
        "name": "etl",
        "image": spec.etl.image or cfg.etl_image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": cfg.etl_port, "protocol": "TCP"}],
        "envFrom": [
            {"configMapRef": {"name": CONFIG}},
            *({"secretRef": {"name": s}} for s in (SECRET_DB, SECRET_CACHE, SECRET_VECTOR)),
        ],
        "resources": {
            "requests": {"cpu": cpu_req, "memory": mem_req},
            "limits": {"cpu": cpu_lim, "memory": mem_lim},
        },
        "livenessProbe": {**probe, "initialDelaySeconds": 10},
        "readinessProbe": {
            **probe,
            "httpGet": {"path": "/readyz", "port": "http"},
            "initialDelaySeconds": 5,
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - an emptyDir
            *secret_mounts,
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(tenant, ETL, ns),
        "spec": {
            "replicas": 0 if spec.suspended else spec.etl.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": selector(tenant.slug)},
            "template": {
                # A new digest (rotated credentials) rolls the pods.
                "metadata": {
                    "labels": labels(tenant.slug),
                    "annotations": {"pulse.dev/secrets-digest": secrets_digest},
                },
                "spec": {
                    "serviceAccountName": ETL,
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "fsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
                        *secret_volumes,
                    ],
                },
            },
        },
    }


def service(tenant: Tenant, cfg: OperatorConfig) -> dict[str, Any]:
    ns = TenantNames(tenant.slug).namespace
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(tenant, ETL, ns),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(tenant.slug),
            "ports": [
                {"name": "http", "port": cfg.etl_port, "targetPort": "http", "protocol": "TCP"}
            ],
        },
    }


def network_policies(tenant: Tenant, cfg: OperatorConfig) -> list[dict[str, Any]]:
    """The tenant namespace's policy, and the platform namespace's for this tenant."""
    ns = TenantNames(tenant.slug).namespace
    platform_meta = _meta(tenant, f"{ETL}-{ns}", cfg.platform_namespace, "network")
    return [
        network_policy.tenant_etl(cfg, meta=_meta(tenant, ETL, ns), egress=tenant.spec.etl.egress),
        network_policy.platform_side(
            cfg, meta=platform_meta, etl_namespace=ns, etl_pods=selector(tenant.slug)
        ),
    ]


def resource_quota(tenant: Tenant) -> dict[str, Any]:
    ns = TenantNames(tenant.slug).namespace
    cpu_req, mem_req, cpu_lim, mem_lim = TIER_QUOTA[tenant.spec.tier]
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _meta(tenant, QUOTA, ns),
        "spec": {
            "hard": {
                "requests.cpu": cpu_req,
                "requests.memory": mem_req,
                "limits.cpu": cpu_lim,
                "limits.memory": mem_lim,
                "pods": str(QUOTA_PODS),
                "services": "5",
                "secrets": "20",
                "configmaps": "20",
            }
        },
    }


def service_account(tenant: Tenant) -> dict[str, Any]:
    ns = TenantNames(tenant.slug).namespace
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(tenant, ETL, ns),
        "automountServiceAccountToken": False,
    }


def children(
    tenant: Tenant, tenant_id: int, cfg: OperatorConfig, secrets: TenantSecrets
) -> list[dict[str, Any]]:
    """Every object of the tenant, in the order to apply them."""
    ns = TenantNames(tenant.slug).namespace
    return [
        namespace(tenant),
        resource_quota(tenant),
        service_account(tenant),
        config_map(tenant, tenant_id, cfg),
        _secret(tenant, ns, SECRET_DB, secrets.database),
        _secret(tenant, ns, SECRET_CACHE, secrets.cache),
        _secret(tenant, ns, SECRET_VECTOR, secrets.vector),
        *network_policies(tenant, cfg),
        service(tenant, cfg),
        deployment(tenant, cfg, secrets.digest()),
    ]
