"""Recovery time with most incidents still open: its median is one of them,
so there is no duration. The dashboard's tile says "Still open"; local
mode said "no data; most of these incidents are still open: the median
recovery time is not known yet", a figure of nothing and no count. It says
"still open" now, with how many are, in the metric's answer, its step line,
the summary and the period it is compared with."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent.dora_tools import summary_line_words
from pulse_backend.analytics.wording import figure_words
from pulse_common.ai import Embedder
from pulse_common.analytics.results import SummaryLine
from pulse_common.models.control import DoraLevel
from tests.agent.conftest import ScriptedLLM, local_runtime, use_runtime, with_llm
from tests.agent.test_local_and_memory import text_of
from tests.backend.conftest import Platform, Session, TenantInfo, admin_session
from tests.backend.support import add_deployment, add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# Two of three incidents open: more than half, so no median.
STILL_OPEN = "still open (2 of 3 incidents not resolved yet)"
BARE = ("no data", "—", "not known yet")


def _incident(
    platform: Platform,
    t: TenantInfo,
    repo: int,
    n: int,
    caused_at: dt.datetime,
    hours: float | None,
) -> None:
    """Incident ``INC-<n>``, caused by deployment ``d-<n>`` finished at
    ``caused_at`` and resolved ``hours`` after it (None: still open)."""
    add_deployment(platform, t, repo, n, caused_at)
    at = caused_at + dt.timedelta(minutes=1)
    resolved = None if hours is None else caused_at + dt.timedelta(hours=hours)
    tenant_sql(
        platform,
        t.slug,
        "INSERT INTO incidents (tenant_id, external_id, title, severity, status,"
        " started_at, detected_at, resolved_at, repository_id)"
        " VALUES (:t, :x, :title, 'sev2', :status, :at, :at, :resolved, :r)",
        {
            "t": t.tenant_id,
            "x": f"INC-{n}",
            "title": f"outage {n}",
            "status": "resolved" if resolved else "open",
            "at": at,
            "resolved": resolved,
            "r": repo,
        },
    )
    tenant_sql(
        platform,
        t.slug,
        "INSERT INTO incidents_deployments (tenant_id, incident_id, deployment_id, link_method)"
        " SELECT :t, i.id, d.id, 'manual' FROM incidents i, deployments d"
        " WHERE i.external_id = :x AND d.external_id = :d",
        {"t": t.tenant_id, "x": f"INC-{n}", "d": f"d-{n}"},
    )


def _seed(
    platform: Platform, t: TenantInfo, *periods: tuple[int, tuple[float | None, ...]]
) -> None:
    """For each (days ago, hours to recover): a deployment that many days
    ago causing one incident per hours (None: still open)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    repo = add_repository(platform, t)
    n = 0
    for days, recoveries in periods:
        for hours in recoveries:
            n += 1
            _incident(platform, t, repo, n, now - dt.timedelta(days=days, minutes=n), hours)
    wait_replica(platform)


def _bare(text: str) -> list[str]:
    return [b for b in BARE if b in text]


def test_a_recovery_time_with_most_incidents_open_says_still_open_with_the_count(
    client: TestClient,
    platform: Platform,
    make_tenant: Any,
    embedder: Embedder,
    ask: Any,
) -> None:
    s: Session = admin_session(client, make_tenant("rto"))
    # Three incidents 5 days ago, one resolved after an hour, two still open.
    _seed(platform, s.tenant, (5, (1.0, None, None)))
    use_runtime(client, local_runtime(embedder))

    # Recovery time (deployment → resolution) and the older time to restore.
    for question, tool_metric in (
        ("How long does it take us to restore service after an incident?", "recovery_time"),
        ("How many incidents did we have?", "mean_time_to_restore"),
    ):
        events = ask(s, question)
        step = events[0][1]
        assert step["arguments"]["metric"] == tool_metric, step
        answer = text_of(events)
        assert STILL_OPEN in answer, answer
        assert "still open over 90 days (2 of 3 incidents" in step["summary"], step
        assert _bare(answer) == [] and _bare(step["summary"]) == [], (answer, step)

    # The summary's recovery line carries its count (``SummaryLine.unresolved``).
    events = ask(s, "How are we doing overall?")
    assert events[0][1]["tool"] == "dora_summary", events
    answer = text_of(events)
    assert f"- Failed deployment recovery time: {STILL_OPEN} (level" in answer, answer


def test_a_previous_period_with_most_incidents_open_reads_still_open_and_improved(
    client: TestClient,
    platform: Platform,
    make_tenant: Any,
    embedder: Embedder,
    ask: Any,
) -> None:
    """The previous 90 days' recovery time has no median (two of three
    incidents open), this period's is 2.0 h. The previous value reads
    "still open" with its count, not "no data", and the change is
    "improved" (an incident open since before this period has lasted
    longer than any resolved in it), not "no_data"."""
    s: Session = admin_session(client, make_tenant("rtp"))
    _seed(platform, s.tenant, (100, (1.0, None, None)), (5, (2.0,)))
    # The default range: the last 90 days, compared with the 90 before.
    body = client.get("/api/v1/analytics/summary", headers=s.headers).json()
    line = next(ln for ln in body["lines"] if ln["metric"] == "failed_deployment_recovery_time")
    assert (line["value"], line["sample_size"], line["unresolved"]) == (2.0, 1, 0), line
    assert (line["previous_value"], line["previous_sample_size"]) == (None, 3), line
    assert (line["previous_unresolved"], line["change"]) == (2, "improved"), line
    # Its level moved (low: most open; high: 2.0 h), which the insight says.
    assert "Failed deployment recovery time moved up from low to high." in body["insights"], body

    use_runtime(client, local_runtime(embedder))
    events = ask(s, "How are we doing overall?")
    assert events[0][1]["tool"] == "dora_summary", events
    answer = text_of(events)
    assert (
        "- Failed deployment recovery time: 2.0 h (from 1 incident) (level high,"
        f" previous {STILL_OPEN}, improved). Why this level: High in the "
    ) in answer, answer
    assert _bare(answer.split("Failed deployment recovery time:")[1].split("\n")[0]) == []


def test_the_still_open_words() -> None:
    words = figure_words("failed_deployment_recovery_time", None, "hours", 3, unresolved=2)
    assert words == STILL_OPEN
    assert figure_words("recovery_time", None, "hours", 1, " over 30 days", 1) == (
        "still open over 30 days (the 1 incident is not resolved yet)"
    )
    # Without the count, what a missing median means; thousands grouped.
    assert figure_words("mean_time_to_restore", None, "hours", 1200) == (
        "still open (most of the 1,200 incidents not resolved yet)"
    )
    assert figure_words("mean_time_to_restore", None, "hours", 1200, unresolved=1100) == (
        "still open (1,100 of 1,200 incidents not resolved yet)"
    )
    # No incident at all is not "still open".
    assert figure_words("recovery_time", None, "hours", 0) == "no data"


def _recovery_line(**kw: Any) -> SummaryLine:
    base: dict[str, Any] = {
        "metric": "failed_deployment_recovery_time",
        "value": 2.0,
        "unit": "hours",
        "level": DoraLevel.high,
        "sample_size": 5,
        "previous_value": 30.0,
        "previous_level": DoraLevel.medium,
        "previous_sample_size": 4,
        "change": "improved",
        "unresolved": 0,
        "previous_unresolved": 0,
        "level_reason": "High in the 2024 report: 2.0 h is less than one day.",
    }
    return SummaryLine(**{**base, **kw})


def test_the_summary_line_words_say_each_periods_open_incidents_once() -> None:
    assert summary_line_words(_recovery_line()) == (
        "Failed deployment recovery time: 2.0 h (from 5 incidents) (level high, previous"
        " 30 h (from 4 incidents), improved). Why this level: High in the 2024 report: 2.0 h"
        " is less than one day."
    )
    # Open incidents beside a median, in either period, are counted after it.
    words = summary_line_words(_recovery_line(unresolved=2, previous_unresolved=1))
    assert "improved); 2 of 5 incidents still open; previous period: 1 of 4 incidents" in words
    # Without a median the figure itself counts them: not said twice.
    words = summary_line_words(
        _recovery_line(previous_value=None, previous_level=DoraLevel.low, previous_unresolved=3)
    )
    assert "previous still open (3 of 4 incidents not resolved yet), improved)." in words
    assert words.count("still open") == 1 and "no data" not in words, words


def test_a_repository_with_most_incidents_open_ranks_slowest(
    client: TestClient, platform: Platform, make_tenant: Any, llm: ScriptedLLM, ask: Any
) -> None:
    """Ranked by recovery time, a repository whose median is an open incident
    is slower than any with a median (it was "no data", so not ranked), the
    larger share open the slower; the longest incidents list open ones first."""
    s: Session = admin_session(client, make_tenant("rtk"))
    t = s.tenant
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    n = 0
    # api: one incident resolved after 10 h; web: 2 of 3 open; ops: 3 of 4.
    for name, recoveries in (
        ("api", (10.0,)),
        ("web", (1.0, None, None)),
        ("ops", (2.0, None, None, None)),
    ):
        [(repo,)] = tenant_sql(
            platform,
            t.slug,
            "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, :f, :n) RETURNING id",
            {"t": t.tenant_id, "f": f"acme/{name}", "n": name},
        )
        for hours in recoveries:
            n += 1
            _incident(platform, t, repo, n, now - dt.timedelta(days=5, minutes=n), hours)
    wait_replica(platform)
    with_llm(client, s, llm)
    llm.call("rank", subject="repositories", metric="recovery_time", days=90)
    llm.call("dora_metric", metric="recovery_time", days=90).say("Done.")
    events = ask(s, "which repository recovers slowest?")
    steps = [d["summary"] for k, d in events if k == "step"]
    assert steps[0].endswith("first acme/ops: still open (3 of 4 incidents not resolved yet)"), (
        steps
    )
    ranked = json.loads(llm.requests[1]["messages"][-1]["content"])["data"]["ranked"]
    assert [(r["rank"], r["name"], r["value"]) for r in ranked] == [
        (1, "acme/ops", None),
        (2, "acme/web", None),
        (3, "acme/api", 10.0),
    ], ranked
    assert ranked[1]["figure"] == "still open (2 of 3 incidents not resolved yet)", ranked
    items = json.loads(llm.requests[2]["messages"][-1]["content"])["data"]["items"]
    # Five of the eight: the five open ones, none of the resolved.
    assert [i["hours"] for i in items] == [None] * 5, items
