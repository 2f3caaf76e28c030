"""The Router over real HTTP to the local gateways: preference by context,
fallback under each fault, streaming, tool calls."""

from __future__ import annotations

import json

import httpx
import pytest

from pulse_common.ai import ChatMessage, ToolCall, ToolSpec
from pulse_common.ai.errors import NoProviderAvailable
from pulse_common.ai.metrics import CallRecord
from pulse_common.ai.routing import Router
from pulse_fakes import FakeServer, Fault
from tests.ai.conftest import entry

ASK = [ChatMessage(role="user", content="why did lead time rise")]


class Calls:
    """Keeps what the router recorded (the SQL recorder is tested apart)."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def write(self, record: CallRecord) -> None:
        self.records.append(record)

    async def awrite(self, record: CallRecord) -> None:
        self.records.append(record)


def served(server: FakeServer) -> int:
    return len(server.plan.served("/chat/completions$"))


@pytest.mark.parametrize(("context", "winner"), [("interactive", "paid"), ("etl", "local")])
async def test_context_prefers_its_route(
    paid: FakeServer, local: FakeServer, context: str, winner: str
) -> None:
    router = Router(
        [entry("paid", paid, gateway_route=True), entry("local", local, gateway_route=False)]
    )
    result = await router.complete(ASK, context=context)  # type: ignore[arg-type]
    assert result.provider == winner
    assert result.message.content == "echo: why did lead time rise"
    assert (served(paid), served(local)) == ((1, 0) if winner == "paid" else (0, 1))


async def test_priority_orders_within_a_route(paid: FakeServer, local: FakeServer) -> None:
    router = Router([entry("b", paid, priority=50), entry("a", local, priority=10)])
    assert (await router.complete(ASK)).provider == "a"


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        (Fault("/chat/completions$", "status", 429, retry_after=7), "rate_limited"),
        (Fault("/chat/completions$", "status", 500), "error"),
        # Held past the paid provider's read timeout (0.5 s in this case).
        (Fault("/chat/completions$", "timeout", delay=1.5), "timeout"),
        (Fault("/chat/completions$", "malformed", field="choices"), "malformed"),
        (Fault("/chat/completions$", "truncate"), "malformed"),
    ],
    ids=["429", "500", "timeout", "malformed-field", "malformed-body"],
)
async def test_fallback_under_each_fault(
    paid: FakeServer, local: FakeServer, fault: Fault, outcome: str
) -> None:
    paid.plan.add(fault)
    calls = Calls()
    # The read timeout is a provider setting: the timeout case waits out a
    # short one (the other faults answer at once, within the usual 2 s).
    read = 0.5 if outcome == "timeout" else 2
    timeouts = {"connect_seconds": 2, "read_seconds": read}
    router = Router(
        [
            entry("paid", paid, fallback="local", priority=1, timeouts=timeouts),
            entry("local", local, priority=2),
        ],
        calls,
    )
    result = await router.complete(ASK)
    assert result.provider == "local"
    assert [(c.provider, c.outcome) for c in calls.records] == [
        ("paid", outcome),
        ("local", "ok"),
    ]
    if outcome == "rate_limited":
        assert "retry after 7 s" in (calls.records[0].error or "")
    assert calls.records[1].prompt_tokens == 5 and calls.records[1].completion_tokens == 6


async def test_explicit_fallback_link_beats_rank(paid: FakeServer, local: FakeServer) -> None:
    paid.plan.add(Fault("/chat/completions$", "status", 500, times=5))
    # "c" ranks before "b", but "a" names "b" as its fallback.
    router = Router(
        [
            entry("a", paid, priority=1, fallback="b"),
            entry("c", paid, priority=2),
            entry("b", local, priority=3),
        ]
    )
    assert (await router.complete(ASK)).provider == "b"
    assert served(paid) == 1


async def test_all_failing_names_each_and_never_the_key(
    paid: FakeServer, local: FakeServer
) -> None:
    calls = Calls()
    router = Router(
        [entry("paid", paid, key="wrong-secret-key"), entry("local", local, key="other-secret")],
        calls,
    )
    with pytest.raises(NoProviderAvailable) as caught:
        await router.complete(ASK)
    text = str(caught.value)
    assert "'paid'" in text and "'local'" in text and "401" in text
    assert "secret" not in text and all("secret" not in (c.error or "") for c in calls.records)
    assert [c.outcome for c in calls.records] == ["rejected", "rejected"]
    with pytest.raises(NoProviderAvailable, match="no active ai provider"):
        await Router([]).complete(ASK)


async def test_streaming_deltas_and_result(paid: FakeServer) -> None:
    assert paid.gateway_state is not None
    paid.gateway_state.script({"content": "Lead time rose because reviews waited."})
    calls = Calls()
    deltas = [d async for d in Router([entry("paid", paid)], calls).stream(ASK)]
    texts = [d.text for d in deltas if d.text]
    assert len(texts) > 3 and "".join(texts) == "Lead time rose because reviews waited."
    final = deltas[-1].result
    assert final is not None and final.message.content == "".join(texts)
    assert final.completion_tokens == 6 and final.prompt_tokens == 5
    assert [c.outcome for c in calls.records] == ["ok"]


async def test_stream_falls_back_before_the_first_token(
    paid: FakeServer, local: FakeServer
) -> None:
    paid.plan.add(Fault("/chat/completions$", "status", 429, retry_after=1))
    router = Router([entry("paid", paid, priority=1), entry("local", local, priority=2)])
    deltas = [d async for d in router.stream(ASK)]
    assert deltas[-1].result is not None and deltas[-1].result.provider == "local"


async def test_sse_wire_format(paid: FakeServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{paid.url}/v1/chat/completions",
            headers={"Authorization": "Bearer paid-key-123"},
            json={"model": "m", "messages": [{"role": "user", "content": "a b"}], "stream": True},
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    first = json.loads(events[0].removeprefix("data: "))
    assert first["object"] == "chat.completion.chunk"
    assert first["choices"][0]["delta"]["role"] == "assistant"
    last = json.loads(events[-2].removeprefix("data: "))
    assert last["choices"][0]["finish_reason"] == "stop"


TOOL = ToolSpec(
    name="dora_metrics",
    description="DORA metrics of a month",
    parameters={"type": "object", "properties": {"month": {"type": "string"}}},
)


@pytest.mark.parametrize("streamed", [False, True])
async def test_tool_calls_round_trip(paid: FakeServer, streamed: bool) -> None:
    state = paid.gateway_state
    assert state is not None
    state.script(
        {
            "tool_calls": [
                {"id": "call_1", "name": "dora_metrics", "arguments": {"month": "2026-03"}}
            ]
        },
        {"content": "Lead time rose in March [PR-12]."},
    )
    router = Router([entry("paid", paid)])
    if streamed:
        deltas = [d async for d in router.stream(ASK, tools=[TOOL])]
        first = deltas[-1].result
    else:
        first = await router.complete(ASK, tools=[TOOL])
    assert first is not None
    assert first.message.tool_calls == [
        ToolCall(id="call_1", name="dora_metrics", arguments={"month": "2026-03"})
    ]
    follow = [
        *ASK,
        first.message,
        ChatMessage(role="tool", tool_call_id="call_1", content='{"lead_time_hours": 41}'),
    ]
    second = await router.complete(follow, tools=[TOOL])
    assert second.message.content == "Lead time rose in March [PR-12]."
    sent = state.requests[-1]["body"]
    assert sent["tools"][0] == {"type": "function", "function": TOOL.model_dump()}
    assistant, tool = sent["messages"][1], sent["messages"][2]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "dora_metrics",
        "arguments": '{"month": "2026-03"}',
    }
    assert tool == {"role": "tool", "content": '{"lead_time_hours": 41}', "tool_call_id": "call_1"}


async def test_azure_openai_route(paid: FakeServer) -> None:
    router = Router(
        [
            entry(
                "azure",
                paid,
                kind="azure-openai",
                base_url=paid.url,
                deployment="gpt4o-prod",
                api_version="2024-10-21",
            )
        ]
    )
    result = await router.complete(ASK)
    assert result.message.content == "echo: why did lead time rise"
    [request] = paid.plan.served("/chat/completions$")
    assert request.path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert request.query == "api-version=2024-10-21"


async def test_admin_endpoints_script_and_inject(paid: FakeServer) -> None:
    auth = {"Authorization": "Bearer paid-key-123"}
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(base_url=paid.url) as client:
        r = await client.post("/admin/script", json={"answers": [{"content": "scripted"}]})
        assert r.json() == {"queued": 1}
        r = await client.post(
            "/admin/faults", json={"path": "/chat/completions$", "status": 429, "retry_after": 2}
        )
        assert r.status_code == 200
        limited = await client.post("/v1/chat/completions", headers=auth, json=ask)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
        assert limited.json()["error"]["code"] == "rate_limit_exceeded"
        answer = await client.post("/v1/chat/completions", headers=auth, json=ask)
        assert answer.json()["choices"][0]["message"]["content"] == "scripted"
        bad = await client.post("/v1/chat/completions", headers=auth, json={"model": "m"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "messages"
        emb = await client.post(
            "/v1/embeddings", headers=auth, json={"input": "x", "dimensions": 64}
        )
        assert len(emb.json()["data"][0]["embedding"]) == 64
        assert (await client.get("/v1/models")).status_code == 401
        await client.post("/admin/reset")
        assert (await client.get("/admin/requests")).json() == {"requests": []}
