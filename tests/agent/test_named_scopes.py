"""What a question names besides its intent was dropped: "what is the lead
time in api?" got the whole tenant's lead time, "the payments repo" (no
such repository) too; "how many PRs did ada merge?" everyone's throughput,
"what does ba review?" everyone's review load, "did zed merge" (nobody)
everyone's; "last summer", "over the holidays" and "H1 2026" were no
period (a search, or the last 90 days). Each through the API in local mode
on the demo seed, its figures equal to the analytics API's for the same
days and filters, its days said in the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import answers, date_ranges
from pulse_backend.agent.local import ZONE
from pulse_backend.agent.models import ToolOutput
from pulse_backend.analytics.wording import fmt_count, fmt_value, metric_name
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_local_periods import analytics
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def repo_id(platform: Platform, t: TenantInfo, full_name: str) -> int:
    [(rid,)] = tenant_sql(
        platform, t.slug, "SELECT id FROM repositories WHERE full_name = :n", {"n": full_name}
    )
    return int(rid)


@pytest.mark.parametrize(
    ("question", "metric", "path", "repository", "period"),
    [
        ("what is the lead time in api?", "lead_time", "lead-time", "demo/api", None),
        ("lead time for the api repo", "lead_time", "lead-time", "demo/api", None),
        (
            "deploy frequency of web last month",
            "deployment_frequency",
            "deployment-frequency",
            "demo/web",
            "last month",
        ),
    ],
)
def test_a_repository_named_scopes_the_metric_as_the_dashboards_filter_does(
    client: TestClient,
    platform: Platform,
    demo: TenantInfo,
    embedder: Embedder,
    ask: Any,
    question: str,
    metric: str,
    path: str,
    repository: str,
    period: str | None,
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    days = (
        date_ranges.last_days(today, 90)
        if period is None
        else date_ranges.calendar("last", "month", today)
    )
    events = ask(s, question)
    step = events[0][1]
    assert (step["tool"], step["arguments"]["metric"]) == ("dora_metric", metric), events
    assert step["arguments"]["repository"] == repository
    rid = repo_id(platform, demo, repository)
    fig = analytics(client, s, path, days.first, days.last, repository=rid, limit=0)
    whole = analytics(client, s, path, days.first, days.last, limit=0)
    # The demo's repositories differ: the filtered figure is not the tenant's.
    assert fig["sample_size"] != whole["sample_size"], (fig, whole)
    first = text_of(events).splitlines()[0]
    assert first.startswith(f"{metric_name(metric)} in {repository} {days.words()}: "), first
    assert f": {fmt_value(fig['value'], fig['unit'])}" in first, (first, fig)


def test_an_unknown_repository_is_said_not_ignored(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    for question in ("lead time for the payments repo", "how often do we deploy in acme/payments?"):
        events = ask(s, question)
        text = text_of(events)
        assert "no repository named “" in text, (question, text)
        assert "demo/api, demo/etl, demo/infra, demo/web" in text, text
        # No figure: the whole tenant's would read as the repository's.
        assert not [e for e in events if e[0] == "step"], events


def test_a_person_named_by_first_name_or_prefix_scopes_to_them(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    month = date_ranges.calendar("last", "month", today)
    for question in ("how many PRs did ada merge last month?", "PRs by Ada last month"):
        events = ask(s, question)
        step = events[0][1]
        assert step["tool"] == "engineering_flow", (question, events)
        assert (step["arguments"]["measure"], step["arguments"]["author"]) == ("throughput", "ada")
        flow = analytics(client, s, "engineering", month.first, month.last, author="ada")
        whole = analytics(client, s, "engineering", month.first, month.last)
        merged = flow["merged_prs"]
        assert merged != whole["merged_prs"], (flow, whole)
        first = text_of(events).splitlines()[0]
        assert first == (
            f"Throughput by ada {month.words()}: {fmt_count(merged, 'PR merged', 'PRs merged')}."
        ), first
    # "ba" begins one login: barbara's line of the review load, as the dashboard's.
    days = date_ranges.last_days(today, 90)
    events = ask(s, "what does ba review?")
    step = events[0][1]
    assert (step["tool"], step["arguments"]["reviewer"]) == ("review_load", "barbara"), events
    load = analytics(client, s, "engineering", days.first, days.last)["reviewers"]
    [row] = [r for r in load if r["reviewer"] == "barbara"]
    lines = text_of(events).splitlines()
    assert lines[0].startswith(f"Review load of barbara {days.words()}"), lines
    assert lines[1] == (
        f"1. barbara: {fmt_count(row['prs_reviewed'], 'PR', 'PRs')} reviewed, median first "
        f"response {fmt_value(row['median_response_hours'], 'hours')}"
    ), (lines, row)
    assert not [ln for ln in lines if ln.startswith("2. ")], lines


def test_two_people_or_nobody_are_said(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    # Two logins one word begins: tests/agent/test_narrowing.py (the demo has none).
    # Said as a name (capitalised, or "@zed"): lower case, "zed" may be a word.
    text = text_of(ask(s, "how many PRs did Zed merge?"))
    assert "no one named “zed”" in text, text
    text = text_of(ask(s, "PRs by Frank"))
    assert "no one named “frank”" in text, text


@pytest.mark.parametrize(
    ("words", "first", "last", "said"),
    [
        ("in the summer", (6, 1), (8, 31), "northern-hemisphere summer assumed"),
        ("last summer", (6, 1), (8, 31), "northern-hemisphere summer assumed"),
        ("in H1", (1, 1), (6, 30), ""),
        ("in Q3", (7, 1), (9, 30), ""),
    ],
)
def test_a_named_period_is_its_dates_and_what_was_assumed(
    client: TestClient,
    demo: TenantInfo,
    embedder: Embedder,
    ask: Any,
    words: str,
    first: tuple[int, int],
    last: tuple[int, int],
    said: str,
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    year = today.year if dt.date(today.year, *last) < today else today.year - 1
    a, b = dt.date(year, *first), dt.date(year, *last)
    events = ask(s, f"how many deployments did we do {words}?")
    step = events[0][1]
    assert step["arguments"]["end"] == b.isoformat(), events
    assert step["arguments"]["days"] == (b - a).days + 1
    fig = analytics(client, s, "deployment-frequency", a, b, limit=0)
    first_line = text_of(events).splitlines()[0]
    dates = f"{date_ranges.day_words(a)} {date_ranges.DASH} {date_ranges.day_words(b)}"
    assert f"({dates}" in first_line, first_line
    assert said in first_line, first_line
    assert f": {fmt_value(fig['value'], fig['unit'])}" in first_line, (first_line, fig)


@pytest.mark.parametrize(
    "question",
    ["How many PRs have been merged this week?", "Let's see deployment frequency"],
)
def test_an_ordinary_question_is_answered_not_refused_as_naming_someone(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any, question: str
) -> None:
    """Refused as "no one named “been”" (“let”) on the demo seed."""
    use_runtime(client, local_runtime(embedder))
    events = ask(signed_in(client, demo), question)
    steps = [e[1] for e in events if e[0] == "step"]
    assert steps, text_of(events)
    assert not {"author", "reviewer", "repository"} & set(steps[0]["arguments"]), steps


def test_a_tool_that_cannot_narrow_says_its_figures_are_everyones(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """ "Which incidents are open in api?" listed every repository's as if
    they were api's."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, "Which incidents are still open in api?")
    assert events[0][1]["tool"] == "open_incidents", events
    assert text_of(events).endswith(
        "(These figures are the whole tenant's: I cannot narrow them to the repository demo/api.)"
    ), text_of(events)


def test_one_reviewer_without_reviews_in_the_period_is_said_by_name() -> None:
    out = ToolOutput(
        summary="", data={"reviewers": [], "order": "reviewed", "narrowed": " of barbara"}
    )
    assert answers.review_load(out, f"in June 2026 (1 Jun {date_ranges.DASH} 30 Jun)") == (
        f"barbara reviewed no pull request in June 2026 (1 Jun {date_ranges.DASH} 30 Jun)."
    )
