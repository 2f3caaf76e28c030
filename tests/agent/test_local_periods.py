"""Local mode answers for the period the question names, through the real
API: the tool gets that period, the answer says it, and its figure is the
analytics endpoint's for the same days. A period that cannot be used is
answered as such, never with the 90-day default."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import date_ranges
from pulse_backend.agent.date_ranges import DASH
from pulse_backend.agent.local import ZONE
from pulse_backend.analytics.wording import figure_words, metric_name
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import previous_month, text_of
from tests.backend.conftest import Session, TenantInfo

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROUTES = {
    "deployment_frequency": "deployment-frequency",
    "lead_time": "lead-time",
    "change_failure_rate": "change-failure-rate",
    "recovery_time": "recovery-time",
}


def month_start(today: dt.date, back: int) -> dt.date:
    y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
    return dt.date(y, m + 1, 1)


def month_end(first: dt.date) -> dt.date:
    return month_start(first, -1) - dt.timedelta(days=1)


def dates(first: dt.date, last: dt.date) -> str:
    if first.year == last.year:
        return f"({first.day} {first:%b} {DASH} {last.day} {last:%b})"
    return f"({first.day} {first:%b} {first.year} {DASH} {last.day} {last:%b} {last.year})"


def cases(today: dt.date) -> list[tuple[str, str, dt.date, dt.date, str]]:
    """(question, metric, first day, last day, the period's words)."""
    first, last = previous_month(today)
    two = month_start(today, 2)
    three = month_start(today, 3)
    return [
        (
            "How often did we deploy last month?",
            "deployment_frequency",
            first,
            last,
            f"in {first:%B} {first.year} {dates(first, last)}",
        ),
        (
            f"What was our lead time in {two:%B}?",
            "lead_time",
            two,
            month_end(two),
            f"in {two:%B} {two.year} {dates(two, month_end(two))}",
        ),
        (
            "What is our change failure rate over the last 2 weeks?",
            "change_failure_rate",
            today - dt.timedelta(days=13),
            today,
            f"over the last 2 weeks {dates(today - dt.timedelta(days=13), today)}",
        ),
        (
            f"How long did it take to recover from incidents since 1 {three:%B}?",
            "recovery_time",
            three,
            today,
            f"since 1 {three:%B} {three.year} {dates(three, today)}",
        ),
    ]


def analytics(
    client: TestClient, s: Session, path: str, first: dt.date, last: dt.date, **params: Any
) -> Any:
    """``path`` over the UTC days ``first`` to ``last``; ``params``: its filters."""
    end = last + dt.timedelta(days=1)
    r = client.get(
        f"/api/v1/analytics/{path}",
        params={
            "start": f"{first.isoformat()}T00:00:00Z",
            "end": f"{end.isoformat()}T00:00:00Z",
            **params,
        },
        headers=s.headers,
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("case", range(4))
def test_the_answer_is_the_analytics_figure_for_the_period_asked(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any, case: int
) -> None:
    today = date_ranges.today_in(ZONE)
    question, metric, first, last, words = cases(today)[case]
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, question)
    assert events[0][0] == "step", events
    step = events[0][1]
    assert step["tool"] == "dora_metric"
    assert step["arguments"] == {
        "metric": metric,
        "days": (last - first).days + 1,
        "end": last.isoformat(),
    }
    fig = analytics(client, s, ROUTES[metric], first, last)
    expected = (
        f"{metric_name(metric)} {words}: "
        # A recovery time says how many incidents are still open (the
        # figure's ``unresolved``; no other figure has it).
        f"{figure_words(metric, fig['value'], fig['unit'], fig['sample_size'], '', fig.get('unresolved'))}."
    )
    if fig["level"]:
        expected += f" DORA level: {fig['level']}."
    assert text_of(events).splitlines()[0] == expected
    assert fig["sample_size"] > 0 or metric == "change_failure_rate", fig


def test_the_summary_of_this_quarter_is_the_analytics_summary(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    today = date_ranges.today_in(ZONE)
    first = month_start(today, (today.month - 1) % 3)
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, "How are we doing overall this quarter?")
    step = events[0][1]
    assert step["tool"] == "dora_summary"
    assert step["arguments"] == {"days": (today - first).days + 1, "end": today.isoformat()}
    answer = text_of(events)
    quarter = f"Q{(first.month - 1) // 3 + 1} {first.year}"
    assert answer.startswith(f"DORA metrics in {quarter} so far {dates(first, today)}:\n")
    summary = analytics(client, s, "summary", first, today)
    for line in summary["lines"]:
        # The figure, then the previous period's (a recovery time counts
        # its open incidents in each), then why the line has its level.
        figure, before = (
            figure_words(
                line["metric"],
                line[f"{p}value"],
                line["unit"],
                line[f"{p}sample_size"],
                unresolved=line[f"{p}unresolved"],
            )
            for p in ("", "previous_")
        )
        assert f"- {metric_name(line['metric'])}: {figure} (level " in answer, (figure, answer)
        assert f"previous {before}" in answer, (before, answer)
        assert f"Why this level: {line['level_reason']}" in answer, answer


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("How often will we deploy next month?", "“next month”: this period has not begun yet"),
        ("What is our lead time since the reorg?", "“since the reorg”: it is not a period I can"),
        ("What is our lead time since 2020?", "“since 2020”: this period spans"),
        ("How often did we deploy on 2026-02-30?", "“2026-02-30”: there is no such day"),
    ],
)
def test_a_period_that_cannot_be_used_is_answered_as_such(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any, question: str, problem: str
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, question)
    # No tool ran: no step, no citation, and no figure of another period.
    assert [k for k, _ in events if k in ("step", "citation")] == []
    assert events[-1][0] == "done" and events[-1][1]["mode"] == "local"
    answer = text_of(events)
    assert answer.startswith(f"I cannot answer for {problem}"), answer
    assert "“last month”, “in October”" in answer and "90 days" not in answer


def test_a_follow_up_without_a_period_keeps_the_previous_questions(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    conversation = client.post("/api/v1/assistant/conversations", headers=s.headers).json()["id"]
    ask(s, "How often did we deploy last month?", conversation)
    first, last = previous_month(date_ranges.today_in(ZONE))
    days = {"days": (last - first).days + 1, "end": last.isoformat()}
    # Read as the same metric for the same month (for another period it would
    # be answered): the answer above, which local mode does not repeat.
    events = ask(s, "and why?", conversation)
    assert [k for k, _ in events if k == "step"] == []
    assert text_of(events).startswith(
        "Read as a follow-up to “How often did we deploy last month?”:\n"
        "“and why?” reads as the question my previous answer already answers"
    ), text_of(events)
    # Another metric for that month is answered, for that month: asked how
    # many, the failed deployments counted, the rate beside them (agent24b).
    events = ask(s, "and how many of them failed?", conversation)
    step = events[0][1]
    assert step["arguments"] == {"metric": "change_failure_rate", **days}
    assert text_of(events).startswith(
        "Read as a follow-up to “How often did we deploy last month?”:\n"
        f"Failed deployments in {first:%B} {first.year} {dates(first, last)}: "
    ), text_of(events)
    assert "(change failure rate " in text_of(events).splitlines()[1], text_of(events)
