"""Issue 12's steps of the journey, over HTTP on the web app's origin after
the sync: search finds an issue by meaning (no word in common with it), and
the assistant answers a question with a citation and the figure computed
independently from the local servers' data."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.journey.expected import Expected

# An issue the journey's user rewrites before the sync, and a query for it
# that shares no word with it: only the meaning can connect them.
ISSUE_KEY = "JRN-1"
ISSUE_SUMMARY = "Customers cannot reset a forgotten password"
QUERY = "account recovery when someone loses their login credentials"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def search_by_meaning(api: httpx.Client) -> dict[str, Any]:
    assert not words(QUERY) & words(ISSUE_SUMMARY)
    r = api.get("/search", params={"q": QUERY, "limit": 3})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["mode"] == "semantic", body  # not the full-text fallback
    top: dict[str, Any] = body["results"][0]
    assert ISSUE_SUMMARY in top["title"], body
    return top


def sse_events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    events, name = [], ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def ask_assistant(api: httpx.Client, want: Expected) -> dict[str, Any]:
    """Offline (no AI provider row): local mode answers from the tools."""
    created = api.post("/assistant/conversations")
    assert created.status_code == 201, created.text
    conversation = created.json()["id"]
    question = {"content": "Which pull requests were slowest to ship?"}
    with api.stream(
        "POST", f"/assistant/conversations/{conversation}/messages", json=question
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "done", events
    answer = "".join(d["text"] for k, d in events if k == "token")
    citations = [d for k, d in events if k == "citation"]
    assert citations and all(c["title"] and c["id"] for c in citations), events
    assert want.lead_time_hours is not None
    assert f"{want.lead_time_hours:.2f}" in answer, answer
    return {"answer": answer, "citations": citations, "done": events[-1][1]}
