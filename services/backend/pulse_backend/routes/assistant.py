"""/api/v1/assistant: conversations with the agent, answers streamed as
server-sent events, and feedback on answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from pulse_backend.agent import conversations, service
from pulse_backend.agent.models import (
    AgentEvent,
    Conversation,
    ConversationOut,
    FeedbackBody,
    FeedbackOut,
    MessageIn,
)
from pulse_backend.agent.runtime import Runtime
from pulse_backend.agent.tools import ToolContext
from pulse_backend.context import Principal, require
from pulse_backend.replica_conflicts import RetriedOnPrimary
from pulse_backend.routes.search import search_deps
from pulse_backend.search.schemas import SearchParams, SearchResponse
from pulse_backend.search.service import search
from pulse_backend.state import Clients
from pulse_common.patterns import worded

router = APIRouter(prefix="/assistant", tags=["assistant"], route_class=RetriedOnPrimary)
# agent:use (members and admins): the agent reads across the tenant's data
# like analytics:read, and RBAC keeps viewers to dashboards only.
User = Annotated[Principal, require("agent:use")]
_ID = worded(r"^[A-Za-z0-9_-]+$", "use letters, digits, underscores and dashes")
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=_ID)]

SSE_DESCRIPTION = (
    "Server-sent events, in order: `step` {tool, arguments, summary} per tool call, "
    "`token` {text} pieces of the answer, `citation` {type, id, title, url} per row "
    'used, then `done` {message_id, mode: "llm"|"local", provider}.'
)


async def _sse(events: AsyncIterator[AgentEvent]) -> AsyncIterator[str]:
    async for ev in events:
        data = ev.model_dump(mode="json", exclude={"event"})
        yield f"event: {ev.event}\ndata: {json.dumps(data)}\n\n"


@router.post("/conversations", status_code=201)
def create_conversation(clients: Clients, principal: User) -> ConversationOut:
    return ConversationOut(id=conversations.create(clients.redis, principal).id)


@router.get("/conversations/{conversation_id}")
def get_conversation(clients: Clients, principal: User, conversation_id: Id) -> Conversation:
    return conversations.load(clients.redis, principal, conversation_id)


@router.post(
    "/conversations/{conversation_id}/messages",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": SSE_DESCRIPTION}},
)
def post_message(
    request: Request,
    clients: Clients,
    principal: User,
    rt: Runtime,
    conversation_id: Id,
    body: MessageIn,
) -> StreamingResponse:
    # Loaded before the stream starts: an unknown id is a plain 404.
    conv = conversations.load(clients.redis, principal, conversation_id)

    def find(params: SearchParams) -> SearchResponse:
        return search(clients, principal, params, search_deps(request, clients))

    ctx = ToolContext(clients, principal, find)
    return StreamingResponse(
        _sse(service.respond(rt, ctx, conv, body.content)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/messages/{message_id}/feedback", status_code=201)
def post_feedback(
    clients: Clients, principal: User, message_id: Id, body: FeedbackBody
) -> FeedbackOut:
    return service.feedback(ToolContext(clients, principal), message_id, body)
