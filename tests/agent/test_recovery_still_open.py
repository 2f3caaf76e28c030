"""Recovery time with most incidents still open: its median is one of them,
so there is no duration. The dashboard's tile says "Still open"; local
mode said "no data; most of these incidents are still open: the median
recovery time is not known yet", a figure of nothing and no count. It says
"still open" now, with how many are, in the metric's answer, its step line,
the summary and the period it is compared with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.analytics.wording import figure_words
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.backend.conftest import Platform, Session, TenantInfo, admin_session
from tests.backend.support import add_deployment, add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# Two of three incidents open: more than half, so no median.
STILL_OPEN = "still open (2 of 3 incidents not resolved yet)"
BARE = ("no data", "—", "not known yet")


def _seed(platform: Platform, t: TenantInfo) -> None:
    """One production deployment 5 days ago that caused three incidents,
    one resolved after an hour, two still open."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    repo = add_repository(platform, t)
    add_deployment(platform, t, repo, 1, now - dt.timedelta(days=5))
    for n, resolved in ((1, now - dt.timedelta(days=4, hours=23)), (2, None), (3, None)):
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
                "at": now - dt.timedelta(days=5) + dt.timedelta(minutes=n),
                "resolved": resolved,
                "r": repo,
            },
        )
    tenant_sql(
        platform,
        t.slug,
        "INSERT INTO incidents_deployments (tenant_id, incident_id, deployment_id, link_method)"
        " SELECT :t, i.id, d.id, 'manual' FROM incidents i, deployments d",
        {"t": t.tenant_id},
    )
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
    _seed(platform, s.tenant)
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

    # The summary's recovery line carries no count of its own: it is looked up.
    events = ask(s, "How are we doing overall?")
    assert events[0][1]["tool"] == "dora_summary", events
    answer = text_of(events)
    assert f"- Failed deployment recovery time: {STILL_OPEN} (level" in answer, answer


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
