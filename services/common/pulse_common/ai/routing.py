"""Provider routing: picks the tenant's provider by context, walks the
fallback chain on errors, timeouts and rate limits, and records every
attempt in ``ai_performance_metrics``.

Order of a chain for one call: among active providers of the type, those
whose ``gateway_route`` matches the context's preference come first
(``etl`` prefers false: cost; ``interactive`` prefers true: quality), then
lower ``priority`` first, then name. The first of that ranking starts the
chain and its explicit ``fallback`` links are followed (cycles cut); the
remaining providers follow in rank order, so that one bad link never leaves a
working provider unused."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pulse_common.ai import ChatDelta, ChatMessage, ChatResult, Context, Embedder, ToolSpec
from pulse_common.ai.chat import CHAT_KINDS, OpenAICompatibleChat
from pulse_common.ai.config import ProviderConfig, ProviderType
from pulse_common.ai.embeddings import build_embedder
from pulse_common.ai.errors import (
    AiConfigurationError,
    NoProviderAvailable,
    Outcome,
    ProviderError,
    ProviderRejected,
)
from pulse_common.ai.metrics import CallRecord


@dataclass(frozen=True)
class ProviderEntry:
    """One provider row with its decrypted key (kept out of repr)."""

    name: str
    type: ProviderType
    config: ProviderConfig
    api_key: str | None = field(default=None, repr=False)
    active: bool = True


class Recorder(Protocol):
    def write(self, record: CallRecord) -> None: ...

    async def awrite(self, record: CallRecord) -> None: ...


class NullRecorder:
    def write(self, record: CallRecord) -> None:
        pass

    async def awrite(self, record: CallRecord) -> None:
        pass


def chain(
    entries: Sequence[ProviderEntry], type_: ProviderType, context: Context
) -> list[ProviderEntry]:
    active = [e for e in entries if e.type is type_ and e.active]
    prefer = context == "interactive"
    ranked = sorted(
        active, key=lambda e: (e.config.gateway_route != prefer, e.config.priority, e.name)
    )
    if not ranked:
        return []
    by_name = {e.name: e for e in active}
    out: list[ProviderEntry] = []
    current: ProviderEntry | None = ranked[0]
    while current is not None and current not in out:
        out.append(current)
        current = by_name.get(current.config.fallback or "")
    return out + [e for e in ranked if e not in out]


def _failure(exc: Exception) -> tuple[Outcome, str]:
    if isinstance(exc, ProviderError):
        return exc.outcome, str(exc)
    return "rejected", str(exc)


class Router:
    """A ``ChatModel`` over the tenant's providers, and the source of its
    routed ``Embedder``."""

    def __init__(self, entries: Sequence[ProviderEntry], recorder: Recorder | None = None) -> None:
        self._entries = list(entries)
        self._recorder: Recorder = recorder or NullRecorder()

    def _clients(
        self, context: Context
    ) -> list[tuple[ProviderEntry, OpenAICompatibleChat | Exception]]:
        out: list[tuple[ProviderEntry, OpenAICompatibleChat | Exception]] = []
        for e in chain(self._entries, ProviderType.ai, context):
            try:
                out.append((e, CHAT_KINDS[e.config.kind](e.name, e.config, e.api_key)))
            except (AiConfigurationError, ProviderRejected) as exc:
                out.append((e, exc))
        return out

    async def _record(
        self,
        e: ProviderEntry,
        context: Context,
        started: float,
        outcome: Outcome,
        result: ChatResult | None = None,
        error: str | None = None,
    ) -> None:
        await self._recorder.awrite(
            CallRecord(
                provider=e.name,
                kind=e.type.value,
                model=result.model if result else e.config.model,
                context=context,
                outcome=outcome,
                latency_ms=(time.perf_counter() - started) * 1000,
                prompt_tokens=result.prompt_tokens if result else 0,
                completion_tokens=result.completion_tokens if result else 0,
                error=error,
            )
        )

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        context: Context = "interactive",
    ) -> ChatResult:
        failures: list[str] = []
        for entry, client in self._clients(context):
            started = time.perf_counter()
            try:
                if isinstance(client, Exception):
                    raise client
                result = await client.complete(messages, tools)
            except (ProviderError, AiConfigurationError) as exc:
                outcome, message = _failure(exc)
                failures.append(message)
                await self._record(entry, context, started, outcome, error=message)
                continue
            await self._record(entry, context, started, "ok", result)
            return result
        raise NoProviderAvailable("ai", failures)

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        tools: Sequence[ToolSpec] = (),
        context: Context = "interactive",
    ) -> AsyncIterator[ChatDelta]:
        failures: list[str] = []
        for entry, client in self._clients(context):
            started = time.perf_counter()
            sent = False
            try:
                if isinstance(client, Exception):
                    raise client
                async for delta in client.stream(messages, tools):
                    if delta.result is not None:
                        await self._record(entry, context, started, "ok", delta.result)
                    sent = sent or bool(delta.text)
                    yield delta
                return
            except (ProviderError, AiConfigurationError) as exc:
                outcome, message = _failure(exc)
                failures.append(message)
                await self._record(entry, context, started, outcome, error=message)
                if sent:
                    # Text already reached the caller; another provider's
                    # answer cannot be spliced onto it.
                    raise
        raise NoProviderAvailable("ai", failures)

    def embedder(self, context: Context = "etl") -> RoutedEmbedder:
        return RoutedEmbedder(
            chain(self._entries, ProviderType.embedding, context), context, self._recorder
        )


class RoutedEmbedder:
    """Embeds with the first provider of the chain that answers. Only
    providers of the first one's dimension are in the chain: vectors of
    another size cannot share a collection."""

    def __init__(
        self, entries: Sequence[ProviderEntry], context: Context, recorder: Recorder
    ) -> None:
        self._embedders: list[tuple[ProviderEntry, Embedder]] = []
        self._skipped: list[str] = []
        for e in entries:
            try:
                self._embedders.append((e, build_embedder(e.name, e.config, e.api_key)))
            except AiConfigurationError as exc:
                self._skipped.append(str(exc))
        if self._embedders:
            size = self._embedders[0][1].dimension
            self._embedders = [(e, m) for e, m in self._embedders if m.dimension == size]
        self._context = context
        self._recorder = recorder

    @property
    def name(self) -> str:
        return self._first().name

    @property
    def dimension(self) -> int:
        return self._first().dimension

    @property
    def min_score(self) -> float | None:
        """The first provider's relevance cut-off (one model in the chain)."""
        return self._embedders[0][0].config.min_score if self._embedders else None

    def _first(self) -> Embedder:
        if not self._embedders:
            raise NoProviderAvailable("embedding", self._skipped)
        return self._embedders[0][1]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        failures = list(self._skipped)
        for entry, model in self._embedders:
            started = time.perf_counter()
            try:
                vectors = model.embed(texts)
            except (ProviderError, AiConfigurationError) as exc:
                outcome, message = _failure(exc)
                failures.append(message)
                self._write(entry, model, started, outcome, message)
                continue
            self._write(
                entry, model, started, "ok", None, tokens=sum(len(t.split()) for t in texts)
            )
            return vectors
        raise NoProviderAvailable("embedding", failures)

    def _write(
        self,
        e: ProviderEntry,
        model: Embedder,
        started: float,
        outcome: Outcome,
        error: str | None,
        tokens: int = 0,
    ) -> None:
        self._recorder.write(
            CallRecord(
                provider=e.name,
                kind=e.type.value,
                model=model.name,
                context=self._context,
                outcome=outcome,
                latency_ms=(time.perf_counter() - started) * 1000,
                prompt_tokens=tokens,
                error=error,
            )
        )
