"""The questions local mode can answer without a language model: each
intent names the tool that answers it, with default arguments, the example
questions that stand for it, its topic, and the template that turns the
tool's output into the answer's text (an ``intent.Intent`` each).
``classifier.IntentClassifier`` picks the intent of a question by
embedding (the offline MiniLM); where the embedding cannot tell at all, an
intent needs words of its own (``intent_words``)."""

from __future__ import annotations

import re

from pulse_backend.agent import answers, deployed, rankings
from pulse_backend.agent.intent import Intent
from pulse_backend.agent.intent_words import (
    ABOUT_PRS,
    CHANGING,
    COUNTING,
    DEPLOYING,
    FASTEST,
    HOW_MANY,
    INCIDENTS,
    LEAST,
    LISTING,
    MERGED,
    METRIC_CHANGING,
    NO_METRIC,
    OPENNESS,
    PICKING_UP,
    PR_OPENNESS,
    RANKED_HIGHEST,
    RANKED_LOWEST,
    REPOSITORIES,
    REVIEWING,
    REWORK,
    TIMING,
    WHO,
    WHO_LEAST,
    WORK_ITEMS,
)


def _metric_intent(
    metric: str,
    topic: str,
    *exemplars: str,
    requires: re.Pattern[str] | None = None,
    counted: Intent | None = None,
) -> Intent:
    # Asked which repository ranks first by it: each one's figure.
    ranked = tuple(
        Intent(
            f"repositories_by_{metric}",
            "rank",
            {"subject": "repositories", "metric": metric, "order": order},
            (),
            rankings.ranked_answer,
            requires=words,
        )
        for order, words in (("highest", RANKED_HIGHEST), ("lowest", RANKED_LOWEST))
        if metric != "deployment_frequency"  # ``deployments_by_repository``'s
    )
    # Asked whether it got better: against the previous period, as the
    # DORA summary compares it.
    trend = Intent(
        f"{metric}_trend",
        "dora_metric",
        {"metric": metric, "compare": True},
        (),
        answers.metric,
        topic,
        METRIC_CHANGING,
    )
    return Intent(
        metric,
        "dora_metric",
        {"metric": metric},
        exemplars,
        answers.metric,
        topic,
        requires,
        # Asked how many (failed, rework) first: "how many deployments failed
        # compared to last month?" asks the count, against the base's.
        variants=(*ranked, trend) if counted is None else (*ranked, counted, trend),
    )


INTENTS: tuple[Intent, ...] = (
    Intent(
        "incidents_by_repository",
        "incidents_by_repository",
        {},
        (
            "which repositories cause most incidents?",
            "which services have the most outages",
            "where do our production incidents come from",
        ),
        answers.repositories,
        "the repositories that production incidents and outages come from",
        NO_METRIC,
    ),
    _metric_intent(
        "lead_time",
        "lead time for changes: how long pull requests take from commit to deployment in "
        "production",
        "why did lead time rise?",
        "how long do changes take to reach production",
        "which pull requests were slowest to ship",
        "how long from a commit until it is deployed",
        "how long does code take to ship",
        "how long are PRs open before they get merged",
        "what is our time to merge",
        "time it takes a change to get to prod",
        "what is our cycle time",
        requires=TIMING,
    ),
    _metric_intent(
        "deployment_frequency",
        "deployments and releases to production",
        "how often do we deploy?",
        "what is our deployment frequency",
        "number of releases to production",
        "how many times did we ship",
        "how many changes were deployed",
    ),
    # What was deployed: deployment frequency's deployments, newest first.
    Intent(
        "deployments_listed",
        "deployments_listed",
        {},
        (
            "what has been deployed?",
            "what did we ship?",
            "which deployments went out",
            "list the deployments to production",
            "show me what was released",
        ),
        deployed.deployed_answer,
        "the deployments and releases to production in a period",
        LISTING,
    ),
    _metric_intent(
        "change_failure_rate",
        "deployments that failed or caused incidents",
        "what share of deployments fail?",
        "what is our change failure rate",
        "how many releases caused problems",
        "what is our CFR",
        counted=Intent(
            "failed_deployments",
            "dora_metric",
            {"metric": "change_failure_rate"},
            (),
            answers.counted,
            requires=HOW_MANY,
        ),
    ),
    _metric_intent(
        "rework_rate",
        "rework rate: deployments that were unplanned fixes, hotfixes or rollbacks",
        "what is our rework rate?",
        "how much of our deployment work is rework",
        "what share of deployments are hotfixes or rollbacks",
        "how many deployments were unplanned fixes",
        requires=REWORK,
    ),
    _metric_intent(
        "recovery_time",
        "time to recover: how fast production incidents and outages are fixed",
        "how long does it take to recover from incidents?",
        "time to restore service after an outage",
        "which incidents took longest to fix",
        "what is our MTTR",
        "is incident recovery getting faster",
        "has our MTTR improved",
    ),
    Intent(
        "open_incidents",
        "open_incidents",
        {},
        (
            "which incidents are still open?",
            "are any incidents still open right now",
            "incidents that have not been resolved yet",
            "which outages are still open",
        ),
        answers.open_incidents,
        "production incidents and outages still unresolved",
        OPENNESS,
    ),
    Intent(
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
    ),
    Intent(
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
    ),
    Intent(
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
    ),
    Intent(
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
    ),
    Intent(
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
    ),
    Intent(
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
    ),
    Intent(
        "incident_count",
        "dora_metric",
        {"metric": "mean_time_to_restore"},
        (
            "how many incidents did we have?",
            "number of production incidents",
            "how many outages were there",
            "count of incidents",
        ),
        answers.incident_count,
        "the number of production incidents and outages that happened",
        COUNTING,
        INCIDENTS,
        # Whether there were more: against the previous period's count.
        variants=(
            Intent(
                "incident_count",
                "dora_metric",
                {"metric": "mean_time_to_restore", "compare": True},
                (),
                answers.incident_count,
                requires=METRIC_CHANGING,
            ),
        ),
    ),
    Intent(
        "deployments_by_repository",
        "deployments_by_repository",
        {},
        (
            "which repository deploys the most?",
            "which services do we deploy most often",
            "deployments per repository",
            "which repos ship the most releases",
        ),
        answers.deployments_by_repository,
        "the repositories that deploy and release to production most often",
        REPOSITORIES,
        DEPLOYING,
        # Which deploys least: every repository, fewest deployments first.
        variants=(
            Intent(
                "repositories_deploying_least",
                "deployments_by_repository",
                {"order": "least"},
                (),
                answers.deployments_by_repository,
                requires=LEAST,
            ),
        ),
    ),
    Intent(
        "work_items",
        "work_items",
        {},
        (
            "how many work items did we complete?",
            "how many stories did we finish",
            "how many tickets did we close",
            "work items resolved",
            # One person's (narrowed to them; ``narrowing.ANYONE``).
            "what did ada work on",
            "which work items did ada finish",
        ),
        answers.work_items,
        "work items, stories and tickets completed or resolved",
        WORK_ITEMS,
    ),
    Intent(
        "dora_summary",
        "dora_summary",
        {},
        (
            "how are we doing overall?",
            "summary of our DORA metrics",
            "team performance overview",
            "how healthy is our engineering delivery",
            "are we an elite team",
            "what DORA level are we at",
            "how are we trending",
            "give me an executive summary",
        ),
        answers.summary,
        "DORA metrics and delivery performance",
    ),
)
SEARCH = Intent("search", "search", {}, (), answers.search)
