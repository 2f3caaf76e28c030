"""The AI layer shared by the backend and the ETL.

The contracts here are what the rest of the platform codes against; the
implementations live in sibling modules:

- ``embeddings``: the local all-MiniLM-L6-v2 model (numpy, offline) and the
  remote OpenAI-compatible embedding client, both ``Embedder``.
- ``routing``: picks a provider by context (``etl`` prefers local,
  ``interactive`` prefers the gateway), walks the fallback chain on errors,
  timeouts and rate limits, and records every call in
  ``ai_performance_metrics``. It is a ``ChatModel``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

Context = Literal["etl", "interactive"]


class Embedder(Protocol):
    """Turns texts into unit-length vectors of ``dimension`` floats."""

    @property
    def name(self) -> str: ...  # e.g. "local/all-MiniLM-L6-v2"

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class ToolSpec(BaseModel):
    """A function the model may call (OpenAI ``tools[].function``)."""

    name: str
    description: str
    parameters: dict[str, Any] = Field(default_factory=dict)  # JSON Schema


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any]


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None  # role == "tool"


class ChatResult(BaseModel):
    message: ChatMessage
    provider: str  # the integration name that answered
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ChatDelta(BaseModel):
    """One streamed piece: text, or (at the end) the complete result."""

    text: str = ""
    result: ChatResult | None = None


class ChatModel(Protocol):
    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        context: Context = "interactive",
    ) -> ChatResult: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        context: Context = "interactive",
    ) -> AsyncIterator[ChatDelta]: ...
