"""What the API server holds for the operator's kinds, kept current by
list + watch (one stream per kind; the children selected by the operator's
label on the server), so that a drift pass reads from memory and sends a
request only where an object differs from what it should be.

Only what is compared is kept: ``managedFields`` (the largest part of a
server-side applied object) and the children's ``status`` are dropped. Each
object is kept as its compact JSON, zlib-compressed, parsed when read: as
nested dicts the ~11 objects of a tenant took ~5x their JSON size (over 100
KB per tenant, 50 MB at 500 tenants); as plain JSON they still were the
largest live growth per tenant under tracemalloc (18 KB of 87 KB), and a
drift pass reads each at most once (a few microseconds to inflate). Readers
get their own copy, so nothing can change the cache by mutating what it
returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections import Counter
from typing import Any

import httpx
import structlog

from pulse_common.errors import PulseError
from pulse_operator.reconcile import kube

log = structlog.get_logger("pulse_operator")

CHILD_KINDS = (
    "Namespace",
    "ResourceQuota",
    "ServiceAccount",
    "ConfigMap",
    "Secret",
    "NetworkPolicy",
    "Service",
    "Deployment",
)
MANAGED = "app.kubernetes.io/managed-by=pulse-operator"
# The server ends a watch after this long; a new one resumes from the last version.
WATCH_SECONDS = 270

Key = tuple[str | None, str]  # (namespace, name)


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    keep_status = obj.get("kind") == "PulseTenant"
    out = {k: v for k, v in obj.items() if k != "metadata" and (keep_status or k != "status")}
    out["metadata"] = meta
    return out


def _pack(obj: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(slim(obj), separators=(",", ":")).encode(), 1)


def _unpack(packed: bytes) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(zlib.decompress(packed))
    return obj


def _key(obj: dict[str, Any]) -> Key:
    return obj["metadata"].get("namespace"), obj["metadata"]["name"]


class WatchCache:
    """``kinds``: kind -> label selector (None: every object of the kind)."""

    def __init__(self, api: kube.KubeClient, kinds: dict[str, str | None]) -> None:
        self._api = api
        self._selectors = kinds
        self._store: dict[str, dict[Key, bytes]] = {k: {} for k in kinds}
        self._synced: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.requests: Counter[str] = Counter()  # LIST and WATCH

    @classmethod
    def for_operator(cls, api: kube.KubeClient) -> WatchCache:
        return cls(api, {"PulseTenant": None, **dict.fromkeys(CHILD_KINDS, MANAGED)})

    def watches(self, kind: str) -> bool:
        return kind in self._store

    def synced(self, kind: str) -> bool:
        event = self._synced.get(kind)
        return event is not None and event.is_set()

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        packed = self._store[kind].get((namespace, name))
        return None if packed is None else _unpack(packed)

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [_unpack(packed) for packed in list(self._store[kind].values())]

    def put(self, obj: dict[str, Any]) -> None:
        """What a write returned, so that the next read sees it even before
        the watch delivers it."""
        store = self._store.get(obj.get("kind", ""))
        if store is not None:
            store[_key(obj)] = _pack(obj)

    def size(self) -> dict[str, int]:
        return {kind: len(objs) for kind, objs in self._store.items()}

    def stored_bytes(self) -> int:
        return sum(len(p) for objs in self._store.values() for p in objs.values())

    async def start(self) -> None:
        """Starts one watch per kind and returns once every kind is listed
        (callers bound the wait with ``asyncio.timeout``)."""
        for kind in self._store:
            self._synced[kind] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._run(kind), name=f"pulse-watch-{kind}"))
        await asyncio.gather(*(e.wait() for e in self._synced.values()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _run(self, kind: str) -> None:
        delay = 1.0
        async with self._api.async_client(timeout=WATCH_SECONDS + 30) as http:
            while True:
                try:
                    version: str | None = await self._list(http, kind)
                    self._synced[kind].set()
                    while version is not None:
                        version = await self._watch(http, kind, version)
                    delay = 1.0  # expired (410): list again
                except (
                    httpx.HTTPError,
                    PulseError,
                    kube.KubeApiError,
                    ValueError,
                    KeyError,
                ) as exc:
                    log.warning("watch interrupted", kind=kind, error=repr(exc), retry_in=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)

    def _params(self, kind: str) -> dict[str, str]:
        selector = self._selectors[kind]
        return {"labelSelector": selector} if selector else {}

    async def _list(self, http: httpx.AsyncClient, kind: str) -> str:
        self.requests["LIST"] += 1
        path = kube.collection_path(kind)
        resp = await http.get(path, params=self._params(kind), headers=self._api.headers())
        body = kube.checked(resp, "GET", path) or {}
        fresh = {}
        for item in body.get("items", []):
            # List items carry neither: the manifests compared with them do.
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", body.get("apiVersion"))
            fresh[_key(item)] = _pack(item)
        self._store[kind] = fresh
        return str(body["metadata"]["resourceVersion"])

    async def _watch(self, http: httpx.AsyncClient, kind: str, version: str) -> str | None:
        """Follows one watch; the version to resume from, or None to list again."""
        self.requests["WATCH"] += 1
        params = {
            **self._params(kind),
            "watch": "true",
            "resourceVersion": version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(WATCH_SECONDS),
        }
        path = kube.collection_path(kind)
        async with http.stream("GET", path, params=params, headers=self._api.headers()) as resp:
            if resp.status_code == 410:
                return None
            if resp.status_code >= 400:
                await resp.aread()
                kube.checked(resp, "GET", path)
            async for line in resp.aiter_lines():
                if not line:
                    continue
                event = json.loads(line)
                version = self._apply_event(kind, event["type"], event["object"])
                if not version:
                    return None
        return version

    def _apply_event(self, kind: str, type_: str, obj: dict[str, Any]) -> str:
        """Returns the new resource version; "" when the watch expired."""
        if type_ == "ERROR":
            if obj.get("code") == 410:
                return ""
            raise ValueError(f"watch of {kind}: {obj.get('message')}")
        store = self._store[kind]
        if type_ == "DELETED":
            store.pop(_key(obj), None)
        elif type_ in ("ADDED", "MODIFIED"):
            obj.setdefault("kind", kind)
            store[_key(obj)] = _pack(obj)
        return str(obj["metadata"]["resourceVersion"])
