"""Plain-function tests of the operator's core (no cluster needed)."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import kopf
import pytest

from pulse_common.branding import invisible_primary, palettes
from pulse_common.errors import InvalidInput
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile import branding, database, workload
from pulse_operator.reconcile.diff import DIGEST, covers, with_digest
from pulse_operator.reconcile.parts import ALL_PARTS, Part, parts_for_diff
from pulse_operator.reconcile.status import Check, merge_conditions, phase_of
from pulse_operator.runner import in_worker, shared, tenant_lock
from pulse_operator.spec import parse_tenant

SPEC = {"displayName": "ACME", "admin": {"email": "a@acme.example"}}


def cfg(**kw: Any) -> OperatorConfig:
    settings: dict[str, Any] = {
        "database_admin_url": "postgresql://a:b@h/db",
        "redis_admin_url": "redis://h",
        "qdrant_url": "http://qdrant:6333",
        "tenant_database_host": "db-rw:5432",
        "tenant_database_replica_host": "db-ro:5432",
        "tenant_redis_host": "redis:6379",
        "tenant_qdrant_url": "http://qdrant:6333",
    }
    return OperatorConfig(**{**settings, **kw})


@pytest.mark.parametrize(
    ("diff", "parts"),
    [
        ([("change", ("spec", "branding", "primaryColor"), "#000000", "#FFFFFF")], {Part.branding}),
        ([("change", ("spec", "etl", "replicas"), 1, 2)], {Part.workload}),
        (
            [("change", ("spec", "suspended"), False, True)],
            {Part.suspension, Part.workload, Part.cache, Part.vector},
        ),
        ([("change", ("spec", "tier"), "trial", "standard")], {Part.registry, Part.workload}),
        ([("change", ("spec", "deletionPolicy"), "Retain", "Delete")], set()),
        ([("change", ("metadata", "labels", "x"), None, "y")], set()),
        ([("add", ("spec",), None, {})], set(ALL_PARTS)),
        ([("change", ("spec", "somethingNew"), 1, 2)], set(ALL_PARTS)),
    ],
)
def test_update_touches_only_what_changed(diff: list[tuple[object, ...]], parts: set[Part]) -> None:
    assert parts_for_diff(diff) == parts


def test_transition_time_changes_only_on_a_real_transition() -> None:
    ok = [
        Check(t, True, "Reconciled", "fine")
        for t in ("DatabaseReady", "CacheReady", "VectorStoreReady", "WorkloadReady")
    ]
    first, transitions = merge_conditions([], ok, 1, now="2026-01-01T00:00:00Z")
    assert {t.type for t in transitions} == {
        "Ready",
        "DatabaseReady",
        "CacheReady",
        "VectorStoreReady",
        "WorkloadReady",
    }
    same, transitions = merge_conditions(first, ok, 2, now="2026-01-02T00:00:00Z")
    assert transitions == []
    assert {c["lastTransitionTime"] for c in same} == {"2026-01-01T00:00:00Z"}
    assert {c["observedGeneration"] for c in same} == {2}
    bad = [Check("CacheReady", False, "RedisUnavailable", "down")]
    degraded, transitions = merge_conditions(same, bad, 2, now="2026-01-03T00:00:00Z")
    assert [(t.type, t.new) for t in transitions] == [("Ready", "False"), ("CacheReady", "False")]
    by_type = {c["type"]: c for c in degraded}
    assert by_type["DatabaseReady"]["lastTransitionTime"] == "2026-01-01T00:00:00Z"  # kept
    assert by_type["Ready"]["message"] == "CacheReady: down"
    assert phase_of(degraded, suspended=False) == "Degraded"
    assert phase_of(same, suspended=True) == "Suspended"
    assert phase_of([], suspended=False) == "Pending"


def test_a_suspended_tenant_is_not_ready_because_it_is_suspended() -> None:
    """``kubectl get pt`` showed READY True for a tenant that serves nobody."""
    ok = [
        Check(t, True, "Reconciled", "fine")
        for t in ("DatabaseReady", "CacheReady", "VectorStoreReady", "WorkloadReady")
    ]
    ready, _ = merge_conditions([], ok, 1)
    suspended, transitions = merge_conditions(ready, ok, 2, suspended=True)
    by_type = {c["type"]: c for c in suspended}
    assert (by_type["Ready"]["status"], by_type["Ready"]["reason"]) == ("False", "Suspended")
    assert [(t.type, t.new) for t in transitions] == [("Ready", "False")]
    assert phase_of(suspended, suspended=True) == "Suspended"
    # A part that fails while suspended is still a failure to show.
    down = [Check("CacheReady", False, "RedisUnavailable", "down")]
    broken, _ = merge_conditions(suspended, down, 2, suspended=True)
    assert {c["type"]: c for c in broken}["Ready"]["message"] == "CacheReady: down"
    assert phase_of(broken, suspended=True) == "Degraded"
    resumed, _ = merge_conditions(suspended, ok, 3)
    assert phase_of(resumed, suspended=False) == "Ready"


def test_manifests_carry_owner_labels_and_tier_sizes() -> None:
    tenant = parse_tenant("acme", "uid-1", 3, {**SPEC, "tier": "trial", "suspended": True})
    secrets = workload.TenantSecrets({"PULSE_DATABASE_PASSWORD": "p"}, {}, {})
    objs = workload.children(tenant, 7, cfg(), secrets)
    assert [o["kind"] for o in objs] == [
        "Namespace",
        "ResourceQuota",
        "ServiceAccount",
        "ConfigMap",
        "Secret",
        "Secret",
        "Secret",
        "NetworkPolicy",
        "NetworkPolicy",
        "Service",
        "Deployment",
    ]
    for o in objs:
        assert o["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
        assert o["metadata"]["labels"]["app.kubernetes.io/instance"] == "acme"
        assert o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "pulse-operator"
    dep = objs[-1]
    assert dep["spec"]["replicas"] == 0  # suspended
    assert dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] == {
        "cpu": "500m",
        "memory": "512Mi",
    }
    assert dep["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "pulse-etl",
        "app.kubernetes.io/instance": "acme",
    }
    db_secret = objs[4]
    assert db_secret["data"] == {"PULSE_DATABASE_PASSWORD": "cA=="}
    assert objs[8]["metadata"]["namespace"] == "pulse-system"  # admits this tenant's ETL


def test_rotated_credentials_roll_the_pods() -> None:
    tenant = parse_tenant("acme", "u", 1, SPEC)
    a = workload.deployment(tenant, cfg(), workload.TenantSecrets({"x": "1"}, {}, {}).digest())
    b = workload.deployment(tenant, cfg(), workload.TenantSecrets({"x": "2"}, {}, {}).digest())
    key = "pulse.dev/secrets-digest"
    assert (
        a["spec"]["template"]["metadata"]["annotations"][key]
        != b["spec"]["template"]["metadata"]["annotations"][key]
    )


@pytest.mark.parametrize(
    ("name", "spec", "message"),
    [
        ("Bad", SPEC, "invalid tenant slug"),
        ("acme", {**SPEC, "tier": "gold"}, "spec.tier"),
        (
            "acme",
            {
                **SPEC,
                "integrations": [
                    {"name": "j", "type": "jira", "credentialsSecretRef": {"name": "s", "key": "k"}}
                ],
            },
            "a jira integration needs baseUrl",
        ),
        (
            "acme",
            {
                **SPEC,
                "integrations": [
                    {
                        "name": "g",
                        "type": "github",
                        "organization": "o",
                        "credentialsSecretRef": {"name": "s", "key": "k"},
                    },
                    {
                        "name": "g",
                        "type": "github",
                        "organization": "p",
                        "credentialsSecretRef": {"name": "s", "key": "k"},
                    },
                ],
            },
            "integration names must be unique",
        ),
        ("acme", {"admin": {"email": "a@b.example"}}, "spec.displayName"),
        # Both passed the spec's own copies of the rules and were refused by
        # provisioning, on every retry, deep inside a reconcile.
        ("acme", {**SPEC, "admin": {"email": "admin@acme.test"}}, "spec.admin.email"),
        ("acme", {**SPEC, "admin": {"email": "a..b@acme.example"}}, "spec.admin.email"),
        (
            "acme",
            {**SPEC, "branding": {"logoUrl": "https://cdn.example/" + "a" * 500}},
            "spec.branding.logoUrl",
        ),
    ],
)
def test_invalid_spec_is_a_permanent_error_naming_the_field(
    name: str, spec: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_tenant(name, "u", 1, spec)


@pytest.mark.parametrize(
    "edit",
    [
        {},
        {"admin": {"email": "First.Last+pulse@Sub.Acme.Example"}},
        {"branding": {"primaryColor": "#abcdef", "logoUrl": "https://cdn.example/l.png"}},
        {"displayName": "x" * 100, "tier": "enterprise", "seed": {"profile": "demo"}},
    ],
)
def test_a_spec_the_operator_accepts_is_a_request_provisioning_accepts(
    edit: dict[str, object],
) -> None:
    """One set of rules: the spec model uses provisioning's field types, so
    building the TenantRequest from a valid spec cannot fail."""
    tenant = parse_tenant("acme", "u", 1, {**SPEC, **edit})
    req = database.request(tenant, "pw")
    assert req.admin_email == tenant.spec.admin.email
    assert req.branding == tenant.spec.branding.to_branding()


@pytest.mark.parametrize(
    ("colour", "ok"), [("#FFFFFF", False), ("#F0F0F0", False), ("#FFEE88", True), ("#1F6FEB", True)]
)
def test_the_operator_applies_the_apis_visibility_rule_to_the_spec(colour: str, ok: bool) -> None:
    """The same rule as the API's 422 primary_color_invisible (one function,
    pulse_common.branding.invisible_primary); a refused colour is replaced
    by the default in what provisioning writes, and the check names the field."""
    tenant = parse_tenant("acme", "u", 1, {**SPEC, "branding": {"primaryColor": colour}})
    written, check = branding.effective(tenant)
    assert check.ok is ok
    assert (invisible_primary(palettes(tenant.spec.branding.to_branding())) is None) is ok
    assert database.request(tenant, "pw").branding == written
    if ok:
        assert written.primary_color == colour
    else:
        assert written.primary_color == "#1F6FEB"
        assert check.reason == "PrimaryColorInvisible"
        assert check.message.startswith(f"spec.branding.primaryColor: {colour} is too close")


def test_config_hides_secrets() -> None:
    text = repr(cfg())
    assert "postgresql://a:b" not in text


def test_metrics_count_tenants_by_phase() -> None:
    from prometheus_client import REGISTRY

    from pulse_operator import metrics

    def count(phase: str) -> float | None:
        return REGISTRY.get_sample_value("pulse_operator_tenants", {"phase": phase})

    metrics.record_phase("unit-a", "Ready")
    metrics.record_phase("unit-b", "Ready")
    metrics.record_phase("unit-c", "Degraded")
    ready, degraded = count("Ready") or 0, count("Degraded") or 0
    metrics.record_phase("unit-c", "Ready")
    assert count("Ready") == ready + 1 and count("Degraded") == degraded - 1
    for slug in ("unit-a", "unit-b", "unit-c"):
        metrics.record_phase(slug, None)
    assert count("Ready") == ready - 2


def _deployment() -> dict[str, Any]:

    tenant = parse_tenant("acme", "uid-1", 1, SPEC)
    return with_digest(workload.deployment(tenant, cfg(), "digest-1"))


def test_a_server_copy_with_defaults_and_extra_fields_covers_the_manifest() -> None:

    desired = _deployment()
    observed = json.loads(json.dumps(desired))
    observed["metadata"].update(resourceVersion="7", uid="u", generation=3)
    observed["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    observed["spec"]["strategy"] = {"type": "RollingUpdate"}  # a server default
    observed["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/x"
    assert covers(observed, desired)


@pytest.mark.parametrize(
    "edit",
    [
        lambda o: o["spec"].update(replicas=4),  # scaled by hand
        lambda o: o["spec"]["template"]["spec"]["containers"].append({"name": "sidecar"}),
        lambda o: o["spec"]["template"]["spec"]["containers"][0].pop("securityContext"),
        lambda o: o["metadata"]["labels"].pop("pulse.dev/tenant"),
    ],
)
def test_a_changed_server_copy_does_not_cover_the_manifest(edit: Any) -> None:

    desired = _deployment()
    observed = json.loads(json.dumps(desired))
    edit(observed)
    assert not covers(observed, desired)


def test_a_field_the_operator_stops_setting_changes_the_digest() -> None:

    tenant = parse_tenant("acme", "uid-1", 1, SPEC)
    old = with_digest(workload.deployment(tenant, cfg(), "digest-1"))
    slimmer = workload.deployment(tenant, cfg(), "digest-1")
    slimmer["spec"].pop("revisionHistoryLimit")
    new = with_digest(slimmer)
    # Still contained in what the server has, but no longer what was applied.
    assert new["metadata"]["annotations"][DIGEST] != old["metadata"]["annotations"][DIGEST]
    assert not covers(old, new)


def test_handlers_and_the_drift_loop_share_locks_and_slots() -> None:
    """Kopf hands each object's handlers a shallow copy of the operator's
    memo (kopf/_core/reactor/inventory.py, ``copy.copy(memobase)``): state a
    handler created lazily in its copy was its own, so handlers and the drift
    loop held different locks for one tenant and the reconcile limit was per
    object. Startup creates the shared state before any copy is made."""
    memo = kopf.Memo(cfg=cfg(reconcile_concurrency=2))
    shared(memo)  # as the startup handler does
    handler_memo = copy.copy(memo)
    assert tenant_lock(handler_memo, "acme") is tenant_lock(memo, "acme")
    assert shared(handler_memo).slots is shared(memo).slots
    assert shared(handler_memo).idle is shared(memo).idle

    ran: list[str] = []

    async def main() -> None:
        # Two reconciles at most, whichever memo copy they come from.
        await asyncio.gather(*(in_worker(m, lambda: ran.append("x")) for m in (handler_memo, memo)))
        assert not shared(memo).slots.locked()  # every slot given back

    asyncio.run(main())
    assert ran == ["x", "x"]
