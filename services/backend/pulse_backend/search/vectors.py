"""The backend's Qdrant clients: one per tenant, each with a short-lived
token for that tenant's collection alone (read-only for search) (minted with the
platform key, which itself never goes to Qdrant from here)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Literal

from qdrant_client import QdrantClient

from pulse_common import vectorstore
from pulse_common.search.vectors import collection_token
from pulse_common.tenancy import TenantNames

TOKEN_TTL = dt.timedelta(minutes=10)
RENEW_BEFORE = dt.timedelta(minutes=1)


@dataclass
class _Entry:
    client: QdrantClient
    expires: dt.datetime


class TenantVectors:
    """``access="rw"`` only for the indexer, which writes the vectors of
    tenants whose collection needs a provider (``indexer``)."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        timeout: int = 5,
        access: Literal["r", "rw"] = "r",
    ) -> None:
        self._url = url
        self._key = api_key
        self._timeout = timeout
        self._access: Literal["r", "rw"] = access
        self._lock = threading.Lock()
        self._clients: dict[str, _Entry] = {}

    def client(self, names: TenantNames) -> QdrantClient:
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            entry = self._clients.get(names.slug)
            if entry is not None and entry.expires - RENEW_BEFORE > now:
                return entry.client
            token = (
                collection_token(
                    self._key,
                    names.collection,
                    names.slug,
                    ttl=TOKEN_TTL,
                    now=now,
                    access=self._access,
                )
                if self._key and not _local(self._url)
                else None
            )
            client = vectorstore.connect(self._url, token, timeout=self._timeout)
            self._clients[names.slug] = _Entry(client, now + TOKEN_TTL)
            if entry is not None:
                entry.client.close()
            return client

    def close(self) -> None:
        with self._lock:
            for entry in self._clients.values():
                entry.client.close()
            self._clients.clear()


def _local(url: str) -> bool:
    return url == ":memory:" or url.startswith("path:")
