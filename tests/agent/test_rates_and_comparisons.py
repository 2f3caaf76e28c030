"""What the assistant got wrong on the demo seed (agent24b): "what's our
rework rate?" went to search (the metric tool had no rework rate); "how
many deployments failed last month?" got the change failure rate alone,
not the count; "month over month" and "week over week" compared 90 days
with the 90 before, and "did CFR go down since Q2?" compared since 1 April
with the days before it; "which repository has the slowest lead time?"
got the tenant's lead time and "who merged the most PRs?" everyone's
throughput, not a ranking. Each through the API in local mode, its figures
equal to the analytics API's for the same days (and filters)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import date_ranges
from pulse_backend.agent.local import ZONE
from pulse_backend.analytics.wording import figure_words, fmt_count, fmt_value
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_local_periods import analytics
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_the_rework_rate_is_the_dashboards_with_the_previous_period(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    days = date_ranges.last_days(today, 90)
    events = ask(s, "What's our rework rate?")
    step = events[0][1]
    assert (step["tool"], step["arguments"]["metric"]) == ("dora_metric", "rework_rate"), events
    fig = analytics(client, s, "rework-rate", days.first, days.last, limit=0)
    lines = text_of(events).splitlines()
    assert lines[0].startswith(f"Rework rate {days.words()}: "), lines
    assert f": {fmt_value(fig['value'], fig['unit'])} (from " in lines[0], (lines, fig)
    # The rework rate has no DORA level (the 2024 report gives no bands).
    assert "DORA level" not in lines[0]

    # Asked whether it got better: against the 30 days before, as the summary.
    month = date_ranges.last_days(today, 30)
    events = ask(s, "Has our rework rate improved over the last 30 days?")
    assert events[0][1]["arguments"]["compare"] is True, events
    summary = analytics(client, s, "summary", month.first, month.last)
    [line] = [ln for ln in summary["lines"] if ln["metric"] == "rework_rate"]
    lines = text_of(events).splitlines()
    assert f": {fmt_value(line['value'], line['unit'])}" in lines[0], (lines, line)
    assert lines[1].startswith("Compared with the 30 days before ("), lines
    assert f"): {fmt_value(line['previous_value'], line['unit'])}" in lines[1], (lines, line)


def test_how_many_deployments_failed_is_the_count_with_the_rate_beside_it(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    days = date_ranges.last_days(date_ranges.today_in(ZONE), 90)
    events = ask(s, "How many deployments failed over the last 90 days?")
    assert events[0][1]["arguments"]["metric"] == "change_failure_rate", events
    fig = analytics(client, s, "change-failure-rate", days.first, days.last, limit=0)
    # The demo seed has failed deployments: the count is not a bare zero.
    assert fig["failed_deployments"] > 0, fig
    first = text_of(events).splitlines()[0]
    assert first == (
        f"Failed deployments {days.words()}: {fig['failed_deployments']} of "
        f"{fmt_count(fig['sample_size'], 'deployment', 'deployments')} (change failure rate "
        f"{fmt_value(fig['value'], fig['unit'])})."
    ), (first, fig)


def _over(today: dt.date, unit: str) -> tuple[date_ranges.DateRange, date_ranges.DateRange]:
    now = date_ranges.calendar("last", unit, today)
    return now, date_ranges.calendar("last", unit, now.first)


def _since_q2(today: dt.date) -> tuple[date_ranges.DateRange, date_ranges.DateRange]:
    q2 = date_ranges.quarter_range(today.year, 2)
    after = dataclasses.replace(q2, first=q2.last + dt.timedelta(days=1), last=today)
    return after, q2


@pytest.mark.parametrize(
    ("question", "metric", "path", "periods", "said"),
    [
        (
            "Is lead time improving month over month?",
            "lead_time",
            "lead-time",
            lambda t: _over(t, "month"),
            "Lead time for changes in ",
        ),
        (
            "deployment frequency week over week",
            "deployment_frequency",
            "deployment-frequency",
            lambda t: _over(t, "week"),
            "Deployment frequency last week (",
        ),
        (
            "did CFR go down since Q2?",
            "change_failure_rate",
            "change-failure-rate",
            _since_q2,
            "Change failure rate since the end of Q2 (1 Jul ",
        ),
    ],
)
def test_over_and_since_compare_the_periods_they_name(
    client: TestClient,
    demo: TenantInfo,
    embedder: Embedder,
    ask: Any,
    question: str,
    metric: str,
    path: str,
    periods: Any,
    said: str,
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    now, base = periods(date_ranges.today_in(ZONE))
    events = ask(s, question)
    step = events[0][1]
    assert (step["tool"], step["arguments"]) == (
        "dora_metric",
        {
            "metric": metric,
            "compare": True,
            "days": now.days,
            "end": now.last.isoformat(),
            "against_days": base.days,
            "against_end": base.last.isoformat(),
        },
    ), events
    fig = analytics(client, s, path, now.first, now.last, limit=0)
    old = analytics(client, s, path, base.first, base.last, limit=0)
    lines = text_of(events).splitlines()
    assert lines[0].startswith(said), lines
    assert f": {fmt_value(fig['value'], fig['unit'])}" in lines[0], (lines, fig)
    # Both periods' dates are said.
    span = date_ranges.span_words(base.first, base.last)
    # A base with no deployment, before the scope's first (Q2 on the demo
    # seed), is no figure: the summary's no_comparison, said in words.
    before = "no earlier data" if old["sample_size"] == 0 else fmt_value(old["value"], old["unit"])
    assert lines[1].startswith(f"Compared with {span}: {before}"), (lines, old)


def _expected_top(values: dict[str, float | None], highest: bool) -> list[tuple[int, str]]:
    """The top 3 ranks (competition ranking: ties share one, and those tied
    with the third are in), by figure then name."""
    sign = -1 if highest else 1
    ordered = sorted(
        ((v, n) for n, v in values.items() if v is not None), key=lambda vn: (sign * vn[0], vn[1])
    )
    out: list[tuple[int, str]] = []
    for i, (v, n) in enumerate(ordered):
        rank = out[-1][0] if out and values[out[-1][1]] == v else i + 1
        if rank > 3:
            break
        out.append((rank, n))
    return out


@pytest.mark.parametrize(
    ("question", "metric", "path", "heading"),
    [
        (
            "which repository has the slowest lead time?",
            "lead_time",
            "lead-time",
            "Repositories by lead time for changes over the last 90 days (",
        ),
        (
            "which repo has the highest change failure rate?",
            "change_failure_rate",
            "change-failure-rate",
            "Repositories by change failure rate over the last 90 days (",
        ),
    ],
)
def test_repositories_are_ranked_by_the_dashboards_figure_for_each(
    client: TestClient,
    platform: Platform,
    demo: TenantInfo,
    embedder: Embedder,
    ask: Any,
    question: str,
    metric: str,
    path: str,
    heading: str,
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    days = date_ranges.last_days(date_ranges.today_in(ZONE), 90)
    events = ask(s, question)
    step = events[0][1]
    assert (step["tool"], step["arguments"]["metric"], step["arguments"]["order"]) == (
        "rank",
        metric,
        "highest",
    ), events
    repos = tenant_sql(platform, demo.slug, "SELECT id, full_name FROM repositories", {})
    figures = {
        name: analytics(client, s, path, days.first, days.last, repository=rid, limit=0)
        for rid, name in repos
    }
    # The demo's repositories differ: a ranking, not one figure for all.
    values = {n: f["value"] for n, f in figures.items()}
    assert len({v for v in values.values() if v is not None}) > 1, values
    top = _expected_top(values, highest=True)
    lines = text_of(events).splitlines()
    assert lines[0].startswith(heading), lines
    said = [ln for ln in lines[1:] if ln[:1].isdigit()]
    # One line per rank, those tied on it together, in the dashboards' order.
    assert [ln.split(".")[0] for ln in said] == sorted({str(r) for r, _ in top}), (said, values)
    for rank, name in top:
        f = figures[name]
        line = next(ln for ln in said if ln.startswith(f"{rank}. "))
        words = figure_words(metric, f["value"], f["unit"], f["sample_size"])
        assert f"{name}: {words}" in line, (line, values)


def test_who_merged_most_ranks_the_authors_by_their_throughput(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    quarter = date_ranges.calendar("last", "quarter", date_ranges.today_in(ZONE))
    events = ask(s, "who merged the most PRs last quarter?")
    step = events[0][1]
    assert (step["tool"], step["arguments"]["subject"]) == ("rank", "authors"), events
    assert (step["arguments"]["days"], step["arguments"]["end"]) == (
        quarter.days,
        quarter.last.isoformat(),
    )
    authors = tenant_sql(
        platform, demo.slug, "SELECT DISTINCT author FROM prs WHERE author IS NOT NULL", {}
    )
    merged = {
        a: analytics(client, s, "engineering", quarter.first, quarter.last, author=a)["merged_prs"]
        or None
        for (a,) in authors
    }
    top = _expected_top(merged, highest=True)
    assert top, merged
    lines = text_of(events).splitlines()
    assert lines[0] == f"Authors by PRs merged {quarter.words()}, most first:", lines
    for rank, name in top:
        n = merged[name]
        assert n is not None
        line = next(ln for ln in lines[1:] if ln.startswith(f"{rank}. "))
        assert f"{name}: {fmt_count(n, 'PR merged', 'PRs merged')}" in line, (line, merged)
    # Ties are said as ties.
    for rank in {r for r, _ in top}:
        tied = [n for r, n in top if r == rank]
        line = next(ln for ln in lines[1:] if ln.startswith(f"{rank}. "))
        assert (f"({len(tied)} tied)" in line) == (len(tied) > 1), (line, top)
