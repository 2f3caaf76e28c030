"""Questions answered by the wrong tool (agent24c): "what has been deployed
this week?" got the change failure rate, "how many stories did we finish
last month?" and "what did linus work on last week?" a search, "how many changes were deployed on
3/1?" was read as failed deployments, "who merged the fewest PRs?" the
authors who merged most, "who merged the most in web?" the whole tenant's
authors. Each through the API in local mode on the demo seed, its figures
equal to the analytics API's for the same days and filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import date_ranges, deployed
from pulse_backend.agent.local import ZONE
from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_local_periods import analytics
from tests.agent.test_rates_and_comparisons import _expected_top
from tests.backend.conftest import Platform, TenantInfo
from tests.backend.support import tenant_sql

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("what did we ship over the last 30 days?", "over the last 30 days"),
        ("what has been deployed this week?", "this week"),
    ],
)
def test_what_was_deployed_lists_the_deployments_newest_first(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any, question: str, label: str
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, question)
    step = events[0][1]
    assert step["tool"] == "deployments_listed", step
    last = dt.date.fromisoformat(step["arguments"]["end"])
    first = last - dt.timedelta(days=step["arguments"]["days"] - 1)
    fig = analytics(client, s, "deployment-frequency", first, last, limit=1000)
    total = fig["sample_size"]
    text = text_of(events)
    lines = text.splitlines()
    if label == "over the last 30 days":
        assert total > 0, fig  # the demo deployed lately: a list to check
    if not total:
        assert lines[0].startswith(f"Nothing was deployed {label}"), text
        return
    assert lines[0].startswith(f"Deployed {label}"), text
    assert lines[0].endswith(
        f": {fmt_count(total, 'deployment', 'deployments')} "
        f"({fmt_value(fig['value'], fig['unit'])}), newest first:"
    ), text
    newest = sorted(fig["drilldown"], key=lambda d: (d["finished_at"], d["id"]), reverse=True)
    listed = [ln for ln in lines[1:] if ln[:1].isdigit()]
    assert len(listed) == min(deployed.LISTED, total), text
    for line, d in zip(listed, newest, strict=False):
        assert f"@ {d['commit_sha'][:7]} (finished {d['finished_at'][:10]})" in line, (line, d)
    if total > deployed.LISTED:
        assert lines[-1].startswith(f"…and {total - deployed.LISTED} more: "), text
    # Never the failures' figure it was read as.
    assert "failure" not in text.lower(), text


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # A slashed day is ambiguous: asked back, never the failed deployments.
        (
            "how many changes were deployed on 3/1?",
            ("“3/1” could be 1 March or 3 January", "write “1 March” or “3 January”"),
        ),
        # A sprint is no period Pulse knows (it was "found nothing relevant").
        (
            "work items completed last sprint",
            ("Pulse does not know your team's sprints", "“the last 2 weeks”"),
        ),
    ],
)
def test_a_period_that_cannot_be_read_is_asked_back_not_answered(
    client: TestClient,
    demo: TenantInfo,
    embedder: Embedder,
    ask: Any,
    question: str,
    said: tuple[str, str],
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    events = ask(s, question)
    text = text_of(events)
    assert not [e for e in events if e[0] == "step"], events
    for words in said:
        assert words in text, text
    assert "failed" not in text.lower(), text


def _merged(
    client: TestClient, s: Any, days: date_ranges.DateRange, authors: list[str], **filters: Any
) -> dict[str, float | None]:
    return {
        a: analytics(client, s, "engineering", days.first, days.last, author=a, **filters)[
            "merged_prs"
        ]
        or None
        for a in authors
    }


def _assert_ranked(lines: list[str], top: list[tuple[int, str]], merged: dict[str, Any]) -> None:
    assert top, merged
    for rank, name in top:
        line = next(ln for ln in lines[1:] if ln.startswith(f"{rank}. "))
        assert f"{name}: {fmt_count(merged[name], 'PR merged', 'PRs merged')}" in line, (
            line,
            merged,
        )


def test_who_merged_the_fewest_ranks_the_authors_lowest_first(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    days = date_ranges.last_days(date_ranges.today_in(ZONE), 90)
    events = ask(s, "who merged the fewest PRs?")
    step = events[0][1]
    assert (step["tool"], step["arguments"]["order"]) == ("rank", "lowest"), events
    rows = tenant_sql(
        platform, demo.slug, "SELECT DISTINCT author FROM prs WHERE author IS NOT NULL", {}
    )
    merged = _merged(client, s, days, [a for (a,) in rows])
    lines = text_of(events).splitlines()
    assert lines[0] == f"Authors by PRs merged {days.words()}, fewest first:", lines
    top = _expected_top(merged, highest=False)
    # Not the most-first ranking it was read as.
    assert top != _expected_top(merged, highest=True), merged
    _assert_ranked(lines, top, merged)


def test_who_merged_the_most_in_a_repository_ranks_its_authors(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    days = date_ranges.last_days(date_ranges.today_in(ZONE), 90)
    events = ask(s, "who merged the most in web?")
    step = events[0][1]
    assert (step["tool"], step["arguments"]["repository"]) == ("rank", "demo/web"), events
    [(rid,)] = tenant_sql(
        platform, demo.slug, "SELECT id FROM repositories WHERE full_name = 'demo/web'", {}
    )
    rows = tenant_sql(
        platform, demo.slug, "SELECT DISTINCT author FROM prs WHERE author IS NOT NULL", {}
    )
    authors = [a for (a,) in rows]
    merged = _merged(client, s, days, authors, repository=rid)
    everyone = _merged(client, s, days, authors)
    # The repository's counts are not the tenant's: the narrowing shows.
    assert merged != everyone, (merged, everyone)
    lines = text_of(events).splitlines()
    assert lines[0] == f"Authors in demo/web by PRs merged {days.words()}, most first:", lines
    _assert_ranked(lines, _expected_top(merged, highest=True), merged)


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("how many stories did we finish last month?", None),
        ("what did linus work on last month?", "linus"),
    ],
)
def test_work_items_resolved_are_the_work_items_dashboards(
    client: TestClient,
    demo: TenantInfo,
    embedder: Embedder,
    ask: Any,
    question: str,
    person: str | None,
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    month = date_ranges.calendar("last", "month", date_ranges.today_in(ZONE))
    events = ask(s, question)
    step = events[0][1]
    assert step["tool"] == "work_items", events
    assert step["arguments"].get("author") == person, events
    filters = {} if person is None else {"author": person}
    flow = analytics(client, s, "work-items", month.first, month.last, **filters)
    whole = analytics(client, s, "work-items", month.first, month.last)
    assert flow["resolved"] > 0, flow
    if person is not None:
        assert flow["resolved"] != whole["resolved"], (flow, whole)
    lines = text_of(events).splitlines()
    narrowed = "" if person is None else f" assigned to {person}"
    assert lines[0].startswith(
        f"Work items resolved{narrowed} {month.words()}: "
        f"{fmt_count(flow['resolved'], 'work item', 'work items')} (throughput "
    ), lines
    listed = [ln for ln in lines[1:] if ln[:1].isdigit()]
    assert len(listed) == min(5, flow["resolved"]), lines
