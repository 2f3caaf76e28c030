"""What the assistant needs besides the app's clients: the chat model of a
tenant (aicore's Router over its AI providers; None when it has none, so
local mode) and the local
embedder for intent classification. One per app, built on first use (the
model weights load lazily, never at import); tests replace it with
``app.dependency_overrides[agent_runtime]``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from pulse_backend.agent.classifier import IntentClassifier
from pulse_backend.agent.graph import MAX_STEPS
from pulse_backend.agent.model import tenant_chat_model
from pulse_backend.context import Principal
from pulse_backend.state import AppClients
from pulse_common.ai import ChatModel, Embedder

ChatModelFor = Callable[[AppClients, Principal], ChatModel | None]


def _local_embedder() -> Embedder:
    # Imported here: loading the weights takes seconds and memory, and only
    # local mode needs them. The process shares one model with search.
    from pulse_common.ai.embeddings import local_embedder

    return local_embedder()


@dataclass
class AgentRuntime:
    chat_model_for: ChatModelFor = tenant_chat_model
    make_embedder: Callable[[], Embedder] = _local_embedder
    max_steps: int = MAX_STEPS
    _classifier: IntentClassifier | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def classifier(self) -> IntentClassifier:
        with self._lock:
            if self._classifier is None:
                self._classifier = IntentClassifier(self.make_embedder())
            return self._classifier


_create_lock = threading.Lock()


def agent_runtime(request: Request) -> AgentRuntime:
    state = request.app.state
    with _create_lock:
        rt: AgentRuntime | None = getattr(state, "agent_runtime", None)
        if rt is None:
            rt = state.agent_runtime = AgentRuntime()
    return rt


Runtime = Annotated[AgentRuntime, Depends(agent_runtime)]
