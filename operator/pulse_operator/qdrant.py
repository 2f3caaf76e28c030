"""The operator's Qdrant client: the few admin calls of
``pulse_common.vector_admin.VectorAdmin`` over Qdrant's REST API with httpx.

Why not qdrant-client: it loads grpc and numpy (~54 MB of the operator's
RSS) for about five requests per tenant. Shapes are Qdrant's REST API
(``/collections/{name}``, ``/collections/{name}/points``...): answers come
as ``{"result": ..., "status": "ok"}``, errors as ``{"status": {"error":
"..."}}``. Transport failures and 429/5xx answers raise
``BackendUnavailable("qdrant", ...)`` (an outage, retried with backoff);
other refusals raise ``VectorStoreRefused`` (permanent for that input); a
404 means "not there" where the call allows it.
"""

from __future__ import annotations

from typing import Any

import httpx

from pulse_common.errors import BackendUnavailable
from pulse_common.vector_admin import DISTANCES, Collection, VectorStoreRefused

# HTTP statuses after which the same request can succeed later.
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})


class QdrantRest:
    def __init__(self, url: str, api_key: str | None, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"qdrant_url must be an http(s) URL of a Qdrant server, not {url!r}")
        headers = {"api-key": api_key} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _send(
        self, what: str, method: str, path: str, body: Any = None, *, missing: bool = False
    ) -> Any:
        """The answer's ``result``; None for a 404 when ``missing`` allows it."""
        try:
            resp = self._http.request(method, path, json=body)
        except httpx.TransportError as exc:
            raise BackendUnavailable("qdrant", f"{what}: {type(exc).__name__}: {exc}") from None
        if resp.status_code == 404 and missing:
            return None
        if resp.status_code in TRANSIENT:
            raise BackendUnavailable("qdrant", f"{what}: HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise VectorStoreRefused(resp.status_code, f"{what}: {_error(resp)}")
        try:
            return resp.json().get("result")
        except ValueError:
            raise BackendUnavailable("qdrant", f"{what}: the answer is not JSON") from None

    def collection(self, name: str) -> Collection | None:
        info = self._send("get_collection", "GET", f"/collections/{name}", missing=True)
        if info is None:
            return None
        config = info.get("config") or {}
        vectors = (config.get("params") or {}).get("vectors") or {}
        size, distance = 0, ""
        if "size" in vectors:  # the unnamed vector; named ones are not ours
            size, distance = int(vectors["size"]), str(vectors.get("distance", ""))
        return Collection(size, distance, dict(config.get("metadata") or {}))

    def create_collection(
        self, name: str, vectors: tuple[int, str] | None, metadata: dict[str, Any] | None
    ) -> None:
        body: dict[str, Any] = {"vectors": {}}
        if vectors is not None:
            if vectors[1] not in DISTANCES:
                raise ValueError(f"distance must be one of {DISTANCES}, not {vectors[1]!r}")
            body["vectors"] = {"size": vectors[0], "distance": vectors[1]}
        if metadata is not None:
            body["metadata"] = metadata
        self._send("create_collection", "PUT", f"/collections/{name}", body)

    def set_metadata(self, name: str, metadata: dict[str, Any]) -> None:
        self._send("update_collection", "PATCH", f"/collections/{name}", {"metadata": metadata})

    def delete_collection(self, name: str) -> None:
        self._send("delete_collection", "DELETE", f"/collections/{name}", missing=True)

    def payload(self, collection: str, point_id: str) -> dict[str, Any] | None:
        found = self._send(
            "retrieve",
            "POST",
            f"/collections/{collection}/points",
            {"ids": [point_id], "with_payload": True, "with_vector": False},
            missing=True,
        )
        if not found:
            return None
        return dict(found[0].get("payload") or {})

    def put_payload(self, collection: str, point_id: str, payload: dict[str, Any]) -> None:
        point = {"id": point_id, "vector": {}, "payload": payload}
        self._send(
            "upsert", "PUT", f"/collections/{collection}/points?wait=true", {"points": [point]}
        )

    def delete_point(self, collection: str, point_id: str) -> None:
        self._send(
            "delete",
            "POST",
            f"/collections/{collection}/points/delete?wait=true",
            {"points": [point_id]},
            missing=True,
        )


def _error(resp: httpx.Response) -> str:
    """Qdrant's error text (first line), never the request."""
    try:
        status = resp.json().get("status")
    except ValueError:
        return f"HTTP {resp.status_code}"
    message = status.get("error") if isinstance(status, dict) else None
    lines = str(message or f"HTTP {resp.status_code}").strip().splitlines()
    return lines[0] if lines else f"HTTP {resp.status_code}"
