"""A local HTTP server speaking the OpenAI API shape (``GET /v1/models``,
``POST /v1/embeddings``, and Azure's ``/openai/...?api-version=``), with
bearer or ``api-key`` authentication, for the provider "test connection"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class FakeOpenAI:
    api_key: str
    models: list[str]
    dimensions: int = 8
    delay_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            auth = self.headers.get("Authorization", "")
            return auth == f"Bearer {state.api_key}" or self.headers.get("api-key") == state.api_key

        def _record(self, body: Any = None) -> str:
            path = urlsplit(self.path).path
            state.requests.append({"method": self.command, "path": self.path, "body": body})
            if state.delay_seconds:
                time.sleep(state.delay_seconds)
            return path

        def do_GET(self) -> None:
            path = self._record()
            if not self._authorized():
                self._reply(
                    401,
                    {
                        "error": {
                            "message": "Incorrect API key provided",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    },
                )
            elif path.endswith("/models"):
                self._reply(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {"id": m, "object": "model", "owned_by": "test"} for m in state.models
                        ],
                    },
                )
            else:
                self._reply(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = self._record(body)
            if not self._authorized():
                self._reply(401, {"error": {"message": "Incorrect API key provided"}})
            elif path.endswith("/embeddings"):
                vector = [0.1] * state.dimensions
                self._reply(
                    200,
                    {
                        "object": "list",
                        "data": [{"object": "embedding", "index": 0, "embedding": vector}],
                        "model": body.get("model"),
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    },
                )
            else:
                self._reply(404, {"error": {"message": "not found"}})

    return Handler


@contextmanager
def fake_openai(api_key: str, models: list[str], **kwargs: Any) -> Iterator[FakeOpenAI]:
    state = FakeOpenAI(api_key=api_key, models=models, **kwargs)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
