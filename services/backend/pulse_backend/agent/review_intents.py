"""The local-mode intents about pull requests and code review: what is
still open, the slowest reviews, who reviews how much and how fast, pickup
and review time, and how many PRs were merged (with who merged most or
fewest). Kept apart from the delivery intents (``delivery_intents``): these
answer from the engineering dashboard's flow and review tools, not a DORA
metric. ``intents`` orders them into the classifier's table."""

from __future__ import annotations

from pulse_backend.agent import answers, rankings
from pulse_backend.agent.intent import Intent
from pulse_backend.agent.intent_words import (
    ABOUT_PRS,
    CHANGING,
    FASTEST,
    MERGED,
    PICKING_UP,
    PR_OPENNESS,
    REVIEWING,
    WHO,
    WHO_LEAST,
)

OPEN_PRS = Intent(
    "open_prs",
    "open_prs",
    {},
    (
        "which pull requests are still open?",
        "which PRs are open right now",
        "pull requests that have not been merged yet",
        "which PRs are waiting for a review",
        "which PRs are waiting for their first review",
        "which PRs has nobody reviewed yet",
        "what is still pending in code review",
        "show me the stale PRs",
        "which PRs are stuck in review",
        "how many PRs are stuck in review",
        "who is waiting on a review right now",
    ),
    answers.open_prs,
    "pull requests not merged yet: stale, not reviewed yet or waiting for review",
    PR_OPENNESS,
    ABOUT_PRS,
)

SLOWEST_REVIEWS = Intent(
    "slowest_reviews",
    "slowest_reviews",
    {},
    (
        "which PRs took the longest to review, and who reviewed them?",
        "which pull requests waited longest in code review",
        "slowest code reviews and their reviewers",
        "code reviews that dragged on for days",
    ),
    answers.slowest_reviews,
    "code review time of pull requests and who reviewed them",
    REVIEWING,
)

REVIEW_LOAD = Intent(
    "review_load",
    "review_load",
    {},
    (
        "who reviews the most pull requests?",
        "what is the review load per reviewer",
        "which reviewers do the most code reviews",
        "how many pull requests did each person review",
        "which people on the team review the most PRs",
        "who picks up reviews the fastest",
        "which reviewers respond quickest to a review request",
        # One person's: "what does bo review?" (narrowed to them; the
        # person read as ``narrowing.ANYONE``).
        "what does ada review",
        "how many PRs did grace review",
    ),
    answers.review_load,
    "code review load: how many pull requests each reviewer reviewed",
    REVIEWING,
    # Who is fastest: the same reviewers, fastest first response first.
    variants=(
        Intent(
            "review_load",
            "review_load",
            {"order": "response"},
            (),
            answers.review_load,
            requires=FASTEST,
        ),
    ),
)

PICKUP_TIME = Intent(
    "pickup_time",
    "engineering_flow",
    {"measure": "pickup"},
    (
        "how long until a pull request gets its first review?",
        "how long before someone picks up a PR",
        "what is our pickup time",
        "how long do PRs wait for their first review",
        "time from opening a PR to the first review",
    ),
    answers.flow,
    "pickup time: how long a pull request waits from opening until its first review",
    PICKING_UP,
)

REVIEW_TREND = Intent(
    "review_trend",
    "engineering_flow",
    {"measure": "review"},
    (
        "is our review time getting better?",
        "are code reviews getting faster or slower",
        "has review time improved compared to before",
        "how did our review time change",
        "how has code review time changed compared with the previous period",
    ),
    answers.flow,
    "review time of pull requests compared with the previous period: better or worse",
    CHANGING,
    REVIEWING,
)

THROUGHPUT = Intent(
    "throughput",
    "engineering_flow",
    {"measure": "throughput"},
    (
        "how many pull requests did we merge?",
        "what is our PR throughput",
        "number of PRs merged per week",
        "how many PRs got merged",
        "pull requests merged",
        # One person's: "PRs by Ada" (narrowed to them; ``narrowing.ANYONE``).
        "PRs by ada",
        "how many PRs did ada merge",
    ),
    answers.flow,
    "throughput: the number of pull requests merged",
    MERGED,
    # Who merged most (or fewest): the authors ranked by their throughput.
    variants=(
        Intent(
            "people_merging_fewest",
            "rank",
            {"subject": "authors", "metric": "merged_prs", "order": "lowest"},
            (),
            rankings.ranked_answer,
            requires=WHO_LEAST,
        ),
        Intent(
            "people_merging_most",
            "rank",
            {"subject": "authors", "metric": "merged_prs"},
            (),
            rankings.ranked_answer,
            requires=WHO,
        ),
    ),
)
