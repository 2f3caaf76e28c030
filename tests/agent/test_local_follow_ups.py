"""Local mode's follow-ups through the real API: "And which of those are
still open?" after a question about incidents is answered with the open
incidents (the walkthrough got the previous answer again, word for word),
and a follow-up local mode cannot narrow says so instead of repeating."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import date_ranges
from pulse_backend.agent.local import ZONE
from pulse_common.ai import Embedder
from tests.agent.conftest import API, local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import last_90_days, previous_month, text_of
from tests.backend.conftest import Platform, Session, TenantInfo
from tests.backend.support import tenant_sql

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

LONGEST = "Which incidents took longest to fix?"
# The incidents detected in the last 90 days (UTC days) and not resolved,
# oldest first, with the deployment the answer should name.
OPEN = """
SELECT n.id, n.external_id, n.severity, n.status,
       coalesce((SELECT min(x.deployment_id) FROM incidents_deployments x
                 WHERE x.incident_id = n.id), n.deployment_id) AS deployment_id
FROM incidents n
WHERE n.resolved_at IS NULL
  AND coalesce(n.detected_at, n.started_at) >= :start
  AND coalesce(n.detected_at, n.started_at) < :end
ORDER BY coalesce(n.detected_at, n.started_at), n.id
"""


def conversation(client: TestClient, s: Session) -> str:
    r = client.post(f"{API}/conversations", headers=s.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def cited(events: list[tuple[str, dict[str, Any]]], kind: str) -> list[int]:
    return [d["id"] for k, d in events if k == "citation" and d["type"] == kind]


def default_days() -> dict[str, dt.datetime]:
    """Local mode's default period (the last 90 UTC days) as :start and :end."""
    today = date_ranges.today_in(ZONE)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    return {"start": end - dt.timedelta(days=90), "end": end}


def open_incidents(platform: Platform, demo: TenantInfo) -> list[Any]:
    return tenant_sql(platform, demo.slug, OPEN, default_days())


def test_which_of_those_are_still_open_lists_the_open_incidents(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    conv = conversation(client, s)
    first = text_of(ask(s, LONGEST, conv))
    events = ask(s, "And which of those are still open?", conv)
    step = events[0][1]
    assert step["tool"] == "open_incidents", events
    answer = text_of(events)
    assert first not in answer and first.splitlines()[0] not in answer, answer
    expected = open_incidents(platform, demo)
    assert expected, "the demo seed leaves incidents open"
    n = len(expected)
    assert answer.startswith(
        f"Read as a follow-up to “{LONGEST}”:\n"
        f"Incidents detected {last_90_days()} that are still open: "
        f"{n} incident{'s' if n > 1 else ''}, oldest first:\n"
    ), answer
    # Each open incident, cited, with its severity, status, age and deployment.
    assert cited(events, "incident") == [r.id for r in expected]
    linked = [r.deployment_id for r in expected if r.deployment_id is not None]
    assert linked and cited(events, "deployment") == list(dict.fromkeys(linked))
    lines = answer.splitlines()[2:]
    assert len(lines) == n, answer
    for i, (line, row) in enumerate(zip(lines, expected, strict=True), start=1):
        assert line.startswith(f"{i}. {row.external_id} "), line
        assert f"({row.severity}, {row.status}, open for " in line, line
        assert "linked to " in line or "no deployment linked" in line, line


def test_open_incidents_is_also_a_question_of_its_own(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    expected = [r.id for r in open_incidents(platform, demo)]
    for question in ("which incidents are still open?", "what outages are unresolved"):
        events = ask(s, question)
        assert events[0][1]["tool"] == "open_incidents", (question, events)
        assert text_of(events).startswith(f"Incidents detected {last_90_days()} "), question
        assert cited(events, "incident") == expected, question


def test_a_follow_up_keeps_the_period_it_leans_on(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    conv = conversation(client, s)
    ask(s, "Which incidents took longest to fix last month?", conv)
    events = ask(s, "And which of those are still open?", conv)
    step = events[0][1]
    first, last = previous_month(date_ranges.today_in(ZONE))
    assert step["tool"] == "open_incidents"
    assert (step["arguments"]["days"], step["arguments"]["end"]) == (
        (last - first).days + 1,
        last.isoformat(),
    )


def test_a_follow_up_local_mode_cannot_narrow_is_not_answered_again(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """ "which of those were sev1?" reads as the question before it, for the
    same days: the answer says what local mode can narrow instead of
    printing the previous answer again as if it were new."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    conv = conversation(client, s)
    first = ask(s, LONGEST, conv)
    previous = text_of(first)
    for follow_up in ("which of those were sev1?", "and which of them were sev2?"):
        events = ask(s, follow_up, conv)
        answer = text_of(events)
        assert [k for k, _ in events if k in ("step", "citation")] == [], events
        assert previous not in answer and previous.splitlines()[0] not in answer, answer
        assert f"“{follow_up}” reads as the question my previous answer already answers" in (answer)
        assert "I can narrow an answer to another period" in answer, answer
        assert "- Which incidents are still open?" in answer, answer
    # The same words asked again are answered again (the data may have changed).
    again = ask(s, LONGEST, conv)
    assert [d["tool"] for k, d in again if k == "step"] == ["dora_metric"]
    assert text_of(again) == previous
