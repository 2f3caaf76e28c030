"""Chat clients, one class per provider kind behind ``ChatProvider``.

OpenAI's chat-completions wire format (tools, ``tool_calls`` with JSON-string
arguments, SSE chunks ending ``data: [DONE]``) is shared by OpenAI-compatible
servers, Azure OpenAI (other URL and key header, see ``http``) and local
OpenAI-compatible servers (vLLM, Ollama, llama.cpp). Adding a kind is one
subclass registered in ``CHAT_KINDS``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import httpx

from pulse_common.ai import ChatDelta, ChatMessage, ChatResult, ToolCall, ToolSpec
from pulse_common.ai.config import ProviderConfig, ProviderKind
from pulse_common.ai.errors import AiConfigurationError, ProviderMalformed
from pulse_common.ai.http import ProviderEndpoint, apost_json, classify, transport_error


def wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.tool_call_id is not None:
            item["tool_call_id"] = m.tool_call_id
        out.append(item)
    return out


def wire_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def _arguments(provider: str, raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ProviderMalformed(provider, "tool call arguments are not JSON") from exc
    if not isinstance(value, dict):
        raise ProviderMalformed(provider, "tool call arguments are not a JSON object")
    return value


class OpenAICompatibleChat:
    kind: ClassVar[ProviderKind] = ProviderKind.openai_compatible

    def __init__(self, name: str, config: ProviderConfig, api_key: str | None) -> None:
        self.name = name
        self.config = config
        self._endpoint = ProviderEndpoint.build(name, config, api_key)

    def _body(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.config.model, "messages": wire_messages(messages)}
        if tools:
            body["tools"] = wire_tools(tools)
        if self.config.limits.max_output_tokens:
            body["max_tokens"] = self.config.limits.max_output_tokens
        return body

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()
    ) -> ChatResult:
        async with httpx.AsyncClient(timeout=self._endpoint.timeout) as client:
            answer = await apost_json(
                client, self._endpoint, "chat/completions", self._body(messages, tools)
            )
        return self._result(answer)

    def _result(self, answer: dict[str, Any]) -> ChatResult:
        try:
            message = answer["choices"][0]["message"]
            calls = [
                ToolCall(
                    id=str(c["id"]),
                    name=str(c["function"]["name"]),
                    arguments=_arguments(self.name, c["function"]["arguments"]),
                )
                for c in message.get("tool_calls") or []
            ]
            usage = answer.get("usage") or {}
            return ChatResult(
                message=ChatMessage(
                    role="assistant", content=message.get("content"), tool_calls=calls
                ),
                provider=self.name,
                model=str(answer.get("model") or self.config.model),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
            )
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderMalformed(self.name, f"chat answer lacks {exc}") from exc

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ChatDelta]:
        body = self._body(messages, tools) | {
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        e = self._endpoint
        state = _StreamState(self.name)
        try:
            async with (
                httpx.AsyncClient(timeout=e.timeout) as client,
                client.stream(
                    "POST", e.url("chat/completions"), json=body, headers=e.headers, params=e.params
                ) as response,
            ):
                if response.status_code >= 400:
                    await response.aread()
                    classify(self.name, response)
                async for line in response.aiter_lines():
                    text = state.feed(line)
                    if text:
                        yield ChatDelta(text=text)
        except httpx.HTTPError as exc:
            raise transport_error(self.name, exc) from exc
        yield ChatDelta(result=state.result(self.config.model))


class _StreamState:
    """Assembles SSE ``chat.completion.chunk`` events into one result."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.text: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.usage: dict[str, Any] = {}
        self.model: str | None = None
        self.done = False

    def feed(self, line: str) -> str:
        if not line.startswith("data:"):
            return ""  # blank separators, comments, "event:" lines
        data = line[5:].strip()
        if data == "[DONE]":
            self.done = True
            return ""
        try:
            chunk = json.loads(data)
            self.model = chunk.get("model") or self.model
            self.usage = chunk.get("usage") or self.usage
            choices = chunk.get("choices") or []
            delta = choices[0].get("delta") or {} if choices else {}
            for c in delta.get("tool_calls") or []:
                slot = self.calls.setdefault(int(c["index"]), {"id": "", "name": "", "args": ""})
                fn = c.get("function") or {}
                slot["id"] = c.get("id") or slot["id"]
                slot["name"] = fn.get("name") or slot["name"]
                slot["args"] += fn.get("arguments") or ""
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderMalformed(self.provider, "unreadable stream chunk") from exc
        piece = delta.get("content") or ""
        self.text.append(piece)
        return str(piece)

    def result(self, default_model: str) -> ChatResult:
        if not self.done:
            raise ProviderMalformed(self.provider, "stream ended without [DONE]")
        calls = [
            ToolCall(
                id=c["id"], name=c["name"], arguments=_arguments(self.provider, c["args"] or "{}")
            )
            for _, c in sorted(self.calls.items())
        ]
        return ChatResult(
            message=ChatMessage(
                role="assistant", content="".join(self.text) or None, tool_calls=calls
            ),
            provider=self.provider,
            model=self.model or default_model,
            prompt_tokens=int(self.usage.get("prompt_tokens") or 0),
            completion_tokens=int(self.usage.get("completion_tokens") or 0),
        )


class AzureOpenAIChat(OpenAICompatibleChat):
    kind = ProviderKind.azure_openai


class LocalChat(OpenAICompatibleChat):
    """A self-hosted OpenAI-compatible server (vLLM, Ollama, llama.cpp)."""

    kind = ProviderKind.local

    def __init__(self, name: str, config: ProviderConfig, api_key: str | None) -> None:
        if config.base_url is None:
            raise AiConfigurationError(
                f"chat provider {name!r} is local but has no base_url of a local model server"
            )
        super().__init__(name, config, api_key)


CHAT_KINDS: dict[ProviderKind, type[OpenAICompatibleChat]] = {
    k.kind: k for k in (OpenAICompatibleChat, AzureOpenAIChat, LocalChat)
}
