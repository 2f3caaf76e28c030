"""A scripted OpenAI-compatible chat-completions server (the LLM is the one
external service the tests simulate): each request takes the next scripted
turn (text, tool calls, or an HTTP error) and answers it in OpenAI's shape,
as JSON or, with ``stream: true``, as server-sent chunks. Requests are
recorded so tests can see what the agent sent (prompts, tool results)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Turn:
    content: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200


@dataclass
class FakeLLM:
    model: str = "fake-gpt"
    script: list[Turn] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def say(self, content: str) -> FakeLLM:
        self.script.append(Turn(content=content))
        return self

    def call(self, name: str, **arguments: Any) -> FakeLLM:
        self.script.append(Turn(tool_calls=[(name, arguments)]))
        return self

    def fail(self, status: int = 500) -> FakeLLM:
        self.script.append(Turn(status=status))
        return self


def _tool_calls(turn: Turn, n: int) -> list[dict[str, Any]]:
    return [
        {
            "index": i,
            "id": f"call_{n}_{i}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        for i, (name, args) in enumerate(turn.tool_calls)
    ]


def _handler(state: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            state.requests.append(body)
            n = len(state.requests)
            if self.path != "/v1/chat/completions" or not state.script:
                self._json(404, {"error": {"message": "no scripted turn", "type": "not_found"}})
                return
            turn = state.script.pop(0)
            if turn.status != 200:
                self._json(turn.status, {"error": {"message": "scripted failure"}})
                return
            calls = _tool_calls(turn, n)
            finish = "tool_calls" if calls else "stop"
            if not body.get("stream"):
                message = {"role": "assistant", "content": turn.content or None}
                if calls:
                    message["tool_calls"] = [
                        {k: v for k, v in c.items() if k != "index"} for c in calls
                    ]
                self._json(
                    200,
                    {
                        "id": f"chatcmpl-{n}",
                        "object": "chat.completion",
                        "model": state.model,
                        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
                    },
                )
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = turn.content.split(" ") if turn.content else []
            deltas: list[dict[str, Any]] = [
                {"content": w if i == 0 else " " + w} for i, w in enumerate(words)
            ]
            if calls:
                deltas.append({"tool_calls": calls})
            for d in deltas:
                chunk = {
                    "id": f"chatcmpl-{n}",
                    "object": "chat.completion.chunk",
                    "model": state.model,
                    "choices": [{"index": 0, "delta": d, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            last = {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())

    return Handler


@contextmanager
def serve(state: FakeLLM) -> Iterator[FakeLLM]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
