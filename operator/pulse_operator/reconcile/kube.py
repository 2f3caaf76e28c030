"""A small client for the few Kubernetes REST calls the operator makes:
server-side apply, get, list and watch, status patches and Events, over
httpx against the documented REST API (no private internals of a client
library, no model objects: plain JSON in and out).

A static table instead of discovery: the operator knows exactly what it
manages, and every call stays one HTTP request. Every request is counted by
verb, so that a drift pass can say what it cost (see ``KubeClient.requests``).
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import ssl
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import kopf

from pulse_common.errors import BackendUnavailable

FIELD_MANAGER = "pulse-operator"
SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")

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
TRANSIENT = frozenset({429, 500, 502, 503, 504})


def object_path(kind: str, name: str, namespace: str | None) -> str:
    prefix, plural, namespaced = RESOURCES[kind]
    if namespaced:
        return f"{prefix}/namespaces/{namespace}/{plural}/{name}"
    return f"{prefix}/{plural}/{name}"


def collection_path(kind: str) -> str:
    """Every object of ``kind`` in every namespace (for list and watch)."""
    prefix, plural, _ = RESOURCES[kind]
    return f"{prefix}/{plural}"


class KubeApiError(Exception):
    """A refused request (4xx other than 404): permanent for this input."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def _pem(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64decode(raw).decode() if not raw.lstrip().startswith(b"-----") else raw.decode()


def ssl_context(info: kopf.ConnectionInfo) -> ssl.SSLContext:
    """TLS from a kubeconfig or a service account (Kopf's readers)."""
    ctx = ssl.create_default_context(
        cafile=os.fspath(info.ca_path) if info.ca_path else None,
        cadata=_pem(info.ca_data) if info.ca_data else None,
    )
    if info.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if info.certificate_path and info.private_key_path:
        ctx.load_cert_chain(os.fspath(info.certificate_path), os.fspath(info.private_key_path))
    elif info.certificate_data and info.private_key_data:
        # ssl loads client certificates from files only: a private folder,
        # removed as soon as they are loaded.
        with tempfile.TemporaryDirectory(prefix="pulse-op-") as tmp:
            cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
            cert.write_text(_pem(info.certificate_data))
            key.touch(mode=0o600)
            key.write_text(_pem(info.private_key_data))
            ctx.load_cert_chain(cert, key)
    return ctx


class KubeClient:
    """One connection pool for the operator's synchronous calls (reconciles run
    in threads); ``async_client()`` gives the watch cache its own."""

    def __init__(self, info: kopf.ConnectionInfo, *, timeout: float = 30.0) -> None:
        self.server = info.server.rstrip("/")
        self._ctx = ssl_context(info)
        self._token = info.token
        # In a pod the service account token is rotated on disk: read it per request.
        self._token_file = (
            SERVICE_ACCOUNT_TOKEN
            if info.token and SERVICE_ACCOUNT_TOKEN.exists() and not info.certificate_data
            else None
        )
        self._timeout = httpx.Timeout(timeout, connect=5.0)
        self._http = httpx.Client(
            base_url=self.server,
            verify=self._ctx,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
        )
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()

    def headers(self) -> dict[str, str]:
        token = self._token_file.read_text().strip() if self._token_file else self._token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def count(self, verb: str) -> None:
        with self._lock:
            self.requests[verb] += 1

    def async_client(self, timeout: float | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.server,
            verify=self._ctx,
            timeout=httpx.Timeout(timeout, connect=5.0) if timeout else self._timeout,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        content_type: str = "application/json",
        verb: str | None = None,
    ) -> dict[str, Any] | None:
        self.count(verb or method)
        headers = {**self.headers(), "Accept": "application/json", "Content-Type": content_type}
        content = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
        try:
            resp = self._http.request(method, path, params=query, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise BackendUnavailable("kubernetes", f"{method} {path}: {exc!r}") from None
        return checked(resp, method, path)

    def close(self) -> None:
        self._http.close()


def checked(resp: httpx.Response, method: str, path: str) -> dict[str, Any] | None:
    """The JSON body; None for 404; an outage or a refusal as an exception."""
    if resp.status_code == 404:
        return None
    if resp.status_code in TRANSIENT:
        raise BackendUnavailable("kubernetes", f"{method} {path}: {resp.status_code}")
    if resp.status_code >= 400:
        try:
            message = resp.json().get("message", "")
        except ValueError:
            message = resp.text[:500]
        raise KubeApiError(resp.status_code, f"{method} {path}: {message}")
    return resp.json() if resp.content else None


def apply(api: KubeClient, obj: dict[str, Any]) -> dict[str, Any]:
    """Server-side apply. ``force`` takes fields back from managers that
    edited them by hand (drift)."""
    meta = obj["metadata"]
    result = api.call(
        "PATCH",
        object_path(obj["kind"], meta["name"], meta.get("namespace")),
        body=json.dumps(obj),
        content_type="application/apply-patch+yaml",
        query={"fieldManager": FIELD_MANAGER, "force": "true"},
    )
    assert result is not None
    return result


def get(
    api: KubeClient, kind: str, name: str, namespace: str | None = None
) -> dict[str, Any] | None:
    return api.call("GET", object_path(kind, name, namespace))


def list_all(api: KubeClient, kind: str) -> list[dict[str, Any]]:
    result = api.call("GET", collection_path(kind), verb="LIST")
    return list((result or {}).get("items", []))


def post_event(
    api: KubeClient, obj: dict[str, Any], *, type: str, reason: str, message: str
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
    api.call("POST", "/api/v1/namespaces/default/events", body=event)


def patch_status(
    api: KubeClient, kind: str, name: str, status: dict[str, Any]
) -> dict[str, Any] | None:
    return api.call(
        "PATCH",
        object_path(kind, name, None) + "/status",
        body={"status": status},
        content_type="application/merge-patch+json",
    )
