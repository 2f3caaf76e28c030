"""Whether a DORA metric got better ("is our lead time getting better?",
"are we deploying more often?") got the metric alone, with no comparison:
now the metric with the previous period's figure and the DORA summary's
verdict, each equal to the summary API's for the same days on the demo
seed; "what is our lead time?" still gets the figure alone."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import answers, date_ranges
from pulse_backend.agent.local import ZONE
from pulse_backend.agent.models import ToolOutput
from pulse_backend.analytics.wording import figure_words, fmt_value, metric_name
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_local_periods import analytics
from tests.backend.conftest import TenantInfo

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

# 30 days: the demo's data reaches into the 30 days before them, so both
# periods have figures to compare (over 90 days the previous has none).
DAYS = 30
ASKED = (
    (
        "Is our lead time getting better over the last 30 days?",
        "lead_time",
        "lead_time_for_changes",
    ),
    (
        "Has our change failure rate improved over the last 30 days?",
        "change_failure_rate",
        "change_failure_rate",
    ),
    (
        "Are we deploying more often over the last 30 days?",
        "deployment_frequency",
        "deployment_frequency",
    ),
    (
        "Is recovery getting faster over the last 30 days?",
        "recovery_time",
        "failed_deployment_recovery_time",
    ),
)
VERDICT = {"improved": ": improved.", "worsened": ": worsened.", "unchanged": ": unchanged."}


def test_a_metric_asked_whether_it_got_better_is_the_summarys_comparison(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    days = date_ranges.last_days(date_ranges.today_in(ZONE), DAYS)
    summary = analytics(client, s, "summary", days.first, days.last)
    lines_by_metric = {ln["metric"]: ln for ln in summary["lines"]}
    compared = 0
    for question, metric, summary_metric in ASKED:
        events = ask(s, question)
        step = events[0][1]
        assert step["tool"] == "dora_metric", (question, events)
        assert step["arguments"]["metric"] == metric
        assert step["arguments"]["compare"] is True
        line = lines_by_metric[summary_metric]
        text = text_of(events).splitlines()
        assert text[0].startswith(f"{metric_name(metric)} {days.words()}: "), text
        # As the summary words its figures: a recovery time whose median is
        # an open incident is "still open (2 of 3 ...)", not "no data".
        now, then = (
            figure_words(
                summary_metric,
                line[f"{p}value"],
                line["unit"],
                line[f"{p}sample_size"],
                unresolved=line[f"{p}unresolved"],
            ).split(" (from ")[0]
            for p in ("", "previous_")
        )
        assert f": {now}" in text[0], (text, line)
        before = text[1]
        assert before.startswith(f"Compared with the {DAYS} days before ("), text
        if line["change"] == "no_comparison":
            assert "): no earlier data" in before, (text, line)
            continue
        assert f"): {then}" in before, (text, line)
        if line["change"] == "no_data":
            assert not before.endswith(tuple(VERDICT.values())), (text, line)
        else:
            assert before.endswith(VERDICT[line["change"]]), (text, line)
            compared += 1
    # Some metric had figures in both periods: the verdict was tested.
    assert compared, summary


def test_a_base_period_before_the_data_loaded_is_no_comparison(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """Over 90 days the demo's previous period predates every loaded row:
    the summary says ``no_comparison`` for deployment frequency, and so does
    the assistant, not "improved" against 0 / week."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    days = date_ranges.last_days(date_ranges.today_in(ZONE), 90)
    summary = analytics(client, s, "summary", days.first, days.last)
    line = next(ln for ln in summary["lines"] if ln["metric"] == "deployment_frequency")
    assert line["change"] == "no_comparison" and line["previous_value"] is None, line
    events = ask(s, "Are we deploying more often over the last 90 days?")
    assert events[0][1]["arguments"]["compare"] is True, events
    before = text_of(events).splitlines()[1]
    assert before.startswith("Compared with the 90 days before ("), before
    assert "): no earlier data" in before and not before.endswith(tuple(VERDICT.values()))


def test_the_metric_alone_is_not_compared(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, "What is our lead time?")
    assert events[0][1]["tool"] == "dora_metric", events
    assert "compare" not in events[0][1]["arguments"]
    assert "Compared with" not in text_of(events)


def test_no_figure_in_either_period_is_no_verdict() -> None:
    """The previous period without a figure words "no data", and says
    neither better nor worse (the summary's ``no_data``)."""
    out = ToolOutput(
        summary="",
        data={
            "metric": "lead_time",
            "figure": "2.0 days (from 3 PRs)",
            "level": None,
            "previous_words": "the 30 days before (1 Oct - 30 Oct)",
            "previous": "no data",
            "change": "no_data",
        },
    )
    assert answers.metric(out, "over the last 30 days").splitlines()[1] == (
        "Compared with the 30 days before (1 Oct - 30 Oct): no data."
    )


def test_more_often_than_last_quarter_is_this_quarter_compared_with_the_last(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """ "Than last quarter" named the period asked about (last quarter,
    against the quarter before it); it is the base: this quarter so far
    against last quarter, each figure the analytics API's."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    now = date_ranges.calendar("this", "quarter", today)
    base = date_ranges.calendar("last", "quarter", today)
    events = ask(s, "Do we deploy more often than last quarter?")
    step = events[0][1]
    assert (step["tool"], step["arguments"]) == (
        "dora_metric",
        {
            "metric": "deployment_frequency",
            "compare": True,
            "days": (today - now.first).days + 1,
            "end": today.isoformat(),
            "against_days": base.days,
            "against_end": base.last.isoformat(),
        },
    ), events
    fig = analytics(client, s, "deployment-frequency", now.first, today, limit=0)
    old = analytics(client, s, "deployment-frequency", base.first, base.last, limit=0)
    lines = text_of(events).splitlines()
    assert lines[0].startswith(f"Deployment frequency {now.label} so far ("), lines
    assert f": {fmt_value(fig['value'], fig['unit'])}" in lines[0], (lines, fig)
    span = date_ranges.span_words(base.first, base.last)
    assert lines[1].startswith(f"Compared with {span}: {fmt_value(old['value'], old['unit'])}"), (
        lines,
        old,
    )
