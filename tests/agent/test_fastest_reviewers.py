"""Who reviews fastest ("who picks up reviews the fastest?", "who reviews
quickest?") got the PRs longest in review (slowest_reviews): it is the
review load's median first response, so it gets the review load, fastest
first response first, ranked over every reviewer of the engineering
dashboard's table (the API's, on the demo seed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pulse_backend.agent import date_ranges
from pulse_backend.agent.classifier import IntentClassifier
from pulse_backend.agent.local import ZONE, route
from pulse_backend.analytics.wording import fmt_count, fmt_value
from pulse_common.ai import Embedder
from tests.agent.conftest import local_runtime, signed_in, use_runtime
from tests.agent.test_local_and_memory import text_of
from tests.agent.test_local_periods import analytics
from tests.backend.conftest import TenantInfo

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
    # Fastest first; a reviewer without a measured response last; equal
    # ones busiest first (the dashboard's table is busiest first).
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
            f"Reviewers by median first response {date_ranges.last_days(today, 90).words()}, "
            "fastest first:"
        )
        assert answer[1 : 1 + len(expected)] == expected, answer
