"""Conversation writes are appends (RPUSH inside MULTI/EXEC), not
get-then-set: two messages posted at once both survive, each answer next to
its question, with only the commands a tenant's Redis ACL allows."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from pulse_backend.agent import conversations
from pulse_backend.agent.models import Conversation, StoredMessage
from pulse_common import cache
from pulse_common.tenancy import TenantNames
from pulse_testworld import World
from tests.agent.conftest import API, local_runtime, parse_sse, principal_of, signed_in, use_runtime
from tests.backend.conftest import TenantInfo

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def tenant_redis(
    world: World, redis_admin: redis.Redis
) -> Iterator[tuple[TenantInfo, redis.Redis]]:
    """A connection as a tenant's own ACL user (what the operator makes),
    so that a command outside its allow-list fails the test."""
    slug = f"cv-{uuid.uuid4().hex[:8]}"
    names = TenantNames(slug)
    password = secrets.token_urlsafe(16)
    cache.ensure_user(redis_admin, names, password, 9100)
    r = redis.Redis(
        host=world.redis.host,
        port=world.redis.port,
        username=names.redis_user,
        password=password,
        decode_responses=True,  # as the backend's client
    )
    yield TenantInfo(slug, 9100, f"admin@{slug}.example", "unused"), r
    r.close()
    cache.delete_user_and_keys(redis_admin, names, 9100)


def _message(role: str, content: str) -> StoredMessage:
    return StoredMessage(
        id=conversations.new_id(),
        role="assistant" if role == "assistant" else "user",
        content=content,
        created_at=dt.datetime.now(dt.UTC),
    )


def _pairs(conv: Conversation) -> list[tuple[str, str]]:
    roles = [m.role for m in conv.messages]
    assert roles == ["user", "assistant"] * (len(roles) // 2), roles
    it = iter(conv.messages)
    return [(q.content, a.content) for q, a in zip(it, it, strict=True)]


def test_appends_from_stale_copies_keep_every_message(
    tenant_redis: tuple[TenantInfo, redis.Redis],
) -> None:
    info, r = tenant_redis
    p = principal_of(info)
    conv = conversations.create(r, p)
    # Two requests loaded the conversation before either wrote: with a
    # get-then-set the second write would drop the first exchange.
    first, second = conversations.load(r, p, conv.id), conversations.load(r, p, conv.id)
    q1, a1 = _message("user", "q1"), _message("assistant", "a1")
    q2, a2 = _message("user", "q2"), _message("assistant", "a2")
    conversations.append(r, p, first, q1, a1)
    conversations.append(r, p, second, q2, a2)
    stored = conversations.load(r, p, conv.id)
    assert _pairs(stored) == [("q1", "a1"), ("q2", "a2")]
    reply, question = conversations.find_message(r, p, a1.id)
    assert (reply.content, question and question.content) == ("a1", "q1")
    assert (
        0 < r.ttl(f"t:{info.slug}:assistant:conv:{conv.id}:messages") <= conversations.TTL_SECONDS
    )
    # Another user of the tenant still gets "not found".
    with pytest.raises(conversations.ConversationNotFound):
        conversations.load(r, principal_of(info, user_id=2), conv.id)


def test_the_list_keeps_the_newest_messages(
    tenant_redis: tuple[TenantInfo, redis.Redis], monkeypatch: pytest.MonkeyPatch
) -> None:
    info, r = tenant_redis
    p = principal_of(info)
    monkeypatch.setattr(conversations, "MAX_MESSAGES", 4)
    conv = conversations.create(r, p)
    for i in range(3):
        conversations.append(r, p, conv, _message("user", f"q{i}"), _message("assistant", f"a{i}"))
    assert _pairs(conversations.load(r, p, conv.id)) == [("q1", "a1"), ("q2", "a2")]


def test_concurrent_posts_are_all_kept(client: TestClient, demo: TenantInfo, embedder: Any) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    conv = client.post(f"{API}/conversations", headers=s.headers).json()["id"]
    questions = [
        "How often do we deploy?",
        "Which repositories cause most incidents?",
        "What is our lead time for changes?",
        "How many incidents did we have?",
    ]

    def post(question: str) -> str:
        r = client.post(
            f"{API}/conversations/{conv}/messages", json={"content": question}, headers=s.headers
        )
        assert r.status_code == 200, r.text
        done = parse_sse(r.text)[-1]
        assert done[0] == "done"
        return str(done[1]["message_id"])

    with ThreadPoolExecutor(len(questions)) as pool:
        replies = list(pool.map(post, questions))
    got = client.get(f"{API}/conversations/{conv}", headers=s.headers).json()
    messages = got["messages"]
    assert sorted(m["content"] for m in messages if m["role"] == "user") == sorted(questions)
    # Each answer follows its own question.
    by_id = {m["id"]: i for i, m in enumerate(messages)}
    for question, reply_id in zip(questions, replies, strict=True):
        assert messages[by_id[reply_id] - 1]["content"] == question
