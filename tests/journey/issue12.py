"""Issue 12's steps of the journey, in the browser after the sync: the
Search page finds an issue by meaning (no word in common with it), and the
Assistant page answers a question with citations and the figure computed
independently from the local servers' data, streamed over SSE."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.journey.conftest import run_browser
from tests.journey.expected import Expected, format_hours

# An issue the journey's user rewrites before the sync, and a query for it
# that shares no word with it: only the meaning can connect them.
ISSUE_KEY = "JRN-1"
ISSUE_SUMMARY = "Customers cannot reset a forgotten password"
QUERY = "account recovery when someone loses their login credentials"
QUESTION = "Which pull requests were slowest to ship?"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def search_by_meaning(web_url: str, login: dict[str, str], _want: Expected) -> dict[str, Any]:
    assert not words(QUERY) & words(ISSUE_SUMMARY)
    shown = run_browser("searchPage", web_url, query=QUERY, **login)
    assert shown["consoleErrors"] == []
    assert shown["status"] == 200 and shown["q"] == QUERY, shown
    body = shown["api"]
    # Semantic, not the full-text fallback, on the page as in the answer.
    assert body["mode"] == "semantic" and shown["mode"] == "semantic", shown
    assert ISSUE_SUMMARY in body["results"][0]["title"], body
    assert ISSUE_SUMMARY in shown["groups"]["Work items"][0], shown["groups"]
    return shown


def sse_events(stream: str) -> list[tuple[str, dict[str, Any]]]:
    events, name = [], ""
    for line in stream.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def ask_assistant(web_url: str, login: dict[str, str], want: Expected) -> dict[str, Any]:
    """Offline (no AI provider row): local mode answers from the tools."""
    shown = run_browser("askOnPage", web_url, question=QUESTION, **login)
    assert shown["consoleErrors"] == []
    assert shown["contentType"].startswith("text/event-stream"), shown
    events = sse_events(shown["stream"])
    kinds = [k for k, _ in events]
    assert kinds[-1] == "done", events
    answer = "".join(d["text"] for k, d in events if k == "token")
    citations = [d for k, d in events if k == "citation"]
    assert citations and all(c["title"] and c["id"] for c in citations), events
    assert want.lead_time_hours is not None
    # As the overview's tile shows it (the web app's formatHours), never "84.74 hours".
    assert f": {format_hours(want.lead_time_hours)} (from " in answer, answer
    # The page shows what was streamed: the text, every citation, the mode.
    assert shown["shownText"] == answer, shown
    for c in citations:
        assert any(c["title"] in line for line in shown["citations"]), (c, shown["citations"])
    assert shown["steps"] and shown["mode"] == "local", shown
    return shown
