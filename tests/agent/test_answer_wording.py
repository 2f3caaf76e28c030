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
from tests.backend.conftest import TenantInfo

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
