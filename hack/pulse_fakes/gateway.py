"""A local OpenAI-compatible AI gateway, for tests, benchmarks and ``make dev``.

Follows OpenAI's API reference (platform.openai.com/docs/api-reference):

- ``POST /v1/chat/completions``: a ``chat.completion`` with
  ``choices[0].message`` holding ``content``, or ``tool_calls`` of ``type:
  function`` whose ``arguments`` is a JSON *string* (and ``content: null``);
  ``finish_reason`` ``stop``/``tool_calls``; ``usage``. With ``stream: true``:
  Server-Sent Events of ``chat.completion.chunk`` objects: the first delta
  carries ``role``, then ``content`` pieces, or ``tool_calls`` deltas keyed by
  ``index`` (``id``, ``type`` and ``function.name`` first, then
  ``function.arguments`` in fragments), then an empty delta with
  ``finish_reason``; with ``stream_options.include_usage`` a last chunk with
  ``choices: []`` and ``usage``; the stream ends ``data: [DONE]``.
- ``POST /v1/embeddings``: ``input`` a string or a list of strings; answers
  ``{"object": "list", "data": [{"object": "embedding", "index",
  "embedding"}], "model", "usage"}``; ``dimensions`` is honoured.
- ``GET /v1/models``: ``{"object": "list", "data": [{"id", "object":
  "model", "created", "owned_by"}]}``.
- Azure OpenAI: ``/openai/deployments/{name}/chat/completions`` and
  ``.../embeddings`` with the same bodies and the ``api-key`` header
  (``api-version`` is accepted, not checked); ``/openai/models``.

Authentication: ``Authorization: Bearer <key>`` or Azure's ``api-key``; else
401 ``invalid_api_key``. Errors use OpenAI's body
``{"error": {"message", "type", "param", "code"}}``; a missing ``model`` or
``messages`` is a 400 naming the ``param``.

Simplified: tokens are counted as whitespace-separated words; embeddings are
deterministic unit vectors derived from a hash of the text (``embedder=
"hash"``, no meaning) or the real all-MiniLM-L6-v2 (``embedder="local"``,
lifted to the request's ``dimensions`` or the state's ``dimension`` by a
fixed orthonormal basis, which keeps every cosine: a provider's larger model
with the same neighbours); answers are scripted, or by default echo the last user
message (``echo: ...``) so that an unscripted exchange is still checkable.

Test control (no auth, loopback only): ``POST /admin/script`` queues answers
(``{"answers": [{"content": "..."} | {"tool_calls": [{"name", "arguments"}]}]}``),
``POST /admin/faults`` injects faults from ``pulse_fakes.faults`` (``{"path",
"kind", "status", "retry_after", "delay", "field", "times"}``: 429 with
Retry-After, 500, a slow answer, a malformed body), ``POST /admin/reset``,
``GET /admin/requests`` (the bodies received). In-process tests use
``serve_gateway()`` and the ``GatewayState`` directly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from pulse_fakes.app import FakeApi, Reply, route
from pulse_fakes.faults import Fault, FaultPlan

V1 = r"(?:/v1|/openai/deployments/[^/]+)"


@dataclass
class Sse:
    """A streamed answer: each item becomes one ``data:`` event."""

    events: list[dict[str, Any]]


@dataclass
class GatewayState:
    api_key: str = "gateway-key"  # the local server's own test key
    models: list[str] = field(default_factory=lambda: ["pulse-chat", "pulse-embed"])
    dimension: int = 1536
    embedder: Literal["hash", "local"] = "hash"
    answers: deque[dict[str, Any]] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *answers: dict[str, Any]) -> None:
        with self._lock:
            self.answers.extend(answers)

    def next_answer(self, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            if self.answers:
                return self.answers.popleft()
        last: dict[str, Any] = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        return {"content": f"echo: {last.get('content') or ''}"}

    def log(self, path: str, body: Any) -> None:
        with self._lock:
            self.requests.append({"path": path, "body": body})


def _error(status: int, message: str, param: str | None = None) -> dict[str, Any]:
    kind = {401: "invalid_request_error", 429: "requests", 404: "invalid_request_error"}
    code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    return {
        "error": {
            "message": message,
            "type": kind.get(status, "server_error" if status >= 500 else "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


def _tokens(text: str) -> int:
    return len(text.split())


def hash_vector(text: str, dimension: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    v = np.random.default_rng(seed).standard_normal(dimension)
    return [float(x) for x in v / np.linalg.norm(v)]


def _tool_calls(answer: dict[str, Any], stamp: str) -> list[dict[str, Any]]:
    return [
        {
            "id": c.get("id") or f"call_{stamp}_{i}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))},
        }
        for i, c in enumerate(answer.get("tool_calls") or [])
    ]


def _completion(model: str, answer: dict[str, Any], prompt: int, stamp: str) -> dict[str, Any]:
    calls = _tool_calls(answer, stamp)
    content = None if calls else str(answer.get("content", ""))
    completion = _tokens(content or "") + sum(_tokens(c["function"]["arguments"]) for c in calls)
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{stamp}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _chunks(full: dict[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    base = {k: full[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    message = full["choices"][0]["message"]

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        }

    out = [chunk({"role": "assistant", "content": ""})]
    for i, call in enumerate(message.get("tool_calls") or []):
        args = call["function"]["arguments"]
        head = {"index": i, "id": call["id"], "type": "function"}
        out.append(
            chunk(
                {
                    "tool_calls": [
                        head | {"function": {"name": call["function"]["name"], "arguments": ""}}
                    ]
                }
            )
        )
        for start in range(0, len(args), 8):
            piece = {"index": i, "function": {"arguments": args[start : start + 8]}}
            out.append(chunk({"tool_calls": [piece]}))
    for word in re.findall(r"\S+\s*", message.get("content") or ""):
        out.append(chunk({"content": word}))
    out.append(chunk({}, full["choices"][0]["finish_reason"]))
    if include_usage:
        out.append(base | {"choices": [], "usage": full["usage"]})
    return out


def build(state: GatewayState, plan: FaultPlan) -> GatewayApi:
    counter = iter(range(1, 1 << 62))

    @route("POST", rf"{V1}/chat/completions")
    async def chat(request: Request, _: re.Match[str]) -> Reply:
        body = await _logged_body(request, state)
        if isinstance(body, Reply):
            return body
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return Reply(_error(400, "you must provide a messages parameter", "messages"), 400)
        model = body.get("model") or request.url.path.split("/")[3]
        prompt = sum(_tokens(str(m.get("content") or "")) for m in messages if isinstance(m, dict))
        full = _completion(str(model), state.next_answer(messages), prompt, f"{next(counter):06d}")
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return Reply(Sse(_chunks(full, usage)))
        return Reply(full)

    @route("POST", rf"{V1}/embeddings")
    async def embeddings(request: Request, _: re.Match[str]) -> Reply:
        body = await _logged_body(request, state)
        if isinstance(body, Reply):
            return body
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or not texts:
            return Reply(_error(400, "'input' must be a string or a list of strings", "input"), 400)
        vectors = _embed(state, texts, body.get("dimensions"))
        used = sum(_tokens(t) for t in texts)
        return Reply(
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": v}
                    for i, v in enumerate(vectors)
                ],
                "model": body.get("model") or "pulse-embed",
                "usage": {"prompt_tokens": used, "total_tokens": used},
            }
        )

    @route("GET", r"(?:/v1|/openai)/models")
    async def models(_r: Request, _m: re.Match[str]) -> Reply:
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "pulse"} for m in state.models
        ]
        return Reply({"object": "list", "data": data})

    @route("POST", r"/admin/script")
    async def script(request: Request, _: re.Match[str]) -> Reply:
        body = await _json(request)
        state.script(*(body or {}).get("answers", []))
        return Reply({"queued": len(state.answers)})

    @route("POST", r"/admin/faults")
    async def faults(request: Request, _: re.Match[str]) -> Reply:
        plan.add(Fault(**(await _json(request))))
        return Reply({"faults": len(plan.faults)})

    @route("POST", r"/admin/reset")
    async def reset(_r: Request, _m: re.Match[str]) -> Reply:
        plan.clear()
        with state._lock:
            state.answers.clear()
            state.requests.clear()
        return Reply({"reset": True})

    @route("GET", r"/admin/requests")
    async def requests(_r: Request, _m: re.Match[str]) -> Reply:
        return Reply({"requests": list(state.requests)})

    return GatewayApi(
        routes=[chat, embeddings, models, script, faults, reset, requests],
        accepts=lambda _: True,
        error_body=lambda status, message: _error(status, message),
        plan=plan,
        state=state,
    )


async def _logged_body(request: Request, state: GatewayState) -> dict[str, Any] | Reply:
    body = await _json(request)
    if not isinstance(body, dict):
        return Reply(_error(400, "We could not parse the JSON body of your request."), 400)
    state.log(request.url.path, body)
    return body


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except json.JSONDecodeError:
        return None


def _embed(state: GatewayState, texts: list[str], dimensions: Any) -> list[list[float]]:
    size = dimensions if isinstance(dimensions, int) and 0 < dimensions <= 4096 else state.dimension
    if state.embedder == "local":
        from pulse_common.ai.embeddings import local_embedder

        return [lift(v, size) for v in local_embedder().embed(texts)]
    return [hash_vector(t, size) for t in texts]


@functools.cache
def _basis(source: int, size: int) -> Any:
    """``size`` x ``source`` with orthonormal columns (fixed seed): a lift
    that keeps every cosine, so the real model's neighbours stay neighbours
    in a larger space (a stand-in for a provider's 1536-dimension model)."""
    q, _ = np.linalg.qr(np.random.default_rng(1536).standard_normal((size, source)))
    return q


def lift(vector: list[float], size: int) -> list[float]:
    v = np.asarray(vector)
    if size == len(v):
        return vector
    if size < len(v):
        # Smaller than the model: the leading coordinates, renormalised (a
        # rough stand-in, no longer cosine-preserving).
        head = v[:size]
        return [float(x) for x in head / (np.linalg.norm(head) or 1.0)]
    return [float(x) for x in _basis(len(v), size) @ v]


@dataclass
class GatewayApi(FakeApi):
    state: GatewayState = field(default_factory=GatewayState)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        method, path = request.method, request.url.path
        if not path.startswith("/admin/") and not self._authorized(request):
            body = json.dumps(_error(401, "Incorrect API key provided.")).encode()
            await _send(send, 401, body, "application/json")
            self.plan.record(method, path, request.url.query, 401)
            return None
        reply, fault = await self._answer(request)
        if isinstance(reply.body, Sse):
            data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in reply.body.events)
            await _send(send, 200, data + b"data: [DONE]\n\n", "text/event-stream; charset=utf-8")
        elif fault is not None and fault.kind == "truncate":
            # Here a complete HTTP answer whose body stops mid-JSON: the
            # "malformed body" a misbehaving gateway returns.
            await _send(send, reply.status, b'{"id": "chatcmpl-', "application/json")
        else:
            body = json.dumps(reply.body).encode()
            await _send(send, reply.status, body, "application/json", reply.headers)
        self.plan.record(method, path, request.url.query, reply.status)
        return None

    def _authorized(self, request: Request) -> bool:
        key = self.state.api_key
        return request.headers.get("api-key") == key or (
            request.headers.get("authorization") == f"Bearer {key}"
        )


async def _send(
    send: Send, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
) -> None:
    headers = {"content-type": content_type, "content-length": str(len(body)), **(extra or {})}
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})
