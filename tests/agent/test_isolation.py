"""Conversations, messages, feedback and the agent's tools stay inside
the caller's tenant (and a conversation inside its user); the routes
check their permission and validate their input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.agent.conftest import API, ScriptedLLM, signed_in, with_llm
from tests.backend.conftest import (
    Platform,
    TenantFactory,
    TenantInfo,
    admin_session,
    invite_and_login,
)
from tests.backend.support import wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_tenants_and_users_see_only_their_own_conversations_and_data(
    client: TestClient,
    platform: Platform,
    demo: TenantInfo,
    make_tenant: TenantFactory,
    llm: ScriptedLLM,
    ask: Any,
) -> None:
    a = signed_in(client, demo)
    with_llm(client, a, llm)
    conv = client.post(f"{API}/conversations", headers=a.headers).json()["id"]
    llm.say("A's answer")
    events = ask(a, "Which repositories cause most incidents?", conversation=conv)
    message_id = events[-1][1]["message_id"]
    secret = "Tenant A's private correction about incidents."
    r = client.post(
        f"{API}/messages/{message_id}/feedback",
        json={"rating": "down", "correction": secret},
        headers=a.headers,
    )
    assert r.status_code == 201
    wait_replica(platform)

    b = admin_session(client, make_tenant("agb"))
    llm.connect(client, b)
    # Another tenant: A's ids are unknown, whatever the path.
    r = client.get(f"{API}/conversations/{conv}", headers=b.headers)
    assert r.status_code == 404 and r.json()["code"] == "conversation_not_found"
    r = client.post(
        f"{API}/conversations/{conv}/messages", json={"content": "hi"}, headers=b.headers
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/messages/{message_id}/feedback", json={"rating": "up"}, headers=b.headers
    )
    assert r.status_code == 404 and r.json()["code"] == "message_not_found"
    # B's tools read B's (empty) schema, and A's correction never reaches B's prompt.
    llm.call("incidents_by_repository", days=90).call(
        "sql_query", sql="SELECT count(*) FROM incidents"
    ).say("none")
    events = ask(b, "Which repositories cause most incidents?")
    steps = [d for k, d in events if k == "step"]
    assert steps[0]["summary"].endswith(", none linked to a repository")
    assert not [d for k, d in events if k == "citation"]
    b_requests = llm.requests[-3:]
    assert '"rows": [[0]]' in b_requests[2]["messages"][-1]["content"]
    assert all(secret not in str(req["messages"]) for req in b_requests)

    # Another user of the same tenant: the conversation is not theirs.
    member = invite_and_login(client, a, "member")
    assert client.get(f"{API}/conversations/{conv}", headers=member.headers).status_code == 404
    assert (
        client.post(
            f"{API}/messages/{message_id}/feedback", json={"rating": "up"}, headers=member.headers
        ).status_code
        == 404
    )
    # The owner still has it.
    history = client.get(f"{API}/conversations/{conv}", headers=a.headers).json()
    assert [m["content"] for m in history["messages"]][-1] == "A's answer"


def test_permissions_and_validation(client: TestClient, demo: TenantInfo) -> None:
    a = signed_in(client, demo)
    assert client.post(f"{API}/conversations").status_code == 401
    viewer = invite_and_login(client, a, "viewer")
    r = client.post(f"{API}/conversations", headers=viewer.headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    conv = client.post(f"{API}/conversations", headers=a.headers).json()["id"]
    url = f"{API}/conversations/{conv}/messages"
    for body, field in (
        ({"content": ""}, "content"),
        ({"content": "x" * 4001}, "content"),
        ({"content": "a\x00b"}, "content"),
        ({"content": "hi", "extra": 1}, "extra"),
    ):
        r = client.post(url, json=body, headers=a.headers)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["field"] == field
    r = client.get(f"{API}/conversations/bad%20id", headers=a.headers)
    assert r.status_code == 422
    r = client.get(f"{API}/conversations/unknown", headers=a.headers)
    assert r.status_code == 404
