"""The assistant's API shapes and the events one answer streams."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pulse_backend.params import Text

CitationType = Literal["repository", "pr", "work_item", "incident", "deployment"]
Mode = Literal["llm", "local"]
Content = Annotated[Text, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: CitationType
    id: int
    title: str
    url: str | None  # None when the source gave no link (e.g. no integration)


class ToolOutput(BaseModel):
    """What a tool returns: a one-line summary (shown as the step), the data
    the model reads, and the rows it used."""

    summary: str
    data: Any
    citations: list[Citation] = Field(default_factory=list)


class StepEvent(BaseModel):
    event: Literal["step"] = "step"
    tool: str
    arguments: dict[str, Any]
    summary: str


class TokenEvent(BaseModel):
    event: Literal["token"] = "token"
    text: str


class CitationEvent(Citation):
    event: Literal["citation"] = "citation"


class DoneEvent(BaseModel):
    event: Literal["done"] = "done"
    message_id: str
    mode: Mode
    provider: str | None


AgentEvent = StepEvent | TokenEvent | CitationEvent | DoneEvent


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: Content


class ConversationOut(BaseModel):
    id: str


class StoredMessage(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    content: str
    created_at: dt.datetime
    mode: Mode | None = None
    provider: str | None = None
    steps: list[StepEvent] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class Conversation(BaseModel):
    id: str
    user_id: int
    created_at: dt.datetime
    messages: list[StoredMessage] = Field(default_factory=list)


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    correction: Annotated[Text, StringConstraints(min_length=1, max_length=4000)] | None = None


class FeedbackOut(BaseModel):
    memory_id: int
    message_id: str
    rating: Literal["up", "down"]
    review: Literal["pending", "accepted"] | None = Field(
        description="Whom the stored correction steers: `pending`, its author's own questions "
        "until someone holding `integrations:write` accepts it; `accepted`, everyone's "
        "(given by such a holder). Null when no correction was given."
    )
