"""Every figure local mode and the overview's insights print reads as the
dashboard shows it, on the demo seed: no unit id ("per_day", "percent",
"hours" after a number) and no number with more than one decimal (the
walkthrough found "12.50 percent → 14.29 percent" and "84.74 hours")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent.intents import INTENTS
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, principal_of, signed_in, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

UNIT_ID = re.compile(r"per_day|\bpercent\b|\bratio\b|\d\s*hours\b")
TWO_DECIMALS = re.compile(r"\d\.\d\d")
# Periods ending today and 70 days ago (the demo's deployments then fall in
# the window's last weeks): the summary's insights differ across them.
PERIODS = [(days, back) for days in (30, 90, 180, 365) for back in (0, 70)]


def unworded(text: str) -> list[str]:
    return UNIT_ID.findall(text) + TWO_DECIMALS.findall(text)


def test_every_template_and_insight_words_its_figures(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    app: Any = client.app
    ctx = ToolContext(app.state.clients, principal_of(demo))
    texts: list[str] = []
    insights: list[str] = []
    for intent in INTENTS:
        for days, back in PERIODS:
            end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=back)
            args = {**intent.arguments, "days": days, "end": end.isoformat()}
            out = TOOLS[intent.tool].run(ctx, args)
            texts += [intent.render(out, f"over {days} days"), out.summary]
            if intent.tool == "dora_summary":
                insights += out.data["insights"]
    # Through the API as a person asks: each intent's first question and one
    # that is searched for (its template lists the matches).
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    for question in [i.exemplars[0] for i in INTENTS] + ["checkout fails after the upgrade"]:
        events = ask(s, question)
        texts += [text_of(events)] + [d["summary"] for k, d in events if k == "step"]

    found = {t: unworded(t) for t in texts + insights if unworded(t)}
    assert found == {}
    # Not vacuous: changes, hours and counts were worded.
    assert any(" → " in i for i in insights), insights
    assert any(re.search(r"\d (min|h|days)\b", t) for t in texts), texts
    assert any(re.search(r"\d %", t) for t in texts), texts


# Rows the overview's insights were stored with before they were worded as
# the tiles and the assistant word a figure, and the words they read in now.
OLD_INSIGHTS = [
    (
        "lead_time_for_changes",
        "Lead time for changes improved: 84.74 → 60.25 hours (n=12).",
        "Lead time for changes improved: 3.5 days → 2.5 days (from 12 deployed PRs).",
    ),
    (
        "deployment_frequency",
        "Deployment frequency worsened: 0.50 → 0.00 per day (n=3).",
        "Deployment frequency worsened: 3.5 / week → 0.0 / week (from 3 deployments); most "
        "months in this period had no deployment day (the median month counts).",
    ),
    (
        "lead_time_for_changes",
        "Lead time: coding is the longest step (median 84.7 h over 13 PRs).",
        "Lead time: coding is the longest step (median 3.5 days over 13 PRs).",
    ),
    (
        "failed_deployment_recovery_time",
        "1 incident(s) caused by deployments in this period are still open.",
        "1 incident caused by deployments in this period is still open.",
    ),
]


def test_insights_stored_in_an_old_wording_read_as_the_assistant_words_them(
    client: TestClient, platform: Platform, demo: TenantInfo
) -> None:
    """``GET /analytics/insights`` gave rows posted before the wording
    changed as stored ("84.74 → 60.25 hours (n=12)") beside the summary's
    and the assistant's "3.5 days"; they are re-worded when read."""
    s = signed_in(client, demo)
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=11)
    start = end - dt.timedelta(days=30)
    rng = {"start": f"{start.isoformat()}T00:00:00Z", "end": f"{end.isoformat()}T00:00:00Z"}
    r = client.post("/api/v1/analytics/insights", params=rng, headers=s.headers)
    assert r.status_code == 201, r.text
    for metric, old, _ in OLD_INSIGHTS:
        tenant_sql(
            platform,
            demo.slug,
            "INSERT INTO dora_metric_insights (tenant_id, metric, period_start, period_end, "
            "insight_text, generated_by, scope, scope_key) SELECT tenant_id, :m, period_start, "
            "period_end, :old, 'rules', scope, scope_key FROM dora_metric_insights "
            "WHERE period_start = :start AND period_end = :end LIMIT 1",
            {"m": metric, "old": old, **{k: dt.datetime.fromisoformat(v) for k, v in rng.items()}},
        )
    wait_replica(platform)
    r = client.get("/api/v1/analytics/insights", params=rng, headers=s.headers)
    assert r.status_code == 200, r.text
    texts = [i["text"] for i in r.json()["items"]]
    assert {new for _, _, new in OLD_INSIGHTS} <= set(texts), texts
    assert not [t for t in texts if unworded(t) or "(n=" in t or "(s)" in t], texts
