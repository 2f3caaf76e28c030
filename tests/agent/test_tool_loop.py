"""The agent in LLM mode, against the scripted gateway over HTTP and the
demo tenant on the real replica: it runs the tools the model calls, feeds
their results back, streams steps, tokens, citations and ``done`` in that
order, cites the rows with their source URLs, stops at the step limit, and
falls back to local mode when the model fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.search.service import SearchDeps
from pulse_backend.search.vectors import TenantVectors
from pulse_common.ai import Embedder
from tests.agent.conftest import API, ScriptedLLM, signed_in, with_llm
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TOP_REPOS = """
SELECT r.id, r.full_name, r.url, count(DISTINCT n.id) AS incidents
FROM incidents n
LEFT JOIN incidents_deployments x ON x.incident_id = n.id
LEFT JOIN deployments d ON d.id = COALESCE(x.deployment_id, n.deployment_id)
JOIN repositories r ON r.id = COALESCE(n.repository_id, d.repository_id)
WHERE n.detected_at >= now() - interval '91 days'
GROUP BY r.id ORDER BY incidents DESC, r.full_name
"""


def kinds(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [k for k, _ in events]


def test_the_tool_loop_runs_tools_and_cites(
    client: TestClient, platform: Platform, demo: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    answer = "Most incidents come from the repository ranked first above."
    llm.call("incidents_by_repository", days=90).say(answer)

    events = ask(s, "Which repositories cause most incidents?")

    # Steps first, then the answer's tokens, the citations, and done last.
    order = kinds(events)
    assert order[0] == "step" and order[-1] == "done"
    assert order.index("token") < order.index("citation")
    assert order == sorted(order, key=["step", "token", "citation", "done"].index)
    step = events[0][1]
    assert step["tool"] == "incidents_by_repository" and step["arguments"] == {"days": 90}
    top = tenant_sql(platform, demo.slug, TOP_REPOS)[0]
    # Worded: "demo/api: 4 incidents", not "top demo/api (4)".
    assert step["summary"].endswith(f", most in {top.full_name}: {top.incidents} incidents")
    assert "".join(d["text"] for k, d in events if k == "token") == answer
    cited = [d for k, d in events if k == "citation"]
    repo = next(c for c in cited if c["type"] == "repository" and c["id"] == top.id)
    assert repo["url"] == top.url and repo["url"].startswith("https://")
    assert any(c["type"] == "incident" for c in cited)
    done = events[-1][1]
    assert done["mode"] == "llm" and done["provider"] == "gateway-test"

    # The Router recorded both calls in the tenant's performance metrics.
    calls = tenant_sql(
        platform,
        demo.slug,
        "SELECT count(*) FROM ai_performance_metrics WHERE context->>'provider' = 'gateway-test' "
        "AND context->>'outcome' = 'ok' AND context->>'context' = 'interactive'",
    )[0][0]
    assert calls >= 2

    # The model saw the tool's result: its second request carries it.
    assert len(llm.requests) == 2
    first, second = llm.requests
    assert {t["function"]["name"] for t in first["tools"]} >= {"sql_query", "dora_metric"}
    tool_msg = second["messages"][-1]
    assert tool_msg["role"] == "tool"
    assert tool_msg["tool_call_id"] == second["messages"][-2]["tool_calls"][0]["id"]
    assert top.full_name in json.loads(tool_msg["content"])["data"][0]["repository"]


def test_the_history_keeps_the_exchange_with_mode_steps_and_citations(
    client: TestClient, demo: TenantInfo, llm: ScriptedLLM
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    conv = client.post(f"{API}/conversations", headers=s.headers).json()["id"]
    llm.call("dora_metric", metric="lead_time", days=30).say("Lead time is shown above.")
    r = client.post(
        f"{API}/conversations/{conv}/messages", json={"content": "Lead time?"}, headers=s.headers
    )
    assert r.status_code == 200
    llm.say("Nothing new.")
    client.post(
        f"{API}/conversations/{conv}/messages", json={"content": "And now?"}, headers=s.headers
    )
    history = client.get(f"{API}/conversations/{conv}", headers=s.headers).json()
    roles = [m["role"] for m in history["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    first = history["messages"][1]
    assert first["mode"] == "llm" and first["steps"][0]["tool"] == "dora_metric"
    assert first["citations"] and all(c["type"] == "pr" for c in first["citations"])
    assert all(c["url"] and "/pull/" in c["url"] for c in first["citations"])
    # The second question was sent with the first exchange as context.
    sent = [m["content"] for m in llm.requests[-1]["messages"]]
    assert "Lead time?" in sent and "Lead time is shown above." in sent


def test_a_refused_sql_call_goes_back_to_the_model(
    client: TestClient, platform: Platform, demo: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    before = tenant_sql(platform, demo.slug, "SELECT count(*) FROM prs")[0][0]
    llm.call("sql_query", sql="DELETE FROM prs").call(
        "sql_query", sql="SELECT count(*) AS n FROM prs"
    ).say("There are that many PRs.")
    events = ask(s, "Delete the PRs, then count them")
    steps = [d for k, d in events if k == "step"]
    assert "only SELECT queries are allowed" in steps[0]["summary"]
    assert steps[1]["summary"] == "1 rows"
    assert "only SELECT" in json.loads(llm.requests[1]["messages"][-1]["content"])["error"]
    counted = json.loads(llm.requests[2]["messages"][-1]["content"])["data"]
    assert counted["rows"] == [[before]]
    assert tenant_sql(platform, demo.slug, "SELECT count(*) FROM prs")[0][0] == before


def test_the_step_limit_forces_an_answer_without_tools(
    client: TestClient, demo: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm, max_steps=2)
    for _ in range(2):
        llm.call("dora_summary", days=30)
    llm.say("Here is what I found.")
    events = ask(s, "Tell me everything")
    assert [d["tool"] for k, d in events if k == "step"] == ["dora_summary", "dora_summary"]
    assert len(llm.requests) == 3
    assert "tools" not in llm.requests[2]
    assert "every tool round" in llm.requests[2]["messages"][-1]["content"]
    assert events[-1][1]["mode"] == "llm"


def test_a_bad_tool_argument_is_reported_to_the_model(
    client: TestClient, demo: TenantInfo, llm: ScriptedLLM, ask: Any
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    llm.call("dora_metric", metric="happiness").call("no_such_tool").say("Sorry.")
    events = ask(s, "How happy are we?")
    steps = [d["summary"] for k, d in events if k == "step"]
    assert steps[0].startswith("error: dora_metric: metric:")
    assert steps[1] == "unknown tool no_such_tool"
    assert events[-1][1]["mode"] == "llm"


def test_the_search_tool_uses_the_search_service_and_cites(
    client: TestClient,
    platform: Platform,
    demo: TenantInfo,
    llm: ScriptedLLM,
    embedder: Embedder,
    ask: Any,
) -> None:
    s = signed_in(client, demo)
    with_llm(client, s, llm)
    # No vector store answers here: the search service falls back to
    # PostgreSQL full text, and says so in the step.
    app: Any = client.app
    app.state.search = SearchDeps(embedder, TenantVectors("http://127.0.0.1:9", None))
    title = tenant_sql(platform, demo.slug, "SELECT title FROM prs ORDER BY id LIMIT 1")[0][0]
    llm.call("search", query=title, limit=5).say("Found it.")
    events = ask(s, f"Find the PR about {title}")
    step = events[0][1]
    assert step["tool"] == "search" and "fulltext results for" in step["summary"], step
    cited = [d for k, d in events if k == "citation"]
    assert any(c["type"] == "pr" and c["title"].endswith(title) for c in cited), cited
    # The model reads why each hit matched (full text: the query's words).
    [result] = [m for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert '"matched_by": "words"' in result["content"], result
