"""Conversation state in Redis under the tenant's key prefix, with a TTL.

A conversation belongs to the user who opened it; another user of the
same tenant gets "not found", as for an unknown id. Each assistant message
is also indexed by id so that feedback can find its question and answer.

Layout: ``assistant:conv:<id>`` holds the header (owner, creation time) and
``assistant:conv:<id>:messages`` a list of messages. A question and its
answer are appended with one RPUSH inside MULTI/EXEC, never by rewriting the
whole conversation, so two messages posted at once both survive and each
answer stays next to its question (scripting is not in the tenant's ACL;
MULTI/EXEC and lists are).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import TypeVar

import redis

from pulse_backend.agent.models import Conversation, StoredMessage
from pulse_backend.context import Principal
from pulse_common.errors import BackendUnavailable, NotFound

T = TypeVar("T")
TTL_SECONDS = 7 * 24 * 3600
MAX_MESSAGES = 200


class ConversationNotFound(NotFound):
    code = "conversation_not_found"


class MessageNotFound(NotFound):
    code = "message_not_found"


def new_id() -> str:
    return secrets.token_urlsafe(12)


def _conv_key(p: Principal, conv_id: str) -> str:
    return f"{p.names.key_prefix}assistant:conv:{conv_id}"


def _list_key(p: Principal, conv_id: str) -> str:
    return f"{_conv_key(p, conv_id)}:messages"


def _msg_key(p: Principal, message_id: str) -> str:
    return f"{p.names.key_prefix}assistant:msg:{message_id}"


def _redis(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except redis.RedisError:
        raise BackendUnavailable("redis", "conversation state unavailable") from None


def create(r: redis.Redis, p: Principal) -> Conversation:
    conv = Conversation(id=new_id(), user_id=p.user_id, created_at=dt.datetime.now(dt.UTC))
    _redis(lambda: r.set(_conv_key(p, conv.id), conv.model_dump_json(), ex=TTL_SECONDS))
    return conv


def load(r: redis.Redis, p: Principal, conv_id: str) -> Conversation:
    pipe = r.pipeline(transaction=True)
    pipe.get(_conv_key(p, conv_id))
    pipe.lrange(_list_key(p, conv_id), -MAX_MESSAGES, -1)
    raw, items = _redis(pipe.execute)
    if raw is None:
        raise ConversationNotFound(f"no conversation {conv_id}")
    # A header written before the message list existed carries its messages.
    conv = Conversation.model_validate_json(raw)
    if conv.user_id != p.user_id:
        raise ConversationNotFound(f"no conversation {conv_id}")
    listed = [StoredMessage.model_validate_json(item) for item in items]
    conv.messages = [*conv.messages, *listed][-MAX_MESSAGES:]
    return conv


def append(r: redis.Redis, p: Principal, conv: Conversation, *messages: StoredMessage) -> None:
    """Appends atomically: what others appended meanwhile is kept."""
    key = _list_key(p, conv.id)
    pipe = r.pipeline(transaction=True)
    pipe.rpush(key, *(m.model_dump_json() for m in messages))
    pipe.ltrim(key, -MAX_MESSAGES, -1)
    pipe.expire(key, TTL_SECONDS)
    pipe.expire(_conv_key(p, conv.id), TTL_SECONDS)
    for m in messages:
        if m.role == "assistant":
            pipe.set(_msg_key(p, m.id), conv.id, ex=TTL_SECONDS)
    _redis(pipe.execute)
    conv.messages = [*conv.messages, *messages][-MAX_MESSAGES:]


def find_message(
    r: redis.Redis, p: Principal, message_id: str
) -> tuple[StoredMessage, StoredMessage | None]:
    """An assistant message of the caller and the question it answered."""
    conv_id = _redis(lambda: r.get(_msg_key(p, message_id)))
    if conv_id is None:
        raise MessageNotFound(f"no message {message_id}")
    try:
        conv = load(r, p, str(conv_id))
    except ConversationNotFound:
        raise MessageNotFound(f"no message {message_id}") from None
    for i, m in enumerate(conv.messages):
        if m.id == message_id:
            question = next((q for q in reversed(conv.messages[:i]) if q.role == "user"), None)
            return m, question
    raise MessageNotFound(f"no message {message_id}")
