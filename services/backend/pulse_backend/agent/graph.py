"""The LLM-mode agent as a LangGraph graph: ``plan`` (the model, with the
tools offered) → ``tools`` (run every call, emit a step each) → back to
``plan``, until the model answers without tools or the step limit sends
it to ``answer`` (the model once more, without tools). Nodes emit the
stream's events through LangGraph's custom stream writer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, TypedDict

import structlog
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from pulse_backend.agent.models import AgentEvent, Citation, StepEvent, TokenEvent
from pulse_backend.agent.prompts import OUT_OF_STEPS
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_common.ai import ChatMessage, ChatModel, ChatResult, ToolSpec
from pulse_common.errors import BackendUnavailable, PulseError

log = structlog.get_logger("pulse_backend.agent")

MAX_STEPS = 4
MAX_TOOL_RESULT_CHARS = 12_000


class ModelFailed(PulseError):
    """The language model did not answer (every provider failed, or its
    stream broke off): the service answers in local mode instead."""

    code = "model_failed"


class AgentState(TypedDict):
    messages: list[ChatMessage]
    citations: list[Citation]
    steps: int
    provider: str | None
    answer: str


async def _stream(
    model: ChatModel, messages: list[ChatMessage], tools: list[ToolSpec]
) -> ChatResult:
    writer = get_stream_writer()
    result: ChatResult | None = None
    try:
        async for delta in model.stream(messages, tools=tools, context="interactive"):
            if delta.text:
                writer(TokenEvent(text=delta.text))
            if delta.result is not None:
                result = delta.result
    except Exception as exc:  # any provider failure, whatever its client raised
        raise ModelFailed(f"the model failed: {type(exc).__name__}") from exc
    if result is None:
        raise ModelFailed("the model's stream ended without a result")
    return result


def _run_tool(
    ctx: ToolContext, name: str, arguments: dict[str, Any]
) -> tuple[str, str, list[Citation]]:
    """(summary, content for the model, citations). A tool's error goes back
    to the model as the result, so it can correct its call."""
    tool = TOOLS.get(name)
    if tool is None:
        return f"unknown tool {name}", json.dumps({"error": f"unknown tool {name}"}), []
    try:
        out = tool.run(ctx, arguments)
    except BackendUnavailable:
        raise
    except PulseError as exc:
        return f"error: {exc}", json.dumps({"error": str(exc)}), []
    except Exception as exc:
        # A tool's bug must not break the answer's stream: the model is told
        # the tool failed (by class, no details) and the log keeps the trace.
        log.exception("agent tool failed", category="AI", tool=name)
        message = f"the tool failed ({type(exc).__name__})"
        return f"error: {message}", json.dumps({"error": message}), []
    content = json.dumps(
        {
            "summary": out.summary,
            "data": out.data,
            "citations": [f"[{c.type}:{c.id}] {c.title}" for c in out.citations],
        },
        default=str,
    )[:MAX_TOOL_RESULT_CHARS]
    return out.summary, content, out.citations


def build(model: ChatModel, ctx: ToolContext, max_steps: int = MAX_STEPS) -> Any:
    specs = [t.spec for t in TOOLS.values()]

    async def plan(state: AgentState) -> dict[str, Any]:
        result = await _stream(model, state["messages"], specs)
        msg = result.message
        return {
            "messages": [*state["messages"], msg],
            "provider": result.provider,
            "answer": state["answer"] if msg.tool_calls else (msg.content or ""),
        }

    async def tools(state: AgentState) -> dict[str, Any]:
        writer = get_stream_writer()
        messages, citations = list(state["messages"]), list(state["citations"])
        for call in messages[-1].tool_calls:
            summary, content, cites = await asyncio.to_thread(
                _run_tool, ctx, call.name, call.arguments
            )
            writer(StepEvent(tool=call.name, arguments=call.arguments, summary=summary))
            messages.append(ChatMessage(role="tool", tool_call_id=call.id, content=content))
            citations.extend(cites)
        return {"messages": messages, "citations": citations, "steps": state["steps"] + 1}

    async def answer(state: AgentState) -> dict[str, Any]:
        messages = [*state["messages"], ChatMessage(role="system", content=OUT_OF_STEPS)]
        result = await _stream(model, messages, [])
        return {
            "messages": [*messages, result.message],
            "provider": result.provider,
            "answer": result.message.content or "",
        }

    g = StateGraph(AgentState)
    g.add_node("plan", plan)
    g.add_node("tools", tools)
    g.add_node("answer", answer)
    g.add_edge(START, "plan")
    g.add_conditional_edges(
        "plan", lambda s: "tools" if s["messages"][-1].tool_calls else END, ["tools", END]
    )
    g.add_conditional_edges(
        "tools", lambda s: "answer" if s["steps"] >= max_steps else "plan", ["answer", "plan"]
    )
    g.add_edge("answer", END)
    return g.compile()


async def run(
    model: ChatModel, ctx: ToolContext, messages: list[ChatMessage], max_steps: int = MAX_STEPS
) -> AsyncIterator[AgentEvent | AgentState]:
    """The graph's events as they happen, then its final state."""
    graph = build(model, ctx, max_steps)
    state: AgentState = {
        "messages": messages,
        "citations": [],
        "steps": 0,
        "provider": None,
        "answer": "",
    }
    async for mode, chunk in graph.astream(state, stream_mode=["custom", "values"]):
        if mode == "custom":
            yield chunk
        else:
            state = chunk
    yield state
