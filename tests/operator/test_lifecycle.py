"""The real operator against the real control plane, PostgreSQL and Redis
(Qdrant local mode): create, idempotence, updates, suspension, deletion."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
import redis
from kubernetes import client as k8s
from sqlalchemy import text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.tenancy import TenantNames
from tests.operator.conftest import (
    Platform,
    RunningOperator,
    Tenants,
    events_for,
    secret_values,
    wait_for,
)

pytestmark = [pytest.mark.kube, pytest.mark.postgres, pytest.mark.redis]
CHILDREN = [
    ("Namespace", None, "tenant-{s}"),
    ("ServiceAccount", "tenant-{s}", "pulse-etl"),
    ("ConfigMap", "tenant-{s}", "pulse-etl-config"),
    ("Secret", "tenant-{s}", "pulse-db"),
    ("Secret", "tenant-{s}", "pulse-cache"),
    ("Secret", "tenant-{s}", "pulse-vector"),
    ("Deployment", "tenant-{s}", "pulse-etl"),
    ("Service", "tenant-{s}", "pulse-etl"),
    ("NetworkPolicy", "tenant-{s}", "pulse-etl"),
    ("ResourceQuota", "tenant-{s}", "pulse-quota"),
]


def versions(platform: Platform, slug: str) -> dict[str, str]:
    from pulse_operator.reconcile import kube

    out = {}
    for kind, ns, name in CHILDREN:
        obj = kube.get(platform.kube, kind, name.format(s=slug), ns.format(s=slug) if ns else None)
        assert obj is not None, f"{kind} {name} missing"
        out[f"{kind}/{name}"] = obj["metadata"]["resourceVersion"]
    pt = kube.get(platform.kube, "PulseTenant", slug)
    assert pt is not None
    out["PulseTenant"] = pt["metadata"]["resourceVersion"]
    return out


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == kind)


def admin_redis(platform: Platform) -> redis.Redis:
    return redis.Redis.from_url(platform.world.redis.url, decode_responses=True)


def row_counts(platform: Platform, slug: str) -> dict[str, int]:
    schema = TenantNames(slug).schema
    with connect(platform.engine) as conn:
        tables = (
            conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            )
            .scalars()
            .all()
        )
        return {
            t: conn.execute(text(f'SELECT count(*) FROM "{schema}"."{t}"')).scalar_one()
            for t in tables
        }


def test_apply_makes_a_ready_tenant_with_every_backend(
    platform: Platform, tenants: Tenants
) -> None:
    slug = tenants.apply(
        tier="enterprise",
        seed={"profile": "demo"},
        etl={"replicas": 2, "image": "registry.example/etl:1.2"},
        integrations=[
            {
                "name": "jira-main",
                "type": "jira",
                "baseUrl": "https://acme.atlassian.net",
                "projects": ["PULSE"],
                "credentialsSecretRef": {"name": "jira", "key": "token"},
            }
        ],
    )
    platform.kubectl("wait", "--for=condition=Ready", f"pt/{slug}", "--timeout=60s")
    # Degraded, not Ready: the jira Secret is missing (the tenant serves its users).
    obj = tenants.wait_phase(slug, "Degraded")
    n, status = TenantNames(slug), obj["status"]
    assert status["tenantId"] > 0
    assert status["schemaVersion"] == migrate.head("tenant")
    assert status["database"] == {
        "schema": n.schema,
        "role": n.login_role,
        "secretName": "pulse-db",
    }
    assert status["cache"] == {
        "keyPrefix": f"t:{slug}:",
        "user": n.redis_user,
        "secretName": "pulse-cache",
    }
    assert status["vectorStore"] == {"collection": n.collection, "secretName": "pulse-vector"}
    assert status["endpoints"] == {"etl": f"http://pulse-etl.tenant-{slug}.svc:8000"}
    kinds = {c["type"]: c["status"] for c in status["conditions"]}
    assert kinds == {
        "Ready": "True",
        "DatabaseReady": "True",
        "CacheReady": "True",
        "VectorStoreReady": "True",
        "WorkloadReady": "True",
        # The jira Secret was never created: reported, the tenant still Ready.
        "IntegrationsReady": "False",
        "BrandingReady": "True",
    }
    assert all(
        c["observedGeneration"] == obj["metadata"]["generation"] for c in status["conditions"]
    )

    # kubectl get pt columns
    row = platform.kubectl("get", "pt", slug, "--no-headers", "-o", "wide").stdout.split()
    assert row[:5] == [slug, "Degraded", "True", "enterprise", str(status["tenantId"])]
    assert "integration jira-main: Secret jira not found" in " ".join(row)
    assert row[-1] == status["schemaVersion"]

    # Kubernetes children, owned by the tenant
    apps = k8s.AppsV1Api(platform.api)
    dep = apps.read_namespaced_deployment("pulse-etl", n.namespace)
    assert dep.spec.replicas == 2
    pod = dep.spec.template.spec
    assert pod.containers[0].image == "registry.example/etl:1.2"
    assert pod.containers[0].resources.limits == {"cpu": "2", "memory": "4Gi"}
    assert pod.security_context.run_as_non_root is True
    assert pod.containers[0].readiness_probe.http_get.path == "/readyz"
    assert dep.metadata.owner_references[0].kind == "PulseTenant"
    assert dep.metadata.owner_references[0].uid == obj["metadata"]["uid"]
    policy = k8s.NetworkingV1Api(platform.api).read_namespaced_network_policy(
        "pulse-etl", n.namespace
    )
    assert policy.spec.policy_types == ["Ingress", "Egress"]
    assert policy.spec.ingress[0]._from[0].namespace_selector.match_labels == {
        "kubernetes.io/metadata.name": "pulse-system"
    }
    quota = k8s.CoreV1Api(platform.api).read_namespaced_resource_quota("pulse-quota", n.namespace)
    assert quota.spec.hard["limits.cpu"] == "12"
    cm = k8s.CoreV1Api(platform.api).read_namespaced_config_map("pulse-etl-config", n.namespace)
    assert json.loads(cm.data["PULSE_ETL_INTEGRATIONS"])[0]["name"] == "jira-main"
    assert cm.data["PULSE_TENANT_ID"] == str(status["tenantId"])

    # PostgreSQL: schema, role (logs in with the Secret's password), demo data
    secrets = secret_values(platform, slug)
    with psycopg.connect(
        platform.tenant_dsn(n.login_role, secrets["PULSE_DATABASE_PASSWORD"])
    ) as c:
        assert c.execute("SELECT count(*) FROM work_items").fetchone() == (180,)
        assert c.execute("SELECT email FROM users").fetchone() == (f"admin@{slug}.example",)
    with connect(platform.engine) as conn:
        row = conn.execute(
            text("SELECT tier, state FROM pulse.tenants WHERE slug = :s"), {"s": slug}
        ).one()
    assert tuple(row) == ("enterprise", "active")

    # Redis: the ACL user is confined to its prefix
    user = redis.Redis(
        host="127.0.0.1",
        port=platform.world.redis.port,
        username=n.redis_user,
        password=secrets["PULSE_REDIS_PASSWORD"],
    )
    user.set(f"t:{slug}:probe", "1")
    with pytest.raises(redis.exceptions.NoPermissionError):
        user.get("t:other:probe")
    user.close()

    # Qdrant: the collection with the spec's parameters, and a token for it alone
    info = platform.qdrant.get_collection(n.collection)
    assert info.config.params.vectors.size == 384  # type: ignore[union-attr]
    import jwt

    claims = jwt.decode(
        secrets["PULSE_QDRANT_TOKEN"],
        platform.env["PULSE_OPERATOR_QDRANT_API_KEY"],
        algorithms=["HS256"],
    )
    assert claims["access"] == [{"collection": n.collection, "access": "rw"}]
    assert platform.env["PULSE_OPERATOR_QDRANT_API_KEY"] not in json.dumps(secrets)

    # Events, and no secret anywhere in status or events
    reasons = {e["reason"] for e in events_for(platform, slug)}
    assert {"DatabaseReady", "CacheReady", "VectorStoreReady", "WorkloadReady"} <= reasons
    # The phase's event (Degraded: the jira Secret is missing) and the one naming it.
    assert {"Degraded", "IntegrationsReadyFailed"} <= reasons
    visible = json.dumps(obj) + json.dumps(events_for(platform, slug))
    for key in ("PULSE_DATABASE_PASSWORD", "PULSE_REDIS_PASSWORD", "PULSE_QDRANT_TOKEN"):
        assert secrets[key] not in visible


def test_reapply_and_restart_change_nothing(
    platform: Platform, tenants: Tenants, operator: RunningOperator
) -> None:
    slug = tenants.apply()
    tenants.wait_phase(slug, "Ready")
    operator.drift_passes(1)  # the first pass after Ready may still write status
    before, counts = versions(platform, slug), row_counts(platform, slug)
    tenants.apply(slug)  # the same manifest again
    operator.drift_passes(2)
    assert versions(platform, slug) == before
    operator.restart()  # resume: checks everything, writes nothing
    operator.drift_passes(2)
    assert versions(platform, slug) == before
    assert row_counts(platform, slug) == counts


def test_updates_reconcile_what_changed(platform: Platform, tenants: Tenants) -> None:
    slug = tenants.apply()
    first = tenants.wait_phase(slug, "Ready")
    n = TenantNames(slug)
    apps, core = k8s.AppsV1Api(platform.api), k8s.CoreV1Api(platform.api)
    db_secret_rv = core.read_namespaced_secret("pulse-db", n.namespace).metadata.resource_version

    tenants.patch(slug, {"etl": {"replicas": 3}})
    tenants.wait_phase(slug, "Ready")
    wait_for(
        "3 replicas",
        lambda: apps.read_namespaced_deployment("pulse-etl", n.namespace).spec.replicas == 3,
    )

    tenants.patch(slug, {"tier": "trial", "displayName": "Renamed Co"})
    tenants.wait_phase(slug, "Ready")
    dep = apps.read_namespaced_deployment("pulse-etl", n.namespace)
    assert dep.spec.template.spec.containers[0].resources.limits == {
        "cpu": "500m",
        "memory": "512Mi",
    }
    assert (
        core.read_namespaced_resource_quota("pulse-quota", n.namespace).spec.hard["limits.cpu"]
        == "3"
    )
    with connect(platform.engine) as conn:
        row = conn.execute(
            text("SELECT display_name, tier FROM pulse.tenants WHERE slug = :s"), {"s": slug}
        ).one()
        assert tuple(row) == ("Renamed Co", "trial")

    tenants.patch(slug, {"branding": {"primaryColor": "#FF0000", "secondaryColor": "#00FF00"}})
    tenants.wait_phase(slug, "Ready")
    with connect(platform.engine) as conn:
        colors = dict(
            conn.execute(
                text(f'SELECT mode, primary_color FROM "{n.schema}".client_color_settings')
            ).all()
        )
    assert colors == {"light": "#FF0000", "dark": "#FF3333"}

    # A primary colour the API would refuse (the page swallows it): the rest
    # of the tenant stays Ready, the default primary is written instead, and
    # the status and a Warning event name the field.
    tenants.patch(slug, {"branding": {"primaryColor": "#FAFAFA", "secondaryColor": "#00FF00"}})
    refused = tenants.wait_phase(slug, "Ready")
    conditions = {c["type"]: c for c in refused["status"]["conditions"]}
    assert conditions["Ready"]["status"] == "True"
    pale = conditions["BrandingReady"]
    assert (pale["status"], pale["reason"]) == ("False", "PrimaryColorInvisible"), pale
    assert pale["message"].startswith("spec.branding.primaryColor: #FAFAFA is too close"), pale
    with connect(platform.engine) as conn:
        light = conn.execute(
            text(
                f"SELECT primary_color FROM \"{n.schema}\".client_color_settings WHERE mode = 'light'"
            )
        ).scalar()
    assert light == "#1F6FEB"
    warnings = wait_for(
        "the branding warning",
        lambda: [e for e in events_for(platform, slug) if e["reason"] == "BrandingReadyFailed"],
    )
    assert warnings[0]["type"] == "Warning"
    assert "spec.branding.primaryColor" in warnings[0]["message"]
    tenants.patch(slug, {"branding": {"primaryColor": "#FF0000", "secondaryColor": "#00FF00"}})
    fixed = tenants.wait_phase(slug, "Ready")
    assert {c["type"]: c["status"] for c in fixed["status"]["conditions"]}[
        "BrandingReady"
    ] == "True"

    tenants.patch(
        slug,
        {
            "integrations": [
                {
                    "name": "gh",
                    "type": "github",
                    "organization": "acme",
                    "credentialsSecretRef": {"name": "gh", "key": "token"},
                }
            ]
        },
    )
    tenants.wait_phase(slug, "Degraded")  # the Secret gh does not exist
    wait_for(
        "integrations in the ConfigMap",
        lambda: (
            "acme"
            in core.read_namespaced_config_map("pulse-etl-config", n.namespace).data[
                "PULSE_ETL_INTEGRATIONS"
            ]
        ),
    )

    # Nothing rotated along the way, and the tenant kept its id.
    assert (
        core.read_namespaced_secret("pulse-db", n.namespace).metadata.resource_version
        == db_secret_rv
    )
    assert tenants.get(slug)["status"]["tenantId"] == first["status"]["tenantId"]  # type: ignore[index]


def test_suspend_and_resume(platform: Platform, tenants: Tenants) -> None:
    slug = tenants.apply(etl={"replicas": 2})
    tenants.wait_phase(slug, "Ready")
    n, apps = TenantNames(slug), k8s.AppsV1Api(platform.api)

    def state() -> str:
        with connect(platform.engine) as conn:
            return str(
                conn.execute(
                    text("SELECT state FROM pulse.tenants WHERE slug = :s"), {"s": slug}
                ).scalar()
            )

    tenants.patch(slug, {"suspended": True})
    suspended = tenants.wait_phase(slug, "Suspended")
    assert apps.read_namespaced_deployment("pulse-etl", n.namespace).spec.replicas == 0
    assert state() == "suspended"
    # What `kubectl describe pt` and `get pt` show reads plainly: not Ready
    # (it serves nobody), because it is suspended, and each part says so once.
    conditions = {c["type"]: c for c in suspended["status"]["conditions"]}
    ready = conditions["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "Suspended"), ready
    assert "suspended" in ready["message"] and "data kept" in ready["message"]
    for c in conditions.values():
        assert "((" not in c["message"] and "))" not in c["message"], c
    assert conditions["CacheReady"]["message"] == (
        f"ACL user {n.redis_user} disabled (tenant suspended) on keys {n.key_prefix}*"
    )
    assert "ETL scaled to 0 (tenant suspended)" in conditions["WorkloadReady"]["message"]

    def phase_events() -> list[str] | None:
        found = [e["message"] for e in events_for(platform, slug)]
        phases = [m for m in found if m.startswith("phase")]
        return phases if "phase Ready -> Suspended" in phases else None

    phases = wait_for("the phase events", phase_events)
    # The first phase has no "from": "phase Ready", not "phase - -> Ready".
    assert "phase Ready" in phases, phases
    assert not [m for m in phases if " - " in m or m.startswith("phase -")], phases
    tenants.patch(slug, {"suspended": False})
    tenants.wait_phase(slug, "Ready")
    assert apps.read_namespaced_deployment("pulse-etl", n.namespace).spec.replicas == 2
    assert state() == "active"


def _role_can_login(platform: Platform, role: str) -> bool:
    with connect(platform.engine) as conn:
        return bool(
            conn.execute(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar()
        )


def test_delete_with_retain_keeps_data_and_recreate_adopts_it(
    platform: Platform, tenants: Tenants
) -> None:
    slug = tenants.apply(seed={"profile": "demo"})
    first = tenants.wait_phase(slug, "Ready")
    n, r = TenantNames(slug), admin_redis(platform)
    r.set(f"t:{slug}:kept", "yes")
    counts = row_counts(platform, slug)
    tenants.delete(slug)

    assert not _role_can_login(platform, n.login_role)
    assert row_counts(platform, slug) == counts
    assert "off" in r.acl_getuser(n.redis_user)["flags"]
    assert r.get(f"t:{slug}:kept") == "yes"
    assert platform.qdrant.collection_exists(n.collection)
    with connect(platform.engine) as conn:
        assert (
            conn.execute(
                text("SELECT state FROM pulse.tenants WHERE slug = :s"), {"s": slug}
            ).scalar()
            == "revoked"
        )
    wait_for(
        "the namespace to go",
        lambda: platform.kubectl("get", "ns", n.namespace, check=False).returncode != 0,
        timeout=90,
    )

    tenants.apply(slug, seed={"profile": "demo"})
    again = tenants.wait_phase(slug, "Ready")
    assert again["status"]["tenantId"] == first["status"]["tenantId"]
    assert row_counts(platform, slug) == counts
    assert _role_can_login(platform, n.login_role)
    adopted = [e for e in events_for(platform, slug) if e["reason"] == "Adopted"]
    assert adopted and str(first["status"]["tenantId"]) in adopted[0]["message"]


def test_delete_with_delete_removes_everything(platform: Platform, tenants: Tenants) -> None:
    slug = tenants.apply(deletionPolicy="Delete")
    tenants.wait_phase(slug, "Ready")
    n, r = TenantNames(slug), admin_redis(platform)
    r.set(f"t:{slug}:gone", "1")
    tenants.delete(slug)
    with connect(platform.engine) as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": n.schema}
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": n.login_role}
            ).scalar()
            == 0
        )
        assert (
            conn.execute(
                text("SELECT count(*) FROM pulse.tenants WHERE slug = :s"), {"s": slug}
            ).scalar()
            == 0
        )
    assert r.execute_command("ACL", "GETUSER", n.redis_user) is None
    assert r.exists(f"t:{slug}:gone") == 0
    assert not platform.qdrant.collection_exists(n.collection)


def test_drift_is_repaired_by_the_timer(platform: Platform, tenants: Tenants) -> None:
    slug = tenants.apply()
    tenants.wait_phase(slug, "Ready")
    n = TenantNames(slug)
    core, apps, r = k8s.CoreV1Api(platform.api), k8s.AppsV1Api(platform.api), admin_redis(platform)

    core.delete_namespaced_secret("pulse-cache", n.namespace)
    r.execute_command("ACL", "DELUSER", n.redis_user)
    platform.kubectl("scale", "deployment/pulse-etl", "-n", n.namespace, "--replicas=4")

    wait_for(
        "the Deployment scaled back",
        lambda: apps.read_namespaced_deployment("pulse-etl", n.namespace).spec.replicas == 1,
        timeout=30,
    )
    secrets = wait_for("the cache Secret back", lambda: _try_secrets(platform, slug), timeout=30)
    wait_for(
        "the Redis user back", lambda: r.execute_command("ACL", "GETUSER", n.redis_user), timeout=30
    )
    user = redis.Redis(
        host="127.0.0.1",
        port=platform.world.redis.port,
        username=n.redis_user,
        password=secrets["PULSE_REDIS_PASSWORD"],
    )
    assert user.ping()
    user.close()


def _try_secrets(platform: Platform, slug: str) -> dict[str, str] | None:
    try:
        return secret_values(platform, slug)
    except k8s.ApiException:
        return None


def test_collection_mismatch_is_degraded_not_recreated(
    platform: Platform, tenants: Tenants
) -> None:
    from qdrant_client import models

    slug = "op-mismatch"
    n = TenantNames(slug)
    platform.qdrant.create_collection(
        n.collection, vectors_config=models.VectorParams(size=8, distance=models.Distance.DOT)
    )
    platform.qdrant.upsert(n.collection, [models.PointStruct(id=1, vector=[1.0] * 8)])
    try:
        tenants.apply(slug)
        obj = tenants.wait_phase(slug, "Degraded")
        cond = condition(obj, "VectorStoreReady")
        assert cond["status"] == "False" and cond["reason"] == "CollectionMismatch"
        assert "size 8" in cond["message"] and "size 384" in cond["message"]
        assert platform.qdrant.count(n.collection).count == 1  # the vectors are still there
        assert condition(obj, "DatabaseReady")["status"] == "True"
    finally:
        platform.qdrant.delete_collection(n.collection)


def test_redis_outage_is_degraded_then_recovers(platform: Platform, tenants: Tenants) -> None:
    slug = tenants.apply()
    tenants.wait_phase(slug, "Ready")
    n, world = TenantNames(slug), platform.world
    admin_redis(platform).execute_command(
        "ACL", "DELUSER", n.redis_user
    )  # so the timer must reach Redis
    world.stop_service("redis")
    try:
        obj = tenants.wait_phase(slug, "Degraded", timeout=30)
        cond = condition(obj, "CacheReady")
        assert cond["reason"] == "RedisUnavailable"
        assert "Error" in cond["message"] or "refused" in cond["message"].lower()
        assert condition(obj, "Ready")["status"] == "False"
    finally:
        world.restart_service("redis", lambda: admin_redis(platform).ping())
    obj = tenants.wait_phase(slug, "Ready", timeout=60)
    assert condition(obj, "CacheReady")["status"] == "True"
    warnings = [e for e in events_for(platform, slug) if e["reason"] == "CacheReadyFailed"]
    assert warnings
