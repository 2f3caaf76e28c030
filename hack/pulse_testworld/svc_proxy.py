"""Cluster DNS outside a cluster: an HTTP forward proxy (the backend and the
ETL processes get ``HTTP_PROXY``) that sends ``http://pulse-etl.tenant-<slug>
.svc[.cluster.local]:8000/...``, the tenant ETL Service's address as the
operator names it, to that tenant's ETL process, and the backend Service's
address (the ConfigMap's ``PULSE_BACKEND_URL``: the ETL reads the backend's
JWKS there) to the backend. URLs built from Service names work unchanged; any
other host is a 502 (nothing else is reachable here)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

SERVICE = re.compile(r"^pulse-etl\.tenant-([a-z0-9-]+)\.svc(?:\.cluster\.local)?$")
BACKEND = re.compile(r"^pulse-backend\.[a-z0-9-]+\.svc(?:\.cluster\.local)?$")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}


def _handler(
    resolve: Callable[[str], str | None], backend: Callable[[], str | None]
) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            target = urlsplit(self.path)
            host = target.hostname or (self.headers.get("Host") or "").split(":")[0]
            match = SERVICE.match(host)
            base = resolve(match.group(1)) if match else None
            if BACKEND.match(host):
                match, base = BACKEND.match(host), backend()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if base is None:
                why = (
                    "nothing serves this Service yet" if match else f"{host} is not a Service here"
                )
                self._reply(502, {"content-type": "text/plain"}, why.encode())
                return
            path = target.path + (f"?{target.query}" if target.query else "")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                resp = httpx.request(
                    self.command, base + path, headers=headers, content=body, timeout=60
                )
            except httpx.HTTPError as exc:
                self._reply(502, {"content-type": "text/plain"}, str(exc).encode())
                return
            kept = {k: v for k, v in resp.headers.items() if k.lower() not in HOP_BY_HOP}
            kept.pop("content-length", None)
            self._reply(resp.status_code, kept, resp.content)

        def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass  # the ETL logs its own requests

    return Forward


class ServiceProxy:
    """``resolve(slug)``: that tenant's ETL URL; ``backend_url``: set once the
    backend runs."""

    def __init__(self, resolve: Callable[[str], str | None]) -> None:
        self.backend_url: str | None = None
        handler = _handler(resolve, lambda: self.backend_url)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ServiceProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
