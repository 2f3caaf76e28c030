"""A manager's everyday questions that got an answer to another question:
"how long until a PR gets its first review?" got review or lead time, "how
many PRs did we merge last month?" a search that found nothing, "how many
incidents did we have?" only recovery time's sample, "which repository
deploys the most?" the overall deployment frequency, "is our review time
getting better?" no comparison. The engineering flow tool on hand-built
rows (expected figures computed here), and each question through the API
in local mode on the demo seed, its figures equal to the analytics API's
for the same days and filters."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import answers, date_ranges
from pulse_backend.agent.local import ZONE
from pulse_backend.agent.narrowing import UnknownName
from pulse_backend.agent.tools import TOOLS, ToolContext
from pulse_backend.analytics.wording import figure_words, fmt_count, fmt_hours
from pulse_common.ai import Embedder
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import local_runtime, signed_in, tool_context, use_runtime
from tests.agent.test_local_and_memory import last_90_days, text_of
from tests.agent.test_local_follow_ups import cited
from tests.agent.test_local_periods import analytics
from tests.backend.conftest import Platform, Session, TenantInfo, provision
from tests.backend.support import add_repository, tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def merged_pr(
    platform: Platform,
    t: TenantInfo,
    repo: int,
    number: int,
    days_ago: float,
    reviews: tuple[tuple[str, float], ...],
    merged_after: float | None = 48,
) -> int:
    """A PR by ada opened ``days_ago``, each review (reviewer, hours after
    the opening), merged ``merged_after`` hours after the opening (None: open)."""
    created = NOW - dt.timedelta(days=days_ago)
    merged = None if merged_after is None else created + dt.timedelta(hours=merged_after)
    [(pr,)] = tenant_sql(
        platform,
        t.slug,
        "INSERT INTO prs (tenant_id, repository_id, number, title, author, state, created, "
        "merged_at, closed_at) VALUES (:t, :r, :n, :title, 'ada', :s, :c, :m, :m) RETURNING id",
        {
            "t": t.tenant_id,
            "r": repo,
            "n": number,
            "title": f"change {number}",
            "s": "open" if merged is None else "merged",
            "c": created,
            "m": merged,
        },
    )
    for i, (who, hours) in enumerate(reviews):
        tenant_sql(
            platform,
            t.slug,
            "INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, "
            "submitted_at) VALUES (:t, :p, :x, :who, 'approved', :at)",
            {
                "t": t.tenant_id,
                "p": pr,
                "x": f"{pr}-{i}",
                "who": who,
                "at": created + dt.timedelta(hours=hours),
            },
        )
    return int(pr)


@pytest.fixture(scope="module")
def rows(platform: Platform) -> Iterator[tuple[TenantInfo, dict[str, int]]]:
    t = provision(platform, f"agf-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    prs = {
        # Picked up after 2 h, merged 46 h later.
        "quick": merged_pr(platform, t, api, 1, 10, (("bo", 2),)),
        # The author's own review is no pickup: bo's at 6 h is.
        "slow": merged_pr(platform, t, api, 2, 5, (("ada", 1), ("bo", 6), ("cy", 7)), 30),
        # Never reviewed: merged with no pickup or review time.
        "unreviewed": merged_pr(platform, t, api, 3, 3, ()),
        # Still open: not in the flow.
        "open": merged_pr(platform, t, api, 4, 2, (("bo", 1),), None),
        # The previous 90 days: picked up after 10 h.
        "before": merged_pr(platform, t, api, 5, 120, (("cy", 10),)),
    }
    wait_replica(platform)
    yield t, prs
    drop_tenant(platform.engine, t.slug)


@pytest.fixture
def ctx(client: TestClient, rows: tuple[TenantInfo, dict[str, int]]) -> ToolContext:
    return tool_context(client, rows[0])


def test_pickup_time_is_the_median_from_opening_to_a_first_review_by_someone_else(
    ctx: ToolContext, rows: tuple[TenantInfo, dict[str, int]]
) -> None:
    _, prs = rows
    out = TOOLS["engineering_flow"].run(ctx, {"measure": "pickup"})
    d = out.data
    # 2 h and 6 h: the lower median, as the dashboard's percentile_disc.
    assert (d["median_hours"], d["sample_size"]) == (2.0, 2)
    assert [(p["pr_id"], p["hours"], p["reviewers"]) for p in d["prs"]] == [
        (prs["slow"], 6.0, ["bo", "cy"]),
        (prs["quick"], 2.0, ["bo"]),
    ]
    assert [c.id for c in out.citations] == [prs["slow"], prs["quick"]]
    assert (d["previous_hours"], d["change"]) == (10.0, "improved")
    today = NOW.date()
    before = date_ranges.DateRange(
        today - dt.timedelta(days=179), today - dt.timedelta(days=90), "the 90 days before"
    )
    text = answers.flow(out, "over the last days")
    assert text.splitlines() == [
        "Pickup time over the last days: 2.0 h, the median of 2 merged PRs (from the opening "
        "to the first review by someone other than the author).",
        f"Compared with {before.words()}: 10 h, the median of 1 merged PR: improved.",
        "The merged PRs that waited longest for their first review:",
        "1. acme/api#2 change 2: 6.0 h, reviewed by bo, cy",
        "2. acme/api#1 change 1: 2.0 h, reviewed by bo",
    ]


def test_review_time_and_throughput_against_the_previous_period(
    ctx: ToolContext, rows: tuple[TenantInfo, dict[str, int]]
) -> None:
    _, prs = rows
    review = TOOLS["engineering_flow"].run(ctx, {"measure": "review"}).data
    # Merge minus the first review by someone else: 46 h and 24 h.
    assert (review["median_hours"], review["sample_size"]) == (24.0, 2)
    assert (review["previous_hours"], review["change"]) == (38.0, "improved")
    out = TOOLS["engineering_flow"].run(ctx, {"measure": "throughput"})
    d = out.data
    assert (d["merged_prs"], d["previous_merged_prs"]) == (3, 1)
    assert sum(w["merged"] for w in d["weeks"]) == 3
    # The latest merged first.
    assert [c.id for c in out.citations] == [prs["unreviewed"], prs["slow"], prs["quick"]]
    text = answers.flow(out, "over the last days")
    assert text.startswith("Throughput over the last days: 3 PRs merged.\n"), text
    assert "Compared with the 90 days before (" in text and "): 1 PR merged.\n" in text
    # Narrowed to an author the tenant does not have: said, not answered with zeros.
    with pytest.raises(UnknownName, match="no pull request by 'zed'"):
        TOOLS["engineering_flow"].run(ctx, {"measure": "pickup", "author": "zed"})


def test_the_llm_sees_the_new_tools_and_measures() -> None:
    spec = TOOLS["engineering_flow"].spec.parameters
    assert {"days", "end", "repository", "author", "measure"} <= set(spec["properties"])
    measure = spec["properties"]["measure"]
    assert set(measure["enum"]) == {"pickup", "review", "coding", "throughput"}
    assert "deployments_by_repository" in TOOLS
    metric = TOOLS["dora_metric"].spec.parameters["properties"]["metric"]
    assert "mean_time_to_restore" in metric["enum"]


def last_90(client: TestClient, s: Session, path: str, **params: Any) -> Any:
    """The analytics API over local mode's default days (the last 90 UTC days)."""
    today = date_ranges.today_in(ZONE)
    return analytics(client, s, path, today - dt.timedelta(days=89), today, **params)


def test_pickup_throughput_and_review_trend_are_the_engineering_dashboards(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    flow = last_90(client, s, "engineering")
    end = date_ranges.today_in(ZONE) - dt.timedelta(days=90)
    before = analytics(client, s, "engineering", end - dt.timedelta(days=89), end)
    for question, measure in (
        ("How long until a PR gets its first review?", "pickup"),
        ("Is our review time getting better?", "review"),
    ):
        events = ask(s, question)
        assert events[0][1]["tool"] == "engineering_flow", (question, events)
        assert events[0][1]["arguments"]["measure"] == measure
        lines = text_of(events).splitlines()
        c, old = flow[measure], before[measure]
        assert c["sample_size"] > 0, flow
        assert lines[0].startswith(
            f"{measure.capitalize()} time {last_90_days()}: {fmt_hours(c['median_hours'])}, "
            f"the median of {fmt_count(c['sample_size'], 'merged PR', 'merged PRs')} (from "
        ), lines
        assert lines[1].startswith("Compared with the 90 days before (")
        # The demo's data begins in the period: nothing before it to compare.
        was = (
            f"{fmt_hours(old['median_hours'])}, the median of "
            f"{fmt_count(old['sample_size'], 'merged PR', 'merged PRs')}"
            if old["sample_size"]
            else "no data (no merged PR with one)"
        )
        assert f"): {was}" in lines[1], lines
        # The PRs longest in the step, cited as listed.
        listed = [ln for ln in lines if ln[:1].isdigit()]
        assert listed and len(cited(events, "pr")) == len(listed)
    events = ask(s, "How many PRs did we merge last month?")
    assert events[0][1]["tool"] == "engineering_flow"
    assert events[0][1]["arguments"]["measure"] == "throughput"
    events = ask(s, "What is our PR throughput?")
    assert text_of(events).startswith(
        f"Throughput {last_90_days()}: "
        f"{fmt_count(flow['merged_prs'], 'PR merged', 'PRs merged')}.\n"
    )
    assert len(cited(events, "pr")) == min(5, flow["merged_prs"])


def test_how_many_incidents_and_which_repository_deploys_most_are_the_apis(
    client: TestClient, platform: Platform, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    mttr = last_90(client, s, "mean-time-to-restore", limit=0)
    events = ask(s, "How many incidents did we have?")
    assert events[0][1]["tool"] == "dora_metric", events
    n, open_ = mttr["sample_size"], mttr["unresolved"]
    assert n > 0, mttr
    still = f"{open_} still open" if open_ else "all of them resolved"
    lines = text_of(events).splitlines()
    assert lines[0] == (
        f"Incidents detected {last_90_days()}: {fmt_count(n, 'incident', 'incidents')}, {still}."
    )
    figure = figure_words("mean_time_to_restore", mttr["value"], "hours", n, unresolved=open_)
    assert lines[1] == f"Mean time to restore (detection to resolution, the median): {figure}."
    assert cited(events, "incident")

    events = ask(s, "Which repository deploys the most?")
    assert events[0][1]["tool"] == "deployments_by_repository", events
    lines = text_of(events).splitlines()
    assert lines[0] == f"Repositories that deployed most {last_90_days()}:"
    repos = {
        d["title"]: d["id"] for k, d in events if k == "citation" and d["type"] == "repository"
    }
    assert len(lines) - 1 == len(repos) > 0
    counts = []
    for i, line in enumerate(lines[1:], start=1):
        name = line.split(": deployment frequency ")[0].removeprefix(f"{i}. ")
        fig = last_90(client, s, "deployment-frequency", repository=repos[name], limit=0)
        assert line == (
            f"{i}. {name}: deployment frequency "
            + figure_words("deployment_frequency", fig["value"], fig["unit"], fig["sample_size"])
        )
        counts.append(fig["sample_size"])
    # Most first; together no more than the overall figure counts.
    assert counts == sorted(counts, reverse=True)
    overall = last_90(client, s, "deployment-frequency", limit=0)
    assert sum(counts) <= overall["sample_size"]
    assert cited(events, "deployment")

    # Least is the same ranking the other way round, every repository in it
    # (it was answered with the most first, under "deployed most").
    events = ask(s, "Which repo deploys least?")
    assert events[0][1]["tool"] == "deployments_by_repository", events
    assert events[0][1]["arguments"]["order"] == "least"
    lines = text_of(events).splitlines()
    assert lines[0] == f"Repositories that deployed least {last_90_days()}:"
    repos = {
        d["title"]: d["id"] for k, d in events if k == "citation" and d["type"] == "repository"
    }
    fewest = []
    for i, line in enumerate(lines[1:], start=1):
        name = line.split(": deployment frequency ")[0].removeprefix(f"{i}. ")
        fig = last_90(client, s, "deployment-frequency", repository=repos[name], limit=0)
        fewest.append(fig["sample_size"])
    assert fewest == sorted(fewest) and fewest[0] <= counts[-1]
    [(repositories,)] = tenant_sql(platform, demo.slug, "SELECT count(*) FROM repositories")
    assert len(fewest) == min(5, repositories)


def test_did_incidents_go_up_is_the_count_against_the_base_and_wait_for_review_is_pickup(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    """ "Did incidents go up in October compared to September?" got the
    recovery time of September; "how long do PRs wait for review in web?"
    the slowest reviews of every repository."""
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    oct_ = date_ranges.latest(None, today, lambda y: date_ranges.month_range(y, 10))
    sep = date_ranges.month_range(oct_.first.year, 9)
    events = ask(s, "Did incidents go up in October compared to September?")
    args = events[0][1]["arguments"]
    assert (args["metric"], args["compare"]) == ("mean_time_to_restore", True), events
    assert (args["against_days"], args["against_end"]) == (30, sep.last.isoformat())
    now = analytics(client, s, "mean-time-to-restore", oct_.first, oct_.last, limit=0)
    old = analytics(client, s, "mean-time-to-restore", sep.first, sep.last, limit=0)
    lines = text_of(events).splitlines()
    assert lines[0].startswith(
        f"Incidents detected {oct_.words()}: "
        f"{fmt_count(now['sample_size'], 'incident', 'incidents')}, "
    ), lines
    span = date_ranges.span_words(sep.first, sep.last)
    assert lines[1] == (
        f"Compared with {span}: {fmt_count(old['sample_size'], 'incident', 'incidents')}."
    ), lines
    events = ask(s, "how long do PRs wait for review in web?")
    step = events[0][1]
    assert step["tool"] == "engineering_flow", events
    assert (step["arguments"]["measure"], step["arguments"]["repository"]) == (
        "pickup",
        "demo/web",
    )
    assert text_of(events).startswith(f"Pickup time in demo/web {last_90_days()}: ")
