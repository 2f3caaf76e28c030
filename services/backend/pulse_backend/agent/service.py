"""One question → a stream of events: LLM mode through the graph when the
tenant has a model and it answers, else local mode; then the citations,
the stored messages and ``done`` naming the mode that answered."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterable

from pulse_backend.agent import conversations, graph, local, memory
from pulse_backend.agent.models import (
    AgentEvent,
    Citation,
    CitationEvent,
    Conversation,
    DoneEvent,
    FeedbackBody,
    FeedbackOut,
    Mode,
    StepEvent,
    StoredMessage,
    TokenEvent,
)
from pulse_backend.agent.prompts import system_prompt
from pulse_backend.agent.runtime import AgentRuntime
from pulse_backend.agent.tools import ToolContext
from pulse_backend.db import tenant_write
from pulse_backend.replica_conflicts import read_on_primary_once
from pulse_common.ai import ChatMessage
from pulse_common.models.enums import CorrectionReview

HISTORY = 10
MAX_CITATIONS = 20
# ``pulse_replica_conflicts_total``'s outcome for the corrections' lookup
# read again on the primary after the replica cancelled it.
CORRECTIONS_RETRIED = "corrections_retried_on_primary"


def _candidates(ctx: ToolContext) -> list[memory.Correction]:
    with ctx.read() as conn:
        return memory.candidates(conn, ctx.principal.user_id)


def _corrections(rt: AgentRuntime, ctx: ToolContext, question: str) -> list[memory.Correction]:
    # The read ends before the model loads or embeds (seconds, the first
    # time): a replica transaction held that long makes the replica cancel
    # it or hold back its cleanup (``replica_conflicts``). A read the
    # replica cancels all the same runs once more on the primary, as a
    # tool's does (``Tool.run``): it comes before the answer's first event,
    # and unanswered it would end the stream with an error.
    found = read_on_primary_once(ctx.clients.metrics, CORRECTIONS_RETRIED, lambda: _candidates(ctx))
    return memory.relevant(found, lambda: rt.classifier().embedder, question)


def _unique(citations: Iterable[Citation]) -> list[Citation]:
    seen: dict[tuple[str, int], Citation] = {}
    for c in citations:
        seen.setdefault((c.type, c.id), c)
    return list(seen.values())[:MAX_CITATIONS]


def _pieces(text: str) -> Iterable[str]:
    # Local answers are streamed line by line like an LLM's tokens would be.
    yield from text.splitlines(keepends=True)


def _last_local(conv: Conversation) -> local.Ran | None:
    """What the latest answer with figures ran, when local mode answered it.
    Local replies that ran nothing (a period it could not use, a question it
    would not repeat) are passed over: asked once more, it still would not."""
    for i in range(len(conv.messages) - 1, 0, -1):
        m, asked = conv.messages[i], conv.messages[i - 1]
        if m.role != "assistant" or (m.mode == "local" and not m.steps):
            continue
        if m.mode != "local" or len(m.steps) != 1 or asked.role != "user":
            return None
        return local.Ran(asked.content, m.steps[0].tool, m.steps[0].arguments)
    return None


async def respond(
    rt: AgentRuntime, ctx: ToolContext, conv: Conversation, question: str
) -> AsyncIterator[AgentEvent]:
    clients, principal = ctx.clients, ctx.principal
    corrections = await asyncio.to_thread(_corrections, rt, ctx, question)
    steps: list[StepEvent] = []
    citations: list[Citation] = []
    text, mode, provider = "", "local", None
    model = await asyncio.to_thread(rt.chat_model_for, clients, principal)
    if model is not None:
        messages = [
            ChatMessage(role="system", content=system_prompt(rt.max_steps, corrections)),
            *(ChatMessage(role=m.role, content=m.content) for m in conv.messages[-HISTORY:]),
            ChatMessage(role="user", content=question),
        ]
        try:
            async for item in graph.run(model, ctx, messages, rt.max_steps):
                if isinstance(item, StepEvent | TokenEvent):
                    if isinstance(item, StepEvent):
                        steps.append(item)
                    yield item
                elif isinstance(item, dict):
                    text, provider = item["answer"], item["provider"]
                    citations = item["citations"]
            mode = "llm"
        except graph.ModelFailed:
            steps, citations = [], []
    final_mode: Mode = "llm" if mode == "llm" else "local"
    if final_mode == "local":
        provider = None
        earlier = [m.content for m in reversed(conv.messages) if m.role == "user"]
        ans = await asyncio.to_thread(
            local.answer, rt.classifier(), ctx, question, corrections, earlier, _last_local(conv)
        )
        if ans.tool is not None:  # None: no tool ran (see LocalAnswer)
            step = StepEvent(tool=ans.tool, arguments=ans.arguments, summary=ans.output.summary)
            steps.append(step)
            yield step
        for piece in _pieces(ans.text):
            yield TokenEvent(text=piece)
        text, citations = ans.text, ans.output.citations
    cited = _unique(citations)
    for c in cited:
        yield CitationEvent(**c.model_dump())
    now = dt.datetime.now(dt.UTC)
    reply = StoredMessage(
        id=conversations.new_id(),
        role="assistant",
        content=text,
        created_at=now,
        mode=final_mode,
        provider=provider,
        steps=steps,
        citations=cited,
    )
    asked = StoredMessage(id=conversations.new_id(), role="user", content=question, created_at=now)
    await asyncio.to_thread(conversations.append, clients.redis, principal, conv, asked, reply)
    yield DoneEvent(message_id=reply.id, mode=final_mode, provider=provider)


def feedback(ctx: ToolContext, message_id: str, body: FeedbackBody) -> FeedbackOut:
    reply, question = conversations.find_message(ctx.clients.redis, ctx.principal, message_id)
    with tenant_write(ctx.clients, ctx.principal) as conn:
        entry = memory.record(
            conn,
            ctx.principal,
            question=question.content if question else "(question expired)",
            answer=reply.content,
            rating=body.rating,
            correction=body.correction,
            context={"message_id": message_id, "mode": reply.mode, "provider": reply.provider},
        )
    # Said by the stored entry, not guessed by the client from its permissions.
    review = None
    if entry.corrected_answer is not None:
        review = "accepted" if entry.review == CorrectionReview.accepted else "pending"
    return FeedbackOut(memory_id=entry.id, message_id=message_id, rating=body.rating, review=review)
