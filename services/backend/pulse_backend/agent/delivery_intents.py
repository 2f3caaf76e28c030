"""The local-mode intents about delivery (the DORA metrics and what they
are made of): lead time, deployments, change failures, rework, recovery,
incidents and the repositories they come from. Kept apart from the
pull-request and review intents (``review_intents``) because these share
one shape, ``_metric_intent``: a metric with its ranking of repositories
and its trend against the previous period as variants. ``intents`` orders
them into the classifier's table."""

from __future__ import annotations

import re

from pulse_backend.agent import answers, deployed, rankings
from pulse_backend.agent.intent import Intent
from pulse_backend.agent.intent_words import (
    COUNTING,
    DEPLOYING,
    HOW_MANY,
    INCIDENTS,
    LEAST,
    LISTING,
    METRIC_CHANGING,
    NO_METRIC,
    OPENNESS,
    RANKED_HIGHEST,
    RANKED_LOWEST,
    REPOSITORIES,
    REWORK,
    TIMING,
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


INCIDENTS_BY_REPOSITORY = Intent(
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
)

LEAD_TIME = _metric_intent(
    "lead_time",
    "lead time for changes: how long pull requests take from commit to deployment in production",
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
)

DEPLOYMENT_FREQUENCY = _metric_intent(
    "deployment_frequency",
    "deployments and releases to production",
    "how often do we deploy?",
    "what is our deployment frequency",
    "number of releases to production",
    "how many times did we ship",
    "how many changes were deployed",
)

# What was deployed: deployment frequency's deployments, newest first.
DEPLOYMENTS_LISTED = Intent(
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
)

CHANGE_FAILURE_RATE = _metric_intent(
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
)

REWORK_RATE = _metric_intent(
    "rework_rate",
    "rework rate: deployments that were unplanned fixes, hotfixes or rollbacks",
    "what is our rework rate?",
    "how much of our deployment work is rework",
    "what share of deployments are hotfixes or rollbacks",
    "how many deployments were unplanned fixes",
    requires=REWORK,
)

RECOVERY_TIME = _metric_intent(
    "recovery_time",
    "time to recover: how fast production incidents and outages are fixed",
    "how long does it take to recover from incidents?",
    "time to restore service after an outage",
    "which incidents took longest to fix",
    "what is our MTTR",
    "is incident recovery getting faster",
    "has our MTTR improved",
)

OPEN_INCIDENTS = Intent(
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
)

INCIDENT_COUNT = Intent(
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
)

DEPLOYMENTS_BY_REPOSITORY = Intent(
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
)
