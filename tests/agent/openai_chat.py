"""A minimal ``ChatModel`` over an OpenAI-compatible HTTP endpoint (streamed
chat completions with tool calls), for the agent tests until aicore's
Router is merged; it speaks the same wire format the Router does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from pulse_common.ai import ChatDelta, ChatMessage, ChatResult, Context, ToolCall, ToolSpec


def _wire(m: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in m.tool_calls
        ]
    if m.tool_call_id:
        out["tool_call_id"] = m.tool_call_id
    return out


class OpenAIChat:
    def __init__(self, base_url: str, model: str, provider: str) -> None:
        self.base_url, self.model, self.provider = base_url, model, provider

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        context: Context = "interactive",
    ) -> ChatResult:
        result = None
        async for d in self.stream(messages, tools=tools, context=context):
            result = d.result or result
        assert result is not None
        return result

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        context: Context = "interactive",
    ) -> AsyncIterator[ChatDelta]:
        body: dict[str, Any] = {
            "model": self.model,
            "stream": True,
            "messages": [_wire(m) for m in messages],
        }
        if tools:
            body["tools"] = [{"type": "function", "function": t.model_dump()} for t in tools]
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        async with (
            httpx.AsyncClient(timeout=10) as client,
            client.stream("POST", f"{self.base_url}/chat/completions", json=body) as r,
        ):
            r.raise_for_status()
            async for line in r.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                delta = json.loads(line[6:])["choices"][0]["delta"]
                if delta.get("content"):
                    text.append(delta["content"])
                    yield ChatDelta(text=delta["content"])
                for c in delta.get("tool_calls", []):
                    slot = calls.setdefault(c["index"], {"id": "", "name": "", "arguments": ""})
                    slot["id"] = c.get("id") or slot["id"]
                    slot["name"] += c.get("function", {}).get("name", "")
                    slot["arguments"] += c.get("function", {}).get("arguments", "")
        message = ChatMessage(
            role="assistant",
            content="".join(text) or None,
            tool_calls=[
                ToolCall(id=c["id"], name=c["name"], arguments=json.loads(c["arguments"] or "{}"))
                for c in calls.values()
            ],
        )
        yield ChatDelta(
            result=ChatResult(message=message, provider=self.provider, model=self.model)
        )
