"""Runs a local server in a background thread (uvicorn on a loopback port
chosen by the OS), for tests and benchmarks; ``python -m pulse_fakes`` runs
both in the foreground for ``make dev``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from pulse_fakes import gateway, github, jira
from pulse_fakes.app import FakeApi, RateLimit
from pulse_fakes.data import GithubOrg, JiraOrg
from pulse_fakes.faults import FaultPlan
from pulse_fakes.jira import JiraState


def start_uvicorn(
    app: Callable[..., Any], port: int = 0, tls: tuple[Path, Path] | None = None
) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Serves ``app`` on a loopback port (0: chosen by the OS) in a daemon
    thread, over https with ``tls`` (certificate, key); returns once it
    accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = int(sock.getsockname()[1])
    cert, key = tls or (None, None)
    config = uvicorn.Config(
        app,
        log_level="critical",
        access_log=False,
        lifespan="off",
        ssl_certfile=cert,
        ssl_keyfile=key,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"local server on port {port} did not start")
        time.sleep(0.01)
    return server, thread, port


@dataclass
class FakeServer:
    api: FakeApi
    port: int = 0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    jira_state: JiraState | None = field(default=None)
    gateway_state: gateway.GatewayState | None = field(default=None)
    # (certificate, key): serve https, as the real APIs do (make dev; a
    # PulseTenant's baseUrl must be https).
    tls: tuple[Path, Path] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def plan(self) -> FaultPlan:
        return self.api.plan

    def start(self) -> FakeServer:
        self._server, self._thread, self.port = start_uvicorn(self.api, self.port, self.tls)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_jira(
    org: JiraOrg,
    *,
    email: str = "etl@acme.example",
    token: str = "jira-token",  # noqa: S107 - the local server's own test credential
    limit: RateLimit | None = None,
    embedded_changelog: int = 100,
    latency: float = 0.0,
    port: int = 0,
    tls: tuple[Path, Path] | None = None,
) -> FakeServer:
    api, state = jira.build(
        org, email=email, token=token, plan=FaultPlan(), embedded_changelog=embedded_changelog
    )
    api.limit, api.latency = limit, latency
    if limit is not None:
        limit.style = "jira"
    return FakeServer(api, port, jira_state=state, tls=tls).start()


def serve_github(
    org: GithubOrg,
    *,
    token: str = "github-token",  # noqa: S107 - the local server's own test credential
    limit: RateLimit | None = None,
    latency: float = 0.0,
    port: int = 0,
    tls: tuple[Path, Path] | None = None,
) -> FakeServer:
    api = github.build(org, token=token, plan=FaultPlan())
    # GitHub always answers with its rate-limit headers.
    api.limit, api.latency = limit or RateLimit(5000, 3600.0), latency
    api.limit.style = "github"
    return FakeServer(api, port, tls=tls).start()


def serve_gateway(
    state: gateway.GatewayState | None = None, *, latency: float = 0.0, port: int = 0
) -> FakeServer:
    """The local OpenAI-compatible gateway; its base URL for clients is
    ``server.url + "/v1"``."""
    state = state or gateway.GatewayState()
    api = gateway.build(state, FaultPlan())
    api.latency = latency
    return FakeServer(api, port, gateway_state=state).start()
