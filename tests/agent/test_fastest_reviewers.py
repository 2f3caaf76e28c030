"""Who reviews fastest ("who picks up reviews the fastest?", "who reviews
quickest?") got the PRs longest in review (slowest_reviews): it is the
review load's median first response, so it gets the review load, fastest
first response first, ranked over the reviewers of the engineering
dashboard's table (the API's, on the demo seed) with enough reviews: a
reviewer with a single quick review was ranked first; now the answer says
the cut-off and who was left out for too few reviews."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import answers, date_ranges
from pulse_backend.agent.classifier import IntentClassifier
from pulse_backend.agent.local import ZONE, route
from pulse_backend.agent.reviews import enough_reviews
from pulse_backend.agent.tools import TOOLS
from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_common.ai import Embedder
from pulse_common.analytics.engineering import ReviewerLoad
from pulse_common.provisioning import drop_tenant
from tests.agent.conftest import local_runtime, signed_in, tool_context, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_local_periods import analytics
from tests.agent.test_manager_questions import merged_pr
from tests.backend.conftest import Platform, TenantInfo, provision
from tests.backend.support import add_repository, wait_replica

TODAY = dt.date(2026, 11, 30)
FASTEST = ("Who picks up reviews the fastest?", "who reviews quickest?")


def test_who_is_fastest_is_the_review_load_by_first_response(embedder: Embedder) -> None:
    classifier = IntentClassifier(embedder)
    for question in FASTEST:
        intent = route(classifier, question, TODAY)
        assert (intent.tool, intent.arguments) == ("review_load", {"order": "response"}), question
    # Who reviews the most is still by PRs reviewed.
    assert route(classifier, "Who reviews the most?", TODAY).arguments == {}


@pytest.mark.postgres
@pytest.mark.redis
def test_who_reviews_fastest_lists_the_fastest_first_response_first(
    client: TestClient, demo: TenantInfo, embedder: Embedder, ask: Any
) -> None:
    use_runtime(client, local_runtime(embedder))
    s = signed_in(client, demo)
    today = date_ranges.today_in(ZONE)
    flow = analytics(client, s, "engineering", today - dt.timedelta(days=89), today)
    timed = [r for r in flow["reviewers"] if r["median_response_hours"] is not None]
    assert len(timed) > 1, flow
    # Of those with at least 3 reviews (the demo's reviewers all have):
    # fastest first; a reviewer without a measured response last; equal
    # ones busiest first (the dashboard's table is busiest first).
    assert all(r["prs_reviewed"] >= 3 for r in flow["reviewers"]), flow
    ranked = sorted(
        flow["reviewers"],
        key=lambda r: (
            r["median_response_hours"] is None,
            r["median_response_hours"] or 0.0,
            -r["prs_reviewed"],
        ),
    )
    expected = [
        f"{i}. {r['reviewer'] or 'unknown'}: {fmt_count(r['prs_reviewed'], 'PR', 'PRs')} "
        f"reviewed, median first response {fmt_value(r['median_response_hours'], 'hours')}"
        for i, r in enumerate(ranked[:5], start=1)
    ]
    for question in FASTEST:
        events = ask(s, question)
        assert events[0][1]["tool"] == "review_load", events
        answer = text_of(events).splitlines()
        assert answer[0] == (
            f"Reviewers with at least 3 reviews {date_ranges.last_days(today, 90).words()}, "
            "by median first response, fastest first:"
        )
        assert answer[1 : 1 + len(expected)] == expected, answer
        assert not any(ln.startswith("Left out") for ln in answer), answer


@pytest.fixture(scope="module")
def reviewed(platform: Platform) -> Iterator[TenantInfo]:
    """quick reviewed one PR, fastest of all; dee and bo three, cy four."""
    t = provision(platform, f"agr-{uuid.uuid4().hex[:8]}")
    api = add_repository(platform, t)
    every = (("dee", 1.0), ("bo", 2.0), ("cy", 5.0))
    merged_pr(platform, t, api, 1, 10, (("quick", 0.5), *every))
    merged_pr(platform, t, api, 2, 8, every)
    merged_pr(platform, t, api, 3, 6, every)
    merged_pr(platform, t, api, 4, 4, (("cy", 5.0),))
    wait_replica(platform)
    yield t
    drop_tenant(platform.engine, t.slug)


@pytest.mark.postgres
@pytest.mark.redis
def test_a_reviewer_with_too_few_reviews_is_left_out_of_the_fastest_and_said(
    client: TestClient, reviewed: TenantInfo
) -> None:
    out = TOOLS["review_load"].run(tool_context(client, reviewed), {"order": "response"})
    assert [r["reviewer"] for r in out.data["reviewers"]] == ["dee", "bo", "cy"]
    assert (out.data["min_reviews"], out.data["left_out"]) == (
        3,
        [{"reviewer": "quick", "prs_reviewed": 1}],
    )
    lines = answers.review_load(out, "lately").splitlines()
    assert lines[0] == "Reviewers with at least 3 reviews lately, by median first response, " + (
        "fastest first:"
    )
    assert lines[4] == "Left out for too few reviews: quick (1).", lines
    # By count, everyone is listed, busiest first.
    most = TOOLS["review_load"].run(tool_context(client, reviewed), {})
    assert [r["reviewer"] for r in most.data["reviewers"]][:1] == ["cy"]
    assert "quick" in [r["reviewer"] for r in most.data["reviewers"]]


def test_the_cut_off_is_the_median_count_when_fewer_than_half_have_three() -> None:
    def load(*counts: int) -> tuple[ReviewerLoad, ...]:
        return tuple(
            ReviewerLoad(reviewer=f"r{i}", prs_reviewed=n, median_response_hours=1.0)
            for i, n in enumerate(counts)
        )

    assert enough_reviews(load(1, 3, 3, 4)) == 3
    assert enough_reviews(load(9, 8, 7, 1, 1)) == 3
    assert enough_reviews(load(1, 2, 2, 5)) == 2
    assert enough_reviews(load(1, 1, 2)) == 1
    assert enough_reviews(load()) == 3
