"""The control plane is real: version, CRD validation, GC and namespace deletion."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from pulse_testworld import World

pytestmark = pytest.mark.kube

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.smoke.pulse.dev"},
    "spec": {
        "group": "smoke.pulse.dev",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1, "maximum": 10}
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def _wait(what: str, check, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_version_is_the_built_release(world: World, kubectl) -> None:  # type: ignore[no-untyped-def]
    out = kubectl("get", "--raw", "/version").stdout
    version = json.loads(out)
    assert version["gitVersion"] == world.kube.version
    assert version["gitVersion"].startswith("v1.3")
    assert version["gitTreeState"] == "clean"
    assert version["minor"] == version["gitVersion"].split(".")[1]


def test_crd_openapi_validation_rejects_bad_object(kube_api, namespace, kubectl) -> None:  # type: ignore[no-untyped-def]
    ext = k8s.ApiextensionsV1Api(kube_api)
    try:
        ext.create_custom_resource_definition(WIDGET_CRD)
    except ApiException as exc:
        if exc.status != 409:
            raise
    kubectl("wait", "--for=condition=Established", "crd/widgets.smoke.pulse.dev", "--timeout=60s")
    custom = k8s.CustomObjectsApi(kube_api)

    def widget(size: object) -> dict[str, object]:
        return {
            "apiVersion": "smoke.pulse.dev/v1",
            "kind": "Widget",
            "metadata": {"name": f"w-{uuid.uuid4().hex[:6]}"},
            "spec": {"size": size},
        }

    created = custom.create_namespaced_custom_object(
        "smoke.pulse.dev", "v1", namespace, "widgets", widget(3)
    )
    assert created["spec"]["size"] == 3
    with pytest.raises(ApiException) as bad:
        custom.create_namespaced_custom_object(
            "smoke.pulse.dev", "v1", namespace, "widgets", widget(99)
        )
    assert bad.value.status == 422
    assert "spec.size" in bad.value.body
    assert "less than or equal to 10" in bad.value.body


def test_garbage_collector_deletes_dependents(kube_api, namespace) -> None:  # type: ignore[no-untyped-def]
    core = k8s.CoreV1Api(kube_api)
    owner = core.create_namespaced_config_map(
        namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="owner"))
    )
    ref = k8s.V1OwnerReference(
        api_version="v1", kind="ConfigMap", name="owner", uid=owner.metadata.uid
    )
    core.create_namespaced_secret(
        namespace,
        k8s.V1Secret(
            metadata=k8s.V1ObjectMeta(name="dependent", owner_references=[ref]),
            string_data={"k": "v"},
        ),
    )
    core.delete_namespaced_config_map("owner", namespace)

    def gone() -> bool:
        try:
            core.read_namespaced_secret("dependent", namespace)
        except ApiException as exc:
            return exc.status == 404
        return False

    _wait("the dependent Secret to be collected", gone)


def test_namespace_deletion_completes(kube_api) -> None:  # type: ignore[no-untyped-def]
    core = k8s.CoreV1Api(kube_api)
    name = f"ns-{uuid.uuid4().hex[:8]}"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name)))
    core.create_namespaced_config_map(
        name, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="content"), data={"a": "b"})
    )
    core.delete_namespace(name)

    def gone() -> bool:
        try:
            core.read_namespace(name)
        except ApiException as exc:
            return exc.status == 404
        return False

    _wait("the namespace to finish deleting", gone, timeout=90)


def test_service_accounts_get_a_default_account(kube_api, namespace) -> None:  # type: ignore[no-untyped-def]
    core = k8s.CoreV1Api(kube_api)

    def has_default() -> bool:
        return any(
            sa.metadata.name == "default"
            for sa in core.list_namespaced_service_account(namespace).items
        )

    _wait("the default ServiceAccount", has_default)
