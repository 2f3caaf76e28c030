"""Fixtures for the agent tests: the backend's platform (real primary,
replica and Redis), a demo-seeded tenant whose data ends today, and
aicore's local OpenAI-compatible gateway with scripted answers, reached
through the tenant's AI provider row and the real Router."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent.runtime import AgentRuntime, agent_runtime
from pulse_backend.agent.toolkit import ToolContext
from pulse_backend.context import Principal
from pulse_backend.rbac import Role
from pulse_common.ai import Embedder
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_fakes import FakeServer, GatewayState, serve_gateway
from tests.backend.conftest import (  # noqa: F401 - fixtures
    NEW_PASSWORD,
    Platform,
    Session,
    TenantInfo,
    admin,
    admin_session,
    client,
    login,
    make_tenant,
    tenant,
)
from tests.backend.support import wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
API = "/api/v1/assistant"


def seed_demo(plat: Platform, prefix: str) -> TenantInfo:
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    req = TenantRequest.model_validate(
        {
            "slug": slug,
            "display_name": "Agent demo",
            "admin_email": f"admin@{slug}.example",
            "admin_password": "initial-admin-password-1",
            "seed_profile": "demo",
            "demo_as_of": dt.datetime.now(dt.UTC).date(),
        }
    )
    out = ensure_tenant(plat.engine, req)
    wait_replica(plat)
    return TenantInfo(slug, out.tenant_id, out.admin_email, "initial-admin-password-1")


@pytest.fixture(scope="module")
def demo(platform: Platform) -> Iterator[TenantInfo]:
    info = seed_demo(platform, "ag")
    yield info
    drop_tenant(platform.engine, info.slug)


def signed_in(tc: TestClient, info: TenantInfo) -> Session:
    """The first admin; the initial password is changed at the first login
    only (a module-scoped tenant outlives one test)."""
    if info.admin_password != NEW_PASSWORD:
        return admin_session(tc, info)
    body = login(tc, info.slug, info.admin_email, NEW_PASSWORD)
    return Session(info, body["access_token"], body["user"]["id"])


PROVIDER = "gateway-test"


@dataclass
class ScriptedLLM:
    """Scripts aicore's gateway turn by turn and reads what it was sent."""

    server: FakeServer
    state: GatewayState

    def say(self, content: str) -> ScriptedLLM:
        self.state.script({"content": content})
        return self

    def call(self, name: str, **arguments: Any) -> ScriptedLLM:
        self.state.script({"tool_calls": [{"name": name, "arguments": arguments}]})
        return self

    def fail(self, status: int = 500) -> ScriptedLLM:
        fault = {"path": "/v1/chat/completions", "kind": "status", "status": status, "times": 5}
        httpx.post(f"{self.server.url}/admin/faults", json=fault).raise_for_status()
        return self

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.state.requests if r["path"].endswith("/completions")]

    def connect(self, tc: TestClient, s: Session) -> None:
        """Makes the gateway the tenant's AI provider (once per tenant)."""
        body = {
            "name": PROVIDER,
            "type": "ai",
            "api_key": self.state.api_key,
            "config": {
                "kind": "openai-compatible",
                "base_url": f"{self.server.url}/v1",
                "model": "pulse-chat",
                "timeouts": {"connect_seconds": 2, "read_seconds": 5},
            },
        }
        r = tc.post("/api/v1/ai-providers", json=body, headers=s.headers)
        assert r.status_code in (201, 409), r.text


@pytest.fixture(scope="session")
def gateway_server() -> Iterator[FakeServer]:
    server = serve_gateway(GatewayState(api_key="agent-gateway-key-1"))
    yield server
    server.stop()


@pytest.fixture
def llm(gateway_server: FakeServer) -> ScriptedLLM:
    state = gateway_server.gateway_state
    assert state is not None
    httpx.post(f"{gateway_server.url}/admin/reset").raise_for_status()
    return ScriptedLLM(gateway_server, state)


def use_runtime(tc: TestClient, runtime: AgentRuntime) -> AgentRuntime:
    app: Any = tc.app
    app.dependency_overrides[agent_runtime] = lambda: runtime
    return runtime


def with_llm(tc: TestClient, s: Session, llm: ScriptedLLM, **kw: Any) -> AgentRuntime:
    """The default runtime (the tenant's Router) with the gateway as provider."""
    llm.connect(tc, s)
    return use_runtime(tc, AgentRuntime(**kw))


@pytest.fixture
def ask(client: TestClient) -> Callable[..., list[tuple[str, dict[str, Any]]]]:  # noqa: F811
    """Opens a conversation (or reuses ``conversation``), posts ``content``
    and returns the SSE events in order."""

    def run(
        s: Session, content: str, conversation: str | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        if conversation is None:
            r = client.post(f"{API}/conversations", headers=s.headers)
            assert r.status_code == 201, r.text
            conversation = r.json()["id"]
        r = client.post(
            f"{API}/conversations/{conversation}/messages",
            json={"content": content},
            headers=s.headers,
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/event-stream")
        return parse_sse(r.text)

    return run


def parse_sse(body: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def principal_of(info: TenantInfo, user_id: int = 1) -> Principal:
    """A tenant principal for calling services directly (no pending write)."""
    return Principal(
        user_id=user_id,
        tenant_id=info.tenant_id,
        slug=info.slug,
        role=Role.member,
        session_id=0,
        must_change_password=False,
        grants=frozenset(),
        pending_lsn=None,
    )


def tool_context(tc: TestClient, info: TenantInfo) -> ToolContext:
    """The tools' context for ``info``'s tenant, on the app's clients."""
    app: Any = tc.app
    return ToolContext(app.state.clients, principal_of(info))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real offline MiniLM, loaded once (seconds of numpy work)."""
    from pulse_common.ai.embeddings import LocalMiniLM

    return LocalMiniLM()


def local_runtime(embedder: Embedder, **kw: Any) -> AgentRuntime:
    """Local mode whatever providers the (shared) demo tenant has: the
    no-provider path itself is tested on a tenant without any."""
    return AgentRuntime(chat_model_for=lambda _c, _p: None, make_embedder=lambda: embedder, **kw)
