"""Server-side apply and reads for the few kinds the operator manages.

A static table instead of discovery: the operator knows exactly what it
manages, and every call stays one HTTP request.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from kubernetes import client as k8s

from pulse_common.errors import BackendUnavailable

FIELD_MANAGER = "pulse-operator"

# kind -> (API path prefix, plural, namespaced)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Secret": ("/api/v1", "secrets", True),
    "Service": ("/api/v1", "services", True),
    "ResourceQuota": ("/api/v1", "resourcequotas", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "PulseTenant": ("/apis/pulse.dev/v1alpha1", "pulsetenants", False),
}


def _path(kind: str, name: str, namespace: str | None) -> str:
    prefix, plural, namespaced = RESOURCES[kind]
    if namespaced:
        return f"{prefix}/namespaces/{namespace}/{plural}/{name}"
    return f"{prefix}/{plural}/{name}"


class KubeApiError(Exception):
    """A refused request (4xx other than 404): permanent for this input."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def _call(
    api: k8s.ApiClient,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
) -> dict[str, Any] | None:
    method_, url, headers, body_, post = api.param_serialize(
        method,
        path,
        query_params=query or [],
        body=body,
        auth_settings=["BearerToken"],
        header_params={"Content-Type": content_type, "Accept": "application/json"},
    )
    try:
        resp = api.call_api(
            method_, url, header_params=headers, body=body_, post_params=post, _request_timeout=30
        )
    except OSError as exc:  # urllib3's connection errors derive from it
        raise BackendUnavailable("kubernetes", f"{method} {path}: {exc}") from None
    data = resp.read()
    if resp.status == 404:
        return None
    if resp.status >= 500 or resp.status == 429:
        raise BackendUnavailable("kubernetes", f"{method} {path}: {resp.status} {resp.reason}")
    if resp.status >= 400:
        try:
            message = json.loads(data).get("message", "")
        except ValueError:
            message = data.decode(errors="replace")[:500] if data else ""
        raise KubeApiError(resp.status, f"{method} {path}: {message}")
    return json.loads(data) if data else None


def apply(api: k8s.ApiClient, obj: dict[str, Any]) -> dict[str, Any]:
    """Server-side apply; identical content is a no-op (no new resourceVersion).
    ``force`` takes fields back from managers that edited them by hand (drift)."""
    meta = obj["metadata"]
    result = _call(
        api,
        "PATCH",
        _path(obj["kind"], meta["name"], meta.get("namespace")),
        body=json.dumps(obj),
        content_type="application/apply-patch+yaml",
        query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
    )
    assert result is not None
    return result


def get(
    api: k8s.ApiClient, kind: str, name: str, namespace: str | None = None
) -> dict[str, Any] | None:
    return _call(api, "GET", _path(kind, name, namespace))


def list_all(api: k8s.ApiClient, kind: str) -> list[dict[str, Any]]:
    """Every object of a cluster-scoped kind (the operator manages few)."""
    prefix, plural, namespaced = RESOURCES[kind]
    assert not namespaced
    result = _call(api, "GET", f"{prefix}/{plural}")
    return list((result or {}).get("items", []))


def post_event(
    api: k8s.ApiClient, obj: dict[str, Any], *, type: str, reason: str, message: str
) -> None:
    """A core/v1 Event about a cluster-scoped object (in ``default``, as kubectl
    describe expects). Posted directly so that any task, not only Kopf's
    handler context, can report."""
    meta = obj["metadata"]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{meta['name']}.", "namespace": "default"},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", "pulse.dev/v1alpha1"),
            "kind": obj.get("kind", "PulseTenant"),
            "name": meta["name"],
            "uid": meta.get("uid"),
        },
        "type": type,
        "reason": reason,
        "message": message[:1024],
        "source": {"component": FIELD_MANAGER},
        "reportingComponent": FIELD_MANAGER,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
    _call(api, "POST", "/api/v1/namespaces/default/events", body=event)


def patch_status(api: k8s.ApiClient, kind: str, name: str, status: dict[str, Any]) -> None:
    _call(
        api,
        "PATCH",
        _path(kind, name, None) + "/status",
        body={"status": status},
        content_type="application/merge-patch+json",
    )
