"""A list-then-watch loop over one kind of object in the world's
kube-apiserver, as an informer runs it: list, hand every item over, follow
the watch from the list's resourceVersion, and list again when the watch
ends (its timeout, a 410 Gone, the apiserver restarting). The ETL fleet
runs two: PulseTenants and the tenants' Secrets."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pulse_testworld.kube import KubeInfo

log = logging.getLogger("pulse_testworld.etl")


def kube_client(kube: KubeInfo, timeout: float | None = 30) -> httpx.Client:
    ctx = ssl.create_default_context(cafile=str(kube.ca_cert))
    ctx.load_cert_chain(str(kube.admin_cert), str(kube.admin_key))
    return httpx.Client(base_url=kube.server, verify=ctx, timeout=timeout)


def retry_after(exc: BaseException) -> float | None:
    """The wait a 429 asks for (Retry-After, 1 s if absent), else None."""
    if not isinstance(exc, httpx.HTTPStatusError) or exc.response.status_code != 429:
        return None
    try:
        return min(max(float(exc.response.headers.get("retry-after", "1")), 0.1), 10.0)
    except ValueError:
        return 1.0


@dataclass
class Restarts:
    """How a watch reports its restarts. A 429 is the apiserver asking to
    come back after Retry-After: right after the CRD is created (every
    ``make dev`` start-up) its storage answers LISTs with "storage is
    (re)initializing" until its watch cache has synced (resilient watch cache
    initialisation, on since Kubernetes 1.31). client-go retries that
    silently, and so does this watch, at debug level. Anything else, or
    429s that go on for more than ``quiet`` attempts in a row, is a warning."""

    quiet: int = 5
    failures: int = 0

    def failed(self, exc: BaseException) -> tuple[int, float]:
        """(log level, seconds to wait before listing again)."""
        self.failures += 1
        wait = retry_after(exc)
        if wait is not None and self.failures <= self.quiet:
            return logging.DEBUG, wait
        return logging.WARNING, 1.0 if wait is None else wait

    def listed(self) -> None:
        self.failures = 0


# (client for further reads, the listed items)
OnList = Callable[[httpx.Client, list[dict[str, Any]]], None]
# (client for further reads, event type, the object)
OnEvent = Callable[[httpx.Client, str, dict[str, Any]], None]


class Watch:
    """Runs ``on_list`` after each list and ``on_event`` for each watch
    event, in a thread of its own, until ``stop``. ``list_params`` narrow
    the list (the watch only needs its resourceVersion for some kinds)."""

    def __init__(
        self,
        kube: KubeInfo,
        path: str,
        what: str,
        on_list: OnList,
        on_event: OnEvent,
        list_params: dict[str, str] | None = None,
    ) -> None:
        self.kube, self.path, self.what = kube, path, what
        self.on_list, self.on_event = on_list, on_event
        self.list_params = list_params or {}
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._loop, name=f"watch-{what}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        # Closing the client does not wake a read blocked on a quiet watch;
        # shutting its socket down does. The watch must end, not only be
        # abandoned: kube-apiserver waits for open watches before it exits.
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        # Should the shutdown have missed (a watch opening just now), the
        # callers refuse to act once stopping: waiting longer buys nothing.
        self._thread.join(timeout=2)

    def _loop(self) -> None:
        restarts = Restarts()
        while not self._stop.is_set():
            try:
                with kube_client(self.kube) as http:
                    listing = http.get(self.path, params=self.list_params)
                    listing.raise_for_status()
                    restarts.listed()
                    body = listing.json()
                    self.on_list(http, body["items"])
                    self._follow(http, body["metadata"]["resourceVersion"])
            except Exception as exc:  # the apiserver restarting or initialising
                if not self._stop.is_set():
                    level, wait = restarts.failed(exc)
                    log.log(level, "%s watch restarts: %s", self.what, exc)
                    self._stop.wait(wait)

    def _follow(self, http: httpx.Client, version: str) -> None:
        params = {"watch": "1", "resourceVersion": version, "timeoutSeconds": "60"}
        with (
            kube_client(self.kube, timeout=None) as watch,
            watch.stream("GET", self.path, params=params) as stream,
        ):
            self._socket = stream.extensions["network_stream"].get_extra_info("socket")
            if self._stop.is_set():
                return
            for line in stream.iter_lines():
                if self._stop.is_set():
                    return
                if not line:
                    continue
                event = json.loads(line)
                if event["type"] == "ERROR":
                    return  # e.g. 410 Gone: list again
                self.on_event(http, event["type"], event["object"])
